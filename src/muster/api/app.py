"""The app factory: `create_app(settings)` returns a FastAPI app with its own services."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from muster import __version__
from muster.api.errors import install_error_handlers
from muster.api.routers import (
    attendance,
    audit,
    auth,
    checkins,
    configuration,
    devices,
    enrolment_checks,
    group_photos,
    groups,
    health,
    keys,
    liveness,
    pairing,
    people,
    pins,
    recognition,
    register_range,
    review,
    schedules,
    stream,
    templates,
    thresholds,
    webhooks,
)
from muster.config import Settings
from muster.services.container import Services, build_services
from muster.web.pages import mount_web


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """An app over `services` (built from `settings` when not given). Models load and the
    gallery is read at start-up, off the event loop, so the first request is not slow."""
    prebuilt = services
    settings = settings or (prebuilt.settings if prebuilt else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        built = prebuilt if prebuilt else await run_in_threadpool(build_services, settings)
        await run_in_threadpool(built.start)
        app.state.services = built
        # Webhook deliveries go out from this process until it stops.
        dispatcher = asyncio.create_task(built.webhook_dispatcher.run(), name="webhooks")
        # Face data past its retention period is purged every privacy.purge_interval_s.
        purger = asyncio.create_task(built.retention.run_periodically(), name="retention")
        try:
            yield
        finally:
            for task in (dispatcher, purger):
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            if prebuilt is None:
                built.close()

    app = FastAPI(
        title="Muster",
        version=__version__,
        summary="Face-recognition attendance: people, enrolment, recognition, check-in, registers.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(schedules.router)
    app.include_router(attendance.router)
    app.include_router(audit.router)
    app.include_router(recognition.router)
    app.include_router(thresholds.router)
    app.include_router(checkins.router)
    app.include_router(devices.router)
    app.include_router(keys.router)
    app.include_router(webhooks.router)
    app.include_router(pairing.router)
    app.include_router(pins.router)
    app.include_router(people.router)
    app.include_router(groups.router)
    app.include_router(templates.router)
    app.include_router(review.router)
    app.include_router(review.admin_router)
    app.include_router(group_photos.router)
    app.include_router(auth.router)
    app.include_router(enrolment_checks.router)
    app.include_router(configuration.router)
    app.include_router(register_range.router)
    app.include_router(stream.router)
    app.include_router(liveness.router)
    mount_web(app)
    return app
