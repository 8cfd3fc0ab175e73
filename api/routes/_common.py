"""What every route module shares: role groups, the route decorator that documents roles and
errors, the JSON response, and id resolution."""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Depends, Path
from starlette.responses import Response

from api.config import ROLES
from api.deps import ROLE_TABLE, require, roles_text
from api.keys import Principal
from api.models import ErrorOut
from api.models.common import PARTY_ID_PATTERN, USCC_EXAMPLE
from api.pii import redact, sees_pii
from api.world import World
from graph.model import PARTY_LABELS
from ingest import mask_id
from riskgraph.errors import NotFound

__all__ = ["ALL", "ANALYSTS", "ADMIN", "BATCH", "AnyRole", "Analyst", "BatchCaller",
           "AdminCaller", "PartyIdPath", "json_ok", "render", "resolve", "route", "shown_id"]

F = TypeVar("F", bound=Callable[..., Any])

ALL = ROLES
ANALYSTS = ("committee", "investigator", "admin")
BATCH = ("service", "admin")
ADMIN = ("admin",)

AnyRole = Annotated[Principal, Depends(require(*ALL))]
Analyst = Annotated[Principal, Depends(require(*ANALYSTS))]
BatchCaller = Annotated[Principal, Depends(require(*BATCH))]
AdminCaller = Annotated[Principal, Depends(require(*ADMIN))]

PartyIdPath = Annotated[str, Path(
    pattern=PARTY_ID_PATTERN, max_length=64,
    description="An enterprise's USCC, a person's key, or a person's resident id (hashed "
    "before the lookup; never stored or logged in clear).", examples=[USCC_EXAMPLE])]

_RESIDENT_ID = re.compile(r"^[0-9]{17}[0-9Xx]$")

_ERRORS = {401: "No API key, or an unknown or revoked one.",
           403: "The key's role may not call this endpoint.",
           422: "Invalid input: the fields that were wrong are listed in `detail`.",
           503: "The store is unreachable or still loading, or the server is busy: retry "
                "after `Retry-After` seconds."}


def route(method: Callable[..., Callable[[F], F]], path: str, roles: tuple[str, ...] | None,
          *, not_found: bool = True, **kwargs: Any) -> Callable[[F], F]:
    """``router.get``/``router.post`` with the roles in the description and ``x-roles``, and
    the error answers documented."""

    def wrap(fn: F) -> F:
        doc = (fn.__doc__ or "").strip()
        responses: dict[int | str, dict[str, Any]] = {}
        codes = [422, 503] + ([401, 403] if roles else []) + ([404] if not_found else [])
        for code in sorted(codes):
            desc = _ERRORS.get(code, "Unknown id.")
            responses[code] = {"model": ErrorOut, "description": desc}
        extra = dict(kwargs.pop("openapi_extra", None) or {})
        if roles:
            doc = f"{doc}\n\n{roles_text(roles)}"
            extra["x-roles"] = list(roles)
            verb = method.__name__.upper()
            ROLE_TABLE[f"{verb} {path}"] = roles
        return method(path, description=doc, responses=responses, openapi_extra=extra,
                      **kwargs)(fn)

    return wrap


_OPTS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def json_ok(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body, option=_OPTS), status_code=status,
                    media_type="application/json")


def render(body: Any, who: Principal, world: World) -> Response:
    """The JSON answer, with person keys masked for roles that may not see them."""
    if not sees_pii(who.role):
        body = redact(body, world.masks)
    return json_ok(body)


def is_resident_id(ident: str) -> bool:
    return bool(_RESIDENT_ID.match(ident))


def shown_id(ident: str) -> str:
    """The id as it may be echoed or logged: a resident id masked, anything else as given."""
    return mask_id(ident) if is_resident_id(ident) else ident


def resolve(world: World, ident: str, key: Callable[[str], str]) -> int:
    """Node number of an enterprise or person id, or of a resident id (hashed); NotFound."""
    snap = world.snapshot
    if snap.has(ident, PARTY_LABELS):
        return snap.index_of(ident, PARTY_LABELS)
    if is_resident_id(ident):
        hashed = key(ident.upper())
        if snap.has(hashed, PARTY_LABELS):
            return snap.index_of(hashed, PARTY_LABELS)
    raise NotFound("Enterprise/Person", shown_id(ident))


def audit(scope: MutableMapping[str, Any], **what: Any) -> None:
    """Leave the audit record's *what* for the middleware, which writes it with the status."""
    scope.setdefault("state", {})["audit"] = what
