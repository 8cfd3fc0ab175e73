"""The investigator UI, served by the API at ``/ui``.

:func:`mount_ui` adds two things to the API application:

- ``/ui/api/...``: the UI's JSON endpoints (:mod:`api.ui.routes`), graph-shaped answers with
  the same keys, roles, audit and redaction as ``/v1``;
- ``/ui/``: the single-page app built from ``web/`` into ``web/dist`` by ``tools/build_web.sh``
  (Cytoscape.js, bundled with esbuild at set-up; nothing is fetched from a CDN at run time).

If ``web/dist`` has not been built, ``/ui/`` answers with a page that says how to build it,
and the JSON endpoints still work.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["DIST", "mount_ui"]

#: Where tools/build_web.sh puts the built UI.
DIST = Path(__file__).resolve().parents[2] / "web" / "dist"

_NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>riskgraph UI not built</title>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>The investigator UI has not been built</h1>
<p>Run <code>tools/build_web.sh</code> (it runs <code>npm ci</code> and the esbuild bundle into
<code>web/dist</code>; <code>tools/setup.sh</code> does it for you), then reload this page.</p>
<p>The JSON API under <code>/v1</code> works without it.</p></body>"""


class _UiFiles(StaticFiles):
    """Static files with caching suited to a single-page app: the HTML always revalidated,
    the hashed bundles kept."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if path in ("", ".", "index.html"):
            response.headers["Cache-Control"] = "no-cache"
        else:
            response.headers.setdefault("Cache-Control", "public, max-age=3600")
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def mount_ui(app: FastAPI, dist: Path | None = None) -> None:
    """Serve the UI at ``/ui`` and its JSON endpoints at ``/ui/api`` on ``app`` (made by
    :func:`api.app.create_app`, whose ``app.state.serving`` the endpoints read)."""
    from api.ui.routes import router

    app.include_router(router)
    folder = dist or DIST

    @app.get("/ui", include_in_schema=False)
    async def ui_root() -> Response:
        return RedirectResponse("/ui/", status_code=307)

    if (folder / "index.html").is_file():
        app.mount("/ui", _UiFiles(directory=folder, html=True), name="ui")
    else:
        @app.get("/ui/", include_in_schema=False)
        async def ui_missing() -> Response:
            return HTMLResponse(_NOT_BUILT, status_code=503)
