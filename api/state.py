"""The server's state: the store, its health, and the :class:`~api.world.World` being served.

Two daemon threads keep it current without touching the request path:

- the **heartbeat** (every ``heartbeat_s``) asks the store something cheap. Neo4j: the latest
  portfolio date (one indexed read); embedded: the generation and the scores file's stamp (two
  ``stat`` calls). A failure marks the store *down*: every data endpoint answers 503 with
  ``Retry-After`` at once, without waiting on a dead connection. A later success marks it up
  again; if what it reports differs from the world served (a new portfolio, new scores), the
  loader is woken. It also re-reads the API key file when that changes.
- the **loader** builds a new world (snapshot, linked-party structures, scores, indexes) and
  swaps it in whole. Neo4j cannot tell cheaply whether its scores changed, so they are read
  again every ``scores_reload_s`` and swapped in only if they differ.

A request calls :meth:`ServingState.world` to get the world or a
:class:`~riskgraph.errors.StoreUnavailable` (503). A store call made on the request path that
fails with ``StoreUnavailable`` marks the store down too (:meth:`ServingState.store_failed`).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from api.config import ApiConfig
from api.keys import KeyRing
from api.world import ScoreTable, World
from graph import EmbeddedStore, GraphStore
from graph.linked import LinkedAnalysis, load_rules
from riskgraph.errors import RiskgraphError, StoreError, StoreUnavailable

__all__ = ["NotReady", "ServingState", "StoreHealth"]

log = logging.getLogger("riskgraph.api.state")


class NotReady(StoreUnavailable):
    """The first world is still being loaded."""


@dataclass(frozen=True)
class StoreHealth:
    up: bool
    since: float
    error: str | None


def _stamp(path: Path) -> str:
    try:
        st = path.stat()
        return f"{st.st_mtime_ns}:{st.st_size}"
    except FileNotFoundError:
        return "-"


class ServingState:
    def __init__(self, store: GraphStore, config: ApiConfig, keys: KeyRing,
                 key_fn: Callable[[str], str]) -> None:
        self.store = store
        self.config = config
        self.keys = keys
        self.key_fn = key_fn  # resident id -> person key
        self.rules = load_rules(config.rules_file)
        self._world: World | None = None
        self._health = StoreHealth(False, time.time(), "not checked yet")
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._graph_fp: str | None = None  # what the store reported at the last heartbeat
        self._scores_fp: str | None = None
        self._scores_loaded_at = 0.0
        self.load_error: str | None = None
        self.loads = 0

    # -- what requests call ----------------------------------------------------------------
    def world(self) -> World:
        """The world to serve, or StoreUnavailable (503) while the store is down or loading."""
        w = self._world
        h = self._health
        if not h.up:
            raise StoreUnavailable(f"the {self.store.kind} store is not reachable "
                                   f"({h.error}); retry shortly")
        if w is None:
            raise NotReady("the graph and scores are still loading; retry shortly")
        return w

    @property
    def current(self) -> World | None:
        return self._world

    @property
    def health(self) -> StoreHealth:
        return self._health

    def store_failed(self, exc: BaseException) -> None:
        if self._health.up:
            log.warning("store down: %s", exc)
        self._health = StoreHealth(False, time.time(), str(exc).splitlines()[0][:300])

    def _store_ok(self) -> None:
        if not self._health.up:
            log.info("store reachable again" if self._world is not None else "store reachable")
            self._health = StoreHealth(True, time.time(), None)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, wait: bool = False) -> ServingState:
        self.keys.refresh()
        self._beat()
        self._wake.set()
        for name, target in (("heartbeat", self._heartbeat_loop), ("loader", self._loader_loop)):
            t = threading.Thread(target=target, name=f"riskgraph-{name}", daemon=True)
            t.start()
            self._threads.append(t)
        if wait:
            self.wait_loaded()
        return self

    def wait_loaded(self, timeout: float = 600.0) -> None:
        deadline = time.monotonic() + timeout
        while self._world is None and time.monotonic() < deadline:
            if self.load_error and self._health.up and self.loads == 0 and not self._wake.is_set():
                raise RiskgraphError(self.load_error)
            time.sleep(0.05)
        if self._world is None:
            raise RiskgraphError(f"the graph did not load in {timeout:.0f} s "
                                 f"({self.load_error or self._health.error})")

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for t in self._threads:
            t.join(timeout=5)

    def reload(self) -> None:
        """Ask the loader to rebuild the world now (admin)."""
        self._graph_fp = None
        self._scores_loaded_at = 0.0
        self._wake.set()

    def _warm_groups(self, world: World) -> None:
        from api.groups import warm_big_groups

        try:
            warm_big_groups(world, 100, 100, 100, self._stop,
                            budget_s=self.config.warm_groups_s)
        except Exception:  # a cache warm-up must never take the server down
            log.exception("rendering big groups in advance failed (they render on demand)")

    # -- the heartbeat -----------------------------------------------------------------------
    def _fingerprint(self) -> tuple[str, str | None]:
        """(graph, scores) as the store reports them now; scores None = cannot tell cheaply."""
        st = self.store
        if isinstance(st, EmbeddedStore):
            return _stamp(st.root / "CURRENT"), _stamp(st.root / "scores.parquet")
        return str(st.latest_as_of()), None

    def _beat(self) -> None:
        try:
            graph_fp, scores_fp = self._fingerprint()
        except (StoreError, OSError) as exc:
            self.store_failed(exc)
            return
        self._store_ok()
        w = self._world
        stale_scores = (scores_fp is None and time.monotonic() - self._scores_loaded_at
                        > self.config.scores_reload_s)
        if (w is None or graph_fp != self._graph_fp or
                (scores_fp is not None and scores_fp != self._scores_fp) or stale_scores):
            self._wake.set()

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(self.config.heartbeat_s):
            try:
                self.keys.refresh()
            except RiskgraphError as exc:
                log.error("API key file: %s", exc)
            self._beat()

    # -- the loader --------------------------------------------------------------------------
    def _loader_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=max(self.config.heartbeat_s, 0.2))
            if self._stop.is_set():
                return
            if not self._wake.is_set():
                continue
            self._wake.clear()
            if not self._health.up:
                continue
            try:
                self._load()
            except StoreUnavailable as exc:
                self.store_failed(exc)
                self._wake.set()  # try again once the store is back
            except Exception as exc:  # a damaged store, a bug: keep serving the old world
                self.load_error = f"{type(exc).__name__}: {exc}"
                log.exception("loading the graph failed; still serving the previous one")
                self._stop.wait(5.0)
                self._wake.set()

    def _load(self) -> None:
        t0 = time.monotonic()
        graph_fp, scores_fp = self._fingerprint()
        w = self._world
        new_graph = w is None or graph_fp != self._graph_fp
        if new_graph:
            snapshot = self.store.snapshot(self.config.as_of)
            analysis = LinkedAnalysis(snapshot, self.rules)
        else:
            assert w is not None
            snapshot, analysis = w.snapshot, w.analysis
        frame = self.store.scores()
        scores = ScoreTable.from_frame(frame)
        self._scores_loaded_at = time.monotonic()
        if not new_graph and w is not None and scores.fingerprint == w.scores.fingerprint:
            self._graph_fp, self._scores_fp = graph_fp, scores_fp
            return
        world = World(snapshot, analysis, scores, graph_fp, time.time())
        world.warm()
        if new_graph:
            # before going live: rendering them later, beside the requests, would take the
            # interpreter from the hot path for half a minute
            self._warm_groups(world)
        elif w is not None:
            world.__dict__.update({k: v for k, v in w.__dict__.items()
                                   if k in ("_group_cache", "_group_objects")})
        self._world = world
        # The world is millions of long-lived objects: collect once, then move them out of
        # the collector's sight, so that no later collection pauses a request to walk them.
        gc.unfreeze()  # the previous world's objects can be collected again
        gc.collect()
        gc.freeze()
        self._graph_fp, self._scores_fp = graph_fp, scores_fp
        self.load_error = None
        self.loads += 1
        log.info("serving %s: %d nodes as of %s, %d scores (%s), loaded in %.1f s",
                 "a new graph" if new_graph else "new scores", snapshot.num_nodes,
                 snapshot.as_of, len(scores), ", ".join(scores.model_versions) or "no model",
                 time.monotonic() - t0)
