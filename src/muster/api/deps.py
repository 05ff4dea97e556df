"""Typed dependencies: a route's signature reads as its needs (ServicesDep, AdminDep, ...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from muster.domain.people import Role
from muster.services.container import Services
from muster.services.keys import InvalidApiKeyError, Principal

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer msk_...`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key (alternative).")


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_principal(
    services: ServicesDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    header_key: Annotated[str | None, Security(_header)],
) -> Principal:
    token = bearer.credentials if bearer is not None else header_key
    if not token:
        raise HTTPException(
            401,
            "an API key is required: send `Authorization: Bearer msk_...`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return services.keys.authenticate(token)
    except InvalidApiKeyError as exc:
        raise HTTPException(401, exc.message, headers={"WWW-Authenticate": "Bearer"}) from exc


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only `roles` through (403 for others)."""
    allowed = frozenset(roles)

    def _check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role not in allowed:
            wanted = " or ".join(sorted(allowed))
            raise HTTPException(403, f"this needs a {wanted} key; yours is a {principal.role} key")
        return principal

    return _check


AdminDep = Annotated[Principal, Depends(require(Role.ADMIN))]
StaffDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR))]
DeviceDep = Annotated[Principal, Depends(require(Role.DEVICE))]
AnyRoleDep = Annotated[Principal, Depends(get_principal)]
