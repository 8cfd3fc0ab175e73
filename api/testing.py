"""Running the API in a background thread on a free port: real HTTP on 127.0.0.1 with the
lifespan run as in production, for tests and notebooks.

    with serve_in_thread(create_app(settings)) as base_url:
        httpx.get(base_url + "/ready")
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI

__all__ = ["free_port", "serve_in_thread"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_in_thread(app: FastAPI, port: int | None = None,
                    timeout: float = 120.0) -> Iterator[str]:
    """Serve ``app`` with uvicorn until the block ends; yields the base URL."""
    import uvicorn

    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                            access_log=False, lifespan="on", loop="asyncio", http="h11",
                            timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"api-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the API server did not start (see the log)")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the API server did not start in {timeout:.0f} s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
