"""Dependencies of the routes, as ``Annotated`` aliases: the serving state, the world being
served, the caller (authenticated by API key), and the role check.

A key comes in ``X-API-Key: rg_…`` or ``Authorization: Bearer rg_…``; it is checked by one dict
lookup of its SHA-256 (:class:`api.keys.KeyRing`). Every dependency here is ``async`` so that
FastAPI runs it on the event loop, not in a thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import APIKey, APIKeyIn
from fastapi.security.base import SecurityBase

from api.config import ROLES
from api.errors import Forbidden, Unauthorized
from api.keys import Principal
from api.pii import sees_pii
from api.runner import Runner
from api.state import ServingState
from api.world import World

__all__ = ["Caller", "KeyAuth", "Served", "State", "Queries", "StoreReads", "require",
           "ROLE_TABLE"]

#: route path + method -> roles allowed (filled by :func:`require`; the role-matrix tests and
#: the OpenAPI descriptions read it).
ROLE_TABLE: dict[str, tuple[str, ...]] = {}


class KeyAuth(SecurityBase):
    """The API key, from ``X-API-Key`` or ``Authorization: Bearer``."""

    def __init__(self) -> None:
        self.model = APIKey(**{"in": APIKeyIn.header}, name="X-API-Key",  # type: ignore[arg-type]
                            description="An API key from `riskgraph apikey create`; also "
                            "accepted as `Authorization: Bearer <key>`.")
        self.scheme_name = "ApiKey"

    async def __call__(self, request: Request) -> Principal:
        headers = request.headers
        key = headers.get("x-api-key")
        if key is None:
            auth = headers.get("authorization")
            if auth is not None and auth[:7].lower() == "bearer ":
                key = auth[7:].strip()
        if not key:
            raise Unauthorized("an API key is needed: send it as X-API-Key or "
                               "Authorization: Bearer")
        who = request.app.state.serving.keys.principal(key)
        if who is None:
            raise Unauthorized("the API key is not valid (unknown or revoked)")
        request.scope.setdefault("state", {})["principal"] = who
        return who


key_auth = KeyAuth()


async def _state(request: Request) -> ServingState:
    return request.app.state.serving  # type: ignore[no-any-return]


async def _world(request: Request) -> World:
    return request.app.state.serving.world()  # type: ignore[no-any-return]


async def _queries(request: Request) -> Runner:
    return request.app.state.queries  # type: ignore[no-any-return]


async def _store_reads(request: Request) -> Runner:
    return request.app.state.store_reads  # type: ignore[no-any-return]


State = Annotated[ServingState, Depends(_state)]
Served = Annotated[World, Depends(_world)]
Queries = Annotated[Runner, Depends(_queries)]
StoreReads = Annotated[Runner, Depends(_store_reads)]


def require(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets only ``roles`` through (403 for the others, 401 without a key)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    allowed = frozenset(roles)
    listed = ", ".join(r for r in ROLES if r in allowed)

    async def check(who: Annotated[Principal, Depends(key_auth)]) -> Principal:
        if who.role not in allowed:
            raise Forbidden(f"role {who.role!r} may not call this; allowed: {listed}")
        return who

    check.roles = tuple(r for r in ROLES if r in allowed)  # type: ignore[attr-defined]
    return check


def roles_text(roles: tuple[str, ...]) -> str:
    pii = [r for r in roles if sees_pii(r)]
    text = f"**Roles:** {', '.join(roles)}."
    if pii and len(pii) < len(roles):
        text += (f" Person keys and contact points only for {', '.join(pii)}; the others see "
                 "persons' resident ids masked.")
    return text


Caller = Principal  # the type routes annotate; see ``require``
