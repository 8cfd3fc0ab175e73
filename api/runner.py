"""Running graph work off the event loop, with a time limit and a bulkhead.

The score endpoints never come here: they are dictionary lookups on the event loop. Graph
queries (neighbourhood, paths, group, ...), scenarios and live store reads run in a small
thread pool of their own. :meth:`Runner.run` waits at most ``queue_s`` for a free slot (else
:class:`~api.errors.Busy`, 503) and at most ``timeout`` for the answer (else
:class:`~api.errors.QueryTimeout`, 503). A query past its time limit still holds its slot until
it ends, so slow queries can never pile up behind each other and starve the server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from api.errors import Busy, QueryTimeout

__all__ = ["Runner"]

T = TypeVar("T")


class Runner:
    def __init__(self, name: str, slots: int, queue_s: float = 5.0) -> None:
        self.name = name
        self.slots = slots
        self.queue_s = queue_s
        self._pool = ThreadPoolExecutor(max_workers=slots, thread_name_prefix=f"rg-{name}")
        self._sem: asyncio.Semaphore | None = None

    async def run(self, fn: Callable[..., T], *args: object, timeout: float) -> T:
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.slots)
        sem = self._sem
        try:
            await asyncio.wait_for(sem.acquire(), timeout=self.queue_s)
        except TimeoutError:
            raise Busy(f"the server is busy with other {self.name} queries; retry in a "
                       "second") from None
        loop = asyncio.get_running_loop()
        try:
            fut = loop.run_in_executor(self._pool, fn, *args)
        except BaseException:
            sem.release()
            raise
        fut.add_done_callback(lambda _: sem.release())
        try:
            return await asyncio.wait_for(asyncio.shield(fut), timeout=timeout)
        except TimeoutError:
            raise QueryTimeout(f"the query ran past its time limit of {timeout:g} s; ask for "
                               "less (fewer hops, a smaller scenario) or retry later") from None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
