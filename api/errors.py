"""HTTP status codes for riskgraph's errors: chosen here, in the API layer, and nowhere else.

==========================  ======  ==========================================================
error                       status  body ``error``
==========================  ======  ==========================================================
request validation          422     ``validation_error`` (with ``detail``: the bad fields)
QueryLimitError             422     ``query_limit``
NotFound                    404     ``not_found``
NotScored                   404     ``not_scored`` (in the graph, but the model gave no score)
Unauthorized / Forbidden    401/403 ``unauthorized`` / ``forbidden``
StoreUnavailable, StoreError 503    ``store_unavailable`` (``loading`` while the first load
                                    runs), with ``Retry-After``
QueryTimeout, Busy          503     ``query_timeout`` / ``busy``, with ``Retry-After``
anything else               500     ``internal_error`` (logged with its traceback; a bug)
==========================  ======  ==========================================================

A :class:`~riskgraph.errors.ConfigError` never reaches a request: settings are checked at start.
Validation errors never echo the input back (it may be huge or hostile).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from riskgraph.errors import NotFound, QueryLimitError, RiskgraphError, StoreError

__all__ = ["ApiError", "Busy", "Forbidden", "NotScored", "QueryTimeout", "Unauthorized",
           "install_handlers", "json_error"]

log = logging.getLogger("riskgraph.api")


class ApiError(Exception):
    status = 400
    code = "bad_request"
    headers: dict[str, str] | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"
    headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotScored(ApiError):
    status = 404
    code = "not_scored"


class QueryTimeout(ApiError):
    status = 503
    code = "query_timeout"


class Busy(ApiError):
    status = 503
    code = "busy"


def json_error(status: int, code: str, message: str, detail: list[Any] | None = None,
               headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"error": code, "message": message}
    if detail is not None:
        body["detail"] = detail
    return Response(orjson.dumps(body), status_code=status, headers=headers,
                    media_type="application/json")


def install_handlers(app: FastAPI, retry_after: int) -> None:
    retry = {"Retry-After": str(retry_after)}

    async def api_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        headers = exc.headers
        if exc.status == 503:
            headers = {"Retry-After": "1" if isinstance(exc, Busy) else str(retry_after)}
        return json_error(exc.status, exc.code, exc.message, headers=headers)

    async def validation(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        detail = [{"loc": [str(x) if not isinstance(x, int) else x for x in e.get("loc", ())],
                   "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
                  for e in exc.errors()[:50]]
        return json_error(422, "validation_error", "the request is not valid: see detail",
                          detail)

    async def not_found(_: Request, exc: Exception) -> Response:
        return json_error(404, "not_found", str(exc))

    async def query_limit(_: Request, exc: Exception) -> Response:
        return json_error(422, "query_limit", str(exc))

    async def store_error(request: Request, exc: Exception) -> Response:
        from api.state import NotReady

        state = getattr(request.app.state, "serving", None)
        if state is not None and not isinstance(exc, NotReady):
            state.store_failed(exc)
        code = "loading" if isinstance(exc, NotReady) else "store_unavailable"
        return json_error(503, code, str(exc).splitlines()[0][:500], headers=retry)

    async def other(_: Request, exc: Exception) -> Response:
        log.error("unexpected %s: %s", type(exc).__name__, exc, exc_info=exc)
        return json_error(500, "internal_error", "an unexpected error; it has been logged")

    async def http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        codes = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}
        return json_error(exc.status_code, codes.get(exc.status_code, "http_error"),
                          str(exc.detail), headers=getattr(exc, "headers", None))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(QueryLimitError, query_limit)
    app.add_exception_handler(StoreError, store_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RiskgraphError, other)
    app.add_exception_handler(Exception, other)
