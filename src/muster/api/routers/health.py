"""Liveness and readiness for load balancers and people."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from muster import __version__
from muster.api.deps import ServicesDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str = Field(description="'ok' when the database answers and the models are loaded.")
    version: str
    database: str = Field(description="'sqlite' or 'postgresql'.")
    gallery_version: int | None = Field(description="The template-set version this process uses.")
    enrolled_people: int
    people_to_re_enrol: int = Field(
        description="How many active people were enrolled only with another face model "
        "(before an upgrade): they are not recognised until they are enrolled again."
    )


@router.get("/healthz", response_model=Health, summary="Is this replica ready to serve?")
def healthz(services: ServicesDep) -> Health:
    return Health(
        status="ok",
        version=__version__,
        database=services.database.dialect,
        gallery_version=services.gallery.version,
        enrolled_people=services.gallery.person_count(),
        people_to_re_enrol=services.gallery.people_to_re_enrol(),
    )
