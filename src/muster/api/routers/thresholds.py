"""The open-set threshold in force: its value, how it was chosen, its expected error rate."""

from __future__ import annotations

from fastapi import APIRouter

from muster.api.deps import ServicesDep, StaffDep
from muster.api.schemas.recognition import ThresholdPublic

router = APIRouter(tags=["recognition"])


@router.get(
    "/thresholds",
    summary="The recognition threshold and how it was chosen",
    description="Calibrated from the enrolled gallery for recognition.target_fpir unless "
    "recognition.min_similarity overrides it; recalculated when the gallery changes.",
)
def current_threshold(services: ServicesDep, _: StaffDep) -> ThresholdPublic:
    return ThresholdPublic.of(services.thresholds.current())
