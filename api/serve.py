"""Serving the API with uvicorn: :func:`run` (``riskgraph serve``, ``riskgraph demo``).

One worker process by default: the scores and the graph live in its memory, and one worker
answers thousands of score requests a second. ``workers > 1`` starts that many processes
(each loads its own copy) through :func:`app_from_environment`, which reads the settings from
the environment as every process must.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from api.app import create_app
from api.config import ApiConfig
from api.observability import configure_logging
from riskgraph.settings import Settings, load_settings

__all__ = ["app_from_environment", "run"]

_CONFIG_ENV = "RISKGRAPH_API_CONFIG"  # JSON of ApiConfig changes, for worker processes


def _loop() -> str:
    try:
        import uvloop  # noqa: F401

        return "uvloop"
    except ImportError:
        return "asyncio"


def _http() -> str:
    try:
        import httptools  # noqa: F401

        return "httptools"
    except ImportError:
        return "h11"


def run(settings: Settings, host: str = "127.0.0.1", port: int = 8000, *,
        config: ApiConfig | None = None, workers: int = 1, log_level: str = "info") -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM: the audit log is flushed on the way out)."""
    import uvicorn

    configure_logging(log_level)
    config = config or ApiConfig.from_settings(settings)
    common = {"host": host, "port": port, "log_config": None, "log_level": log_level,
              "access_log": False, "loop": _loop(), "http": _http(),
              "timeout_graceful_shutdown": 10, "server_header": False}
    if workers <= 1:
        uvicorn.run(create_app(settings, config), **common)  # type: ignore[arg-type]
        return
    os.environ["RISKGRAPH_DATA_DIR"] = str(settings.data_dir)
    os.environ["RISKGRAPH_STORE"] = settings.store
    os.environ[_CONFIG_ENV] = json.dumps(
        {k: (str(v) if isinstance(v, Path) else v) for k, v in config.__dict__.items()})
    uvicorn.run("api.serve:app_from_environment", factory=True, workers=workers,
                **common)  # type: ignore[arg-type]


def app_from_environment():  # type: ignore[no-untyped-def]
    """The app of one worker process, from the environment (see :func:`run`)."""
    configure_logging(os.environ.get("RISKGRAPH_LOG_LEVEL", "info"))
    settings = load_settings()
    raw = json.loads(os.environ.get(_CONFIG_ENV, "{}"))
    for k in ("keys_file", "audit_file", "rules_file"):
        if raw.get(k):
            raw[k] = Path(raw[k])
    return create_app(settings, ApiConfig(**raw) if raw else None)
