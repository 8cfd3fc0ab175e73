"""The Neo4j store: the system of record that investigators can also open with Neo4j's tools.

The driver is created at the edge and passed in. Writes are batched ``UNWIND $rows ... MERGE``
statements (see :mod:`graph.cypher`), idempotent, with uniqueness constraints on every id;
reads are routed as reads. Batches of a few thousand rows (small transactions keep the server's
garbage collector cheap) are written by a few sessions at once (``writers``): the client prepares
the next batch while the server works, and a transaction that lost a lock race is retried by
``session.execute_write``; rows go in node order, so that batches in flight seldom wait for the
same nodes. Relationships that may exist already are merged by one writer (a MERGE locks both
nodes until commit, and parallel batches sharing nodes would deadlock). A label or relationship
type the database holds none of yet is written with ``CREATE`` instead of ``MERGE``. Whole label
and type sets are read back in pages of column lists (see :func:`graph.cypher.read_nodes`), a
few pages at once.

Loading follows :mod:`graph.upsert` exactly: upsert everything in the portfolio, tag it with this
load, keep what was rejected this time, and end (``until``) current relationships that this load
did not tag. Ending runs only after every upsert has succeeded, so a load that fails half-way can
simply be run again (what it wrote is no longer fresh, so the re-run merges with it).

Driver errors are re-raised as ours: an unreachable server is
:class:`~riskgraph.errors.StoreUnavailable` (retry later), anything else
:class:`~riskgraph.errors.StoreError`.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import neo4j
import pandas as pd
from neo4j.exceptions import (
    AuthError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph import cypher
from graph.model import NODE_PROPS, PARTY_LABELS, REL_META, REL_SPECS, Label, RelType
from graph.store import GraphCounts, GraphStore, Neighbour, NodeRecord, Progress, clean_props
from graph.tables import (
    GraphTables,
    StoredTables,
    coerce_nodes,
    coerce_rels,
    empty_nodes,
    empty_rels,
    node_columns,
    rel_key_columns,
)
from graph.upsert import LoadOutcome
from riskgraph.errors import StoreError, StoreUnavailable

__all__ = ["Neo4jStore"]

_REL_META_OUT = ("since", "until", "load")
#: Column names of :meth:`Neo4jStore._scores`, in the order of ``cypher.read_scores``' columns.
_SCORE_NAMES = ("id", "pd", "contagion_exposure", "model_version", "explanation")


def _run_consumed(tx: neo4j.ManagedTransaction, query: str, params: dict[str, Any]) -> None:
    tx.run(query, params).consume()


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as parameter maps: NaN/NA become null, numpy scalars Python values."""
    obj = frame.astype(object)
    obj = obj.where(frame.notna(), None)
    return obj.to_dict("records")


class Neo4jStore(GraphStore):
    """The store on a Neo4j server reached through ``driver`` (created and closed by the caller
    unless ``owns_driver``).

    ``batch_size`` rows go in one write transaction (measured on the 100,000-enterprise bench:
    2,500 to 5,000 rows cost the server a sixth to a fifth less CPU per row than 20,000: less
    garbage collection); ``writers`` sessions write (and read) at once (one more than the 2 cores
    of the machine that runs client and server, so that the server always has work while the
    client prepares a batch; 1 writes strictly in order); ``page_size`` nodes' worth of a label
    or relationship type come back per read.
    """

    kind = "neo4j"

    def __init__(
        self,
        driver: neo4j.Driver,
        *,
        database: str | None = None,
        batch_size: int = 2_500,
        writers: int = 3,
        page_size: int = 100_000,
        owns_driver: bool = False,
    ) -> None:
        self.driver = driver
        self.database = database
        self.batch_size = batch_size
        self.writers = max(1, writers)
        self.page_size = page_size
        self._owns_driver = owns_driver
        self._constraints_done = False

    # -- plumbing ------------------------------------------------------------------------
    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailable(
                f"Neo4j is not reachable ({exc}); retry in a few seconds, or "
                "start it with `riskgraph neo4j start`"
            ) from exc
        except AuthError as exc:
            raise StoreError(
                f"Neo4j refused the credentials: check NEO4J_USER and "
                f"NEO4J_PASSWORD ({exc.message})"
            ) from exc
        except TransientError as exc:
            raise StoreUnavailable(f"Neo4j is busy ({exc.message}); retry") from exc
        except Neo4jError as exc:
            raise StoreError(f"Neo4j error {exc.code}: {exc.message}") from exc
        except OSError as exc:
            raise StoreUnavailable(f"Neo4j connection failed ({exc})") from exc

    def _read(self, query: str, **params: Any) -> list[neo4j.Record]:
        with self._errors():
            records, _, _ = self.driver.execute_query(
                query,
                parameters_=params,
                routing_=neo4j.RoutingControl.READ,
                database_=self.database,
            )
        return records

    def _write(self, query: str, **params: Any) -> list[neo4j.Record]:
        with self._errors():
            records, _, _ = self.driver.execute_query(
                query, parameters_=params, database_=self.database
            )
        return records

    def _auto(self, query: str, **params: Any) -> list[neo4j.Record]:
        """Auto-commit statement (needed for CALL ... IN TRANSACTIONS)."""
        with self._errors(), self.driver.session(database=self.database) as session:
            return list(session.run(query, params))  # type: ignore[arg-type]

    def ensure_constraints(self) -> None:
        if self._constraints_done:
            return
        for stmt in cypher.constraints():
            self._write(stmt)
        self._constraints_done = True

    def close(self) -> None:
        if self._owns_driver:
            self.driver.close()

    def clear(self) -> None:
        """Delete everything riskgraph stored (tests and fresh starts only)."""
        with self._errors(), self.driver.session(database=self.database) as session:
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")

    # -- loading -------------------------------------------------------------------------
    def _write_batch(self, query: str, params: dict[str, Any]) -> None:
        """One batch in its own session and transaction (run in a writer thread)."""
        with self._errors(), self.driver.session(database=self.database) as session:
            session.execute_write(_run_consumed, query, params)

    def _run_batched(
        self,
        jobs: Iterable[tuple[str, list[dict[str, Any]], dict[str, Any]]],
        step: str,
        total: int,
        progress: Progress,
        *,
        writers: int | None = None,
        done: int = 0,
    ) -> int:
        """Write ``(query, rows, params)`` batches over ``writers`` sessions (default
        ``self.writers``); return the rows done (counted on from ``done``) once every batch has
        committed, or raise the first failure (batches not started are dropped, running ones
        finish; the load as a whole can be run again)."""
        writers = writers or self.writers
        progress(step, done, total)
        window = writers + 1  # a prepared batch waits while the others run
        with ThreadPoolExecutor(writers, thread_name_prefix="neo4j-writer") as pool:
            running: deque[tuple[Future[None], int]] = deque()
            try:
                for query, rows, params in jobs:
                    while len(running) >= window:
                        fut, n = running.popleft()
                        fut.result()
                        done += n
                        progress(step, done, total)
                    running.append(
                        (pool.submit(self._write_batch, query, {"rows": rows, **params}), len(rows))
                    )
                while running:
                    fut, n = running.popleft()
                    fut.result()
                    done += n
                    progress(step, done, total)
            except BaseException:
                for fut, _ in running:
                    fut.cancel()
                raise
        return done

    def _node_jobs(
        self,
        tables: GraphTables,
        features: dict[Label, tuple[str, ...]],
        fresh: set[Label],
        as_of: str,
    ) -> Iterator[tuple[str, list[dict[str, Any]], dict[str, Any]]]:
        params = {"as_of": as_of}
        for label, frame in tables.nodes.items():
            feats = features.get(label, ())  # stored and new: a feature no longer given is removed
            f = coerce_nodes(label, frame, feats)[node_columns(label, feats)]
            f = f.drop_duplicates("id", keep="last").sort_values("id", kind="stable")
            model = list(NODE_PROPS[label])
            if label in fresh:  # flat rows, every property set by CREATE ... SET n = row
                query = cypher.create_nodes(label)
            else:
                query = cypher.upsert_nodes(label, features=bool(feats))
            for i in range(0, len(f), self.batch_size):
                chunk = f.iloc[i : i + self.batch_size]
                if label in fresh or not feats:
                    rows = _records(chunk)
                else:
                    rows = _records(chunk[model])
                    for row, fs in zip(rows, _records(chunk[list(feats)])):
                        row["features"] = fs
                yield query, rows, params

    def _rel_jobs(
        self, tables: GraphTables, types: set[RelType], fresh: bool, as_of: str, load: int
    ) -> Iterator[tuple[str, list[dict[str, Any]], dict[str, Any]]]:
        """Batches of the relationship ``types`` that are all ``fresh`` (CREATE) or all not
        (MERGE)."""
        params = {"as_of": as_of, "load": load}
        for rel, frame in tables.rels.items():
            if rel not in types:
                continue
            cols = ["src", "dst", *REL_SPECS[rel].props]
            f = coerce_rels(rel, frame).drop_duplicates(rel_key_columns(rel), keep="last")
            # node order: batches in flight together seldom lock the same nodes
            f = f.sort_values(["src_label", "src", "dst"], kind="stable")
            make = cypher.create_rels if fresh else cypher.upsert_rels
            for (src, dst), part in f.groupby(["src_label", "dst_label"], sort=True):
                query = make(rel, Label(src), Label(dst))
                for i in range(0, len(part), self.batch_size):
                    yield query, _records(part[cols].iloc[i : i + self.batch_size]), params

    def _load(self, tables: GraphTables, progress: Progress) -> LoadOutcome:
        self.ensure_constraints()
        # the load's tag: an integer (stored inline with each relationship, unlike a long text)
        as_of, load = tables.as_of, uuid.uuid4().int >> 65
        before = self._totals()
        meta = self._meta()
        features = {
            lab: tuple(dict.fromkeys([*meta[1].get(lab, ()), *tables.features.get(lab, ())]))
            for lab in (Label.ENTERPRISE, Label.PERSON)
        }
        # Fresh labels and types (none stored yet) are created, not merged; a fresh type also
        # has nothing to end. Decided before writing, from the count store.
        fresh_labels = {lab for lab in tables.nodes if self._count_nodes(lab) == 0}
        fresh_rels = {rel for rel in RelType if self._count_rels(rel) == 0}
        self._run_batched(
            self._node_jobs(tables, features, fresh_labels, as_of),
            "writing nodes to Neo4j",
            sum(len(f) for f in tables.nodes.values()),
            progress,
        )
        step, total = "writing relationships to Neo4j", sum(len(f) for f in tables.rels.values())
        done = self._run_batched(
            self._rel_jobs(tables, fresh_rels, True, as_of, load), step, total, progress
        )
        # MERGE of a relationship locks both its nodes until commit: parallel batches that
        # share nodes (every loan shares one of a few lenders) would deadlock and retry, so
        # relationships that may exist already are merged by one writer, in order.
        self._run_batched(
            self._rel_jobs(tables, set(RelType) - fresh_rels, False, as_of, load),
            step,
            total,
            progress,
            writers=1,
            done=done,
        )
        for rel, keys in tables.retained.items():
            cols = tuple(keys.columns)
            if cols == ("guarantee_id",):
                self._write(
                    cypher.retain_rels(rel, cols), ids=keys["guarantee_id"].tolist(), load=load
                )
            else:
                query = cypher.retain_rels(rel, cols)
                self._run_batched(
                    (
                        (query, _records(keys.iloc[i : i + self.batch_size]), {"load": load})
                        for i in range(0, len(keys), self.batch_size)
                    ),
                    "keeping rejected rows' relationships",
                    len(keys),
                    progress,
                )
        ended = 0
        for rel in RelType:
            if rel in fresh_rels:  # every one of them was written by this load
                continue
            res = self._auto(cypher.end_missing(rel), load=load, as_of=as_of)
            ended += int(res[0]["ended"]) if res else 0
        history = sorted(set(meta[0]) | {as_of})
        self._write(
            cypher.META_WRITE,
            history=history,
            features_enterprise=list(features[Label.ENTERPRISE]),
            features_person=list(features[Label.PERSON]),
        )
        after = self._totals()
        n_new, r_new = after[0] - before[0], after[1] - before[1]
        n_in = sum(len(f) for f in tables.nodes.values())
        r_in = sum(len(f) for f in tables.rels.values())
        return LoadOutcome(as_of, n_new, n_in - n_new, r_new, r_in - r_new, ended)

    def _count_nodes(self, label: Label) -> int:
        return int(self._read(cypher.count_nodes(label))[0]["c"])

    def _count_rels(self, rel: RelType) -> int:
        return int(self._read(cypher.count_all_rels(rel))[0]["c"])

    def _totals(self) -> tuple[int, int]:
        """Nodes and relationships stored (from Neo4j's count store: O(1))."""
        return (
            sum(self._count_nodes(lab) for lab in Label),
            sum(self._count_rels(rel) for rel in RelType),
        )

    # -- reading -------------------------------------------------------------------------
    def _meta(self) -> tuple[tuple[str, ...], dict[Label, tuple[str, ...]]]:
        res = self._read(cypher.META_READ)
        if not res:
            return (), {}
        p = res[0]["p"]
        return (
            tuple(p.get("as_of_history", [])),
            {
                Label.ENTERPRISE: tuple(p.get("features_enterprise", [])),
                Label.PERSON: tuple(p.get("features_person", [])),
            },
        )

    def _as_of_history(self) -> tuple[str, ...]:
        return self._meta()[0]

    def _columns(self, query: str, keys: list[str], **params: Any) -> dict[str, list[Any]]:
        """Page through a whole label (or the relationships of its nodes) with one of the
        paged queries of :mod:`graph.cypher`; the ``cols`` of every page, joined by name, plus
        ``src`` and ``dst`` where the query returns them."""
        out: dict[str, list[Any]] = {k: [] for k in keys}
        after = ""
        while True:
            rec = self._read(query, after=after, limit=self.page_size, keys=keys, **params)[0]
            for k, col in zip(keys, rec["cols"]):
                out[k].extend(col)
            for k in ("src", "dst"):
                if k in rec.keys():
                    out.setdefault(k, []).extend(rec[k])
            if rec["n"] < self.page_size:
                return out
            after = rec["last"]

    def _tables(self) -> StoredTables:
        history, features = self._meta()
        node_keys = {lab: node_columns(lab, features.get(lab, ()), meta=True) for lab in Label}
        rel_keys = {rel: [*REL_SPECS[rel].props, *REL_META] for rel in RelType}
        parts = [
            (rel, src, dst)
            for rel in RelType
            for src in REL_SPECS[rel].src
            for dst in REL_SPECS[rel].dst
        ]
        # a few sessions read at once: the server answers one page while we decode another
        with ThreadPoolExecutor(self.writers, thread_name_prefix="neo4j-reader") as pool:
            node_cols = {
                lab: pool.submit(self._columns, cypher.read_nodes(lab), node_keys[lab])
                for lab in Label
            }
            rel_cols = {
                part: pool.submit(self._columns, cypher.read_rels(*part), rel_keys[part[0]])
                for part in parts
            }
            nodes = {}
            for label, fut in node_cols.items():
                cols, feats = fut.result(), features.get(label, ())
                nodes[label] = (
                    coerce_nodes(label, pd.DataFrame(cols), feats, meta=True)
                    if cols["id"]
                    else empty_nodes(label, feats, meta=True)
                )
            frames: dict[RelType, list[pd.DataFrame]] = {rel: [] for rel in RelType}
            for (rel, src, dst), fut in rel_cols.items():
                cols = fut.result()
                if cols["src"]:
                    frames[rel].append(
                        pd.DataFrame(cols).assign(src_label=src.value, dst_label=dst.value)
                    )
        rels = {
            rel: coerce_rels(rel, pd.concat(fs, ignore_index=True), meta=True)
            if fs
            else empty_rels(rel, meta=True)
            for rel, fs in frames.items()
        }
        return StoredTables(history, nodes, rels, features)

    def _write_scores(self, frame: pd.DataFrame) -> int:
        written = 0
        for label in PARTY_LABELS:
            self._auto(cypher.clear_scores(label))
            part = frame[frame["label"] == label.value].drop(columns="label")
            for i in range(0, len(part), self.batch_size):
                rows = _records(part.iloc[i : i + self.batch_size])
                res = self._write(cypher.write_scores(label), rows=rows)
                written += int(res[0]["c"]) if res else 0
        return written

    def _scores(self) -> pd.DataFrame:
        parts = []
        for label in PARTY_LABELS:
            cols = self._columns(cypher.read_scores(label), list(_SCORE_NAMES))
            if cols["id"]:
                parts.append(pd.DataFrame(cols).assign(label=label.value))
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def _counts(self) -> GraphCounts:
        nodes = {lab.value: int(self._read(cypher.count_nodes(lab))[0]["c"]) for lab in Label}
        current, ended = {}, {}
        for rel in RelType:
            rec = self._read(cypher.count_rels(rel))[0]
            current[rel.value] = int(rec["current"] or 0)
            ended[rel.value] = int(rec["ended"] or 0)
        return GraphCounts(self.latest_as_of(), nodes, current, ended)

    def _node(self, label: Label, ident: str) -> NodeRecord | None:
        res = self._read(cypher.node_by_id(label), id=ident)
        if not res:
            return None
        return NodeRecord(label.value, ident, clean_props(dict(res[0]["p"])))

    def _neighbours(
        self, label: Label, ident: str, types: tuple[RelType, ...], day: str
    ) -> list[Neighbour]:
        res = self._read(
            cypher.neighbours(label), id=ident, types=[t.value for t in types], day=day
        )
        out = []
        for r in res:
            props = clean_props(dict(r["p"]), drop=_REL_META_OUT)
            out.append(
                Neighbour(
                    r["rel"],
                    "out" if r["outgoing"] else "in",
                    r["id"],
                    r["label"],
                    r["name"],
                    props,
                )
            )
        return out
