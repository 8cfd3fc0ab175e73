"""Administration: reload the graph and scores now, list the API keys (never their hashes)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from api.deps import State
from api.keys import list_keys
from api.routes._common import ADMIN, AdminCaller, json_ok, route

__all__ = ["router"]

router = APIRouter(tags=["admin"])


class ReloadOut(BaseModel):
    reloading: bool


class KeyOut(BaseModel):
    id: str
    name: str
    role: str
    prefix: str
    created: str
    revoked: str | None


@route(router.post, "/v1/admin/reload", ADMIN, not_found=False, response_model=ReloadOut,
       status_code=202, summary="Reload the graph and scores now")
async def reload(who: AdminCaller, state: State) -> Response:
    """Rebuild the served snapshot and scores from the store in the background (normally the
    server notices changes by itself within a heartbeat)."""
    state.reload()
    return json_ok({"reloading": True}, 202)


@route(router.get, "/v1/admin/keys", ADMIN, not_found=False, response_model=list[KeyOut],
       summary="API keys (names, roles, dates; never the keys)")
async def keys(who: AdminCaller, state: State) -> Response:
    """Every key in the key file, revoked ones included."""
    return json_ok([{"id": k.id, "name": k.name, "role": k.role, "prefix": k.prefix,
                     "created": k.created, "revoked": k.revoked}
                    for k in list_keys(state.keys.path)])
