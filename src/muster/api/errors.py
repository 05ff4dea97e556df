"""One table from domain errors to HTTP statuses, and JSON error bodies everywhere.

Every error response has the shape {"error": {"code": "...", "message": "..."}}: `code` is
stable and machine-readable, `message` is for a person. Vision and storage raise MusterError
subclasses; only this module knows about HTTP.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from muster.domain import errors as e
from muster.domain.challenges import LivenessPausedError, LivenessRequiredError

log = logging.getLogger(__name__)

# Most specific first: the first isinstance match wins.
STATUS_BY_ERROR: tuple[tuple[type[e.MusterError], int], ...] = (
    (e.ImageTooLargeError, 413),
    (e.UnsupportedImageError, 415),
    (e.InvalidImageError, 422),
    (e.ModelUnavailableError, 503),
    (LivenessRequiredError, 403),
    (LivenessPausedError, 429),
    (e.NotFoundError, 404),
    (e.ConflictError, 409),
    (e.ForbiddenError, 403),
    (e.UnauthenticatedError, 401),
    (e.TooManyAttemptsError, 429),
)


_HTTP_CODES = {
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
}


def status_for(error: e.MusterError) -> int:
    for error_type, status in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return 400


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(e.MusterError)
    async def _domain(_: Request, exc: e.MusterError) -> JSONResponse:
        if isinstance(exc, LivenessPausedError):
            # Says when to come back, in the header and in the body for clients that hide it.
            return JSONResponse(
                error_body(
                    exc.code,
                    exc.message,
                    resumes_at=exc.resumes_at.isoformat(),
                    retry_after_s=exc.retry_after_s,
                ),
                status_code=status_for(exc),
                headers={"Retry-After": str(exc.retry_after_s)},
            )
        return JSONResponse(error_body(exc.code, exc.message), status_code=status_for(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "problem": err.get("msg", "")}
            for err in exc.errors()
        ]
        return JSONResponse(
            error_body(
                "invalid_request", "The request is malformed; see details.", details=details
            ),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(_HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            error_body("internal_error", "Something went wrong on the server; it has been logged."),
            status_code=500,
        )
