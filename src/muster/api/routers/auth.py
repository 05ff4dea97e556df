"""Signing in and out of the admin pages. Sign-in needs no key; the answer is a short-lived
session key that every other route accepts like any API key of the user's role."""

from __future__ import annotations

from fastapi import APIRouter, Response

from muster.api.deps import AnyRoleDep, ServicesDep
from muster.api.schemas.auth import CallerPublic, SessionPublic, SignInCreate

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/login",
    summary="Sign in with a username and password; get a session key",
    description="401 invalid_credentials for an unknown user or a wrong password (one answer "
    "for both). Wrong passwords are counted per username (auth.max_failed_sign_ins within "
    "auth.failed_sign_in_window_s); past that, 429 too_many_attempts.",
)
def sign_in(body: SignInCreate, services: ServicesDep) -> SessionPublic:
    return SessionPublic.of(services.accounts.sign_in(body.username, body.password))


@router.post(
    "/logout",
    status_code=204,
    response_class=Response,
    summary="Sign out: the session key presented is revoked",
    description="Only session keys sign out (409 not_a_session_key for others).",
)
def sign_out(services: ServicesDep, caller: AnyRoleDep) -> None:
    services.accounts.sign_out(caller)


@router.get("/me", summary="Who the presented key belongs to")
def who_am_i(caller: AnyRoleDep) -> CallerPublic:
    return CallerPublic.of(caller)
