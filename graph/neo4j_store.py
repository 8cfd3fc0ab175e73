"""The Neo4j store: the system of record that investigators can also open with Neo4j's tools.

The driver is created at the edge and passed in. Writes are batched ``UNWIND $rows ... MERGE``
statements (see :mod:`graph.cypher`), idempotent, with uniqueness constraints on every id;
reads are routed as reads. Loading follows :mod:`graph.upsert` exactly: upsert everything in
the portfolio, tag it with this load, keep what was rejected this time, and end (``until``)
current relationships that this load did not tag. Ending runs only after every upsert has
succeeded, so a load that fails half-way can simply be run again.

Driver errors are re-raised as ours: an unreachable server is
:class:`~riskgraph.errors.StoreUnavailable` (retry later), anything else
:class:`~riskgraph.errors.StoreError`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
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
from graph.model import PARTY_LABELS, REL_SPECS, Label, RelType
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


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as parameter maps: NaN/NA become null, numpy scalars Python values."""
    obj = frame.astype(object)
    obj = obj.where(frame.notna(), None)
    return obj.to_dict("records")


class Neo4jStore(GraphStore):
    kind = "neo4j"

    def __init__(
        self,
        driver: neo4j.Driver,
        *,
        database: str | None = None,
        batch_size: int = 20_000,
        owns_driver: bool = False,
    ) -> None:
        self.driver = driver
        self.database = database
        self.batch_size = batch_size
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
    def _batches(self, rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        for i in range(0, len(rows), self.batch_size):
            yield rows[i : i + self.batch_size]

    def _run_batched(
        self,
        query: str,
        rows: list[dict[str, Any]],
        step: str,
        done: list[int],
        total: int,
        progress: Progress,
        **params: Any,
    ) -> None:
        for batch in self._batches(rows):
            self._write(query, rows=batch, **params)
            done[0] += len(batch)
            progress(step, done[0], total)

    def _load(self, tables: GraphTables, progress: Progress) -> LoadOutcome:
        self.ensure_constraints()
        as_of, load = tables.as_of, uuid.uuid4().hex
        before = self._totals()
        meta = self._meta()
        features = {
            lab: tuple(dict.fromkeys([*meta[1].get(lab, ()), *tables.features.get(lab, ())]))
            for lab in (Label.ENTERPRISE, Label.PERSON)
        }
        node_total = sum(len(f) for f in tables.nodes.values())
        done = [0]
        for label, frame in tables.nodes.items():
            feats = features.get(label, ())  # stored and new: a feature no longer given is removed
            cols = node_columns(label, feats)
            rows = _records(coerce_nodes(label, frame, feats)[cols])
            self._run_batched(
                cypher.upsert_nodes(label),
                rows,
                "writing nodes to Neo4j",
                done,
                node_total,
                progress,
                as_of=as_of,
            )
        rel_total = sum(len(f) for f in tables.rels.values())
        done = [0]
        for rel, frame in tables.rels.items():
            f = coerce_rels(rel, frame).drop_duplicates(rel_key_columns(rel), keep="last")
            fresh = int(self._read(cypher.count_all_rels(rel))[0]["c"]) == 0
            for (src, dst), part in f.groupby(["src_label", "dst_label"], sort=True):
                props = (
                    _records(part[list(REL_SPECS[rel].props)])
                    if REL_SPECS[rel].props
                    else [{} for _ in range(len(part))]
                )
                rows = [
                    {"src": s, "dst": d, "props": p}
                    for s, d, p in zip(part["src"], part["dst"], props)
                ]
                query = (cypher.create_rels if fresh else cypher.upsert_rels)(
                    rel, Label(src), Label(dst)
                )
                self._run_batched(
                    query,
                    rows,
                    "writing relationships to Neo4j",
                    done,
                    rel_total,
                    progress,
                    as_of=as_of,
                    load=load,
                )
        for rel, keys in tables.retained.items():
            cols = tuple(keys.columns)
            if cols == ("guarantee_id",):
                self._write(
                    cypher.retain_rels(rel, cols), ids=keys["guarantee_id"].tolist(), load=load
                )
            else:
                self._run_batched(
                    cypher.retain_rels(rel, cols),
                    _records(keys),
                    "keeping rejected rows' relationships",
                    [0],
                    len(keys),
                    progress,
                    load=load,
                )
        ended = 0
        for rel in RelType:
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

    def _totals(self) -> tuple[int, int]:
        """Nodes and relationships stored (from Neo4j's count store: O(1))."""
        nodes = sum(int(self._read(cypher.count_nodes(lab))[0]["c"]) for lab in Label)
        rels = sum(int(self._read(cypher.count_all_rels(rel))[0]["c"]) for rel in RelType)
        return nodes, rels

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

    def _tables(self) -> StoredTables:
        history, features = self._meta()
        nodes = {}
        for label in Label:
            props = [r["p"] for r in self._read(cypher.read_nodes(label))]
            frame = pd.DataFrame.from_records(props) if props else pd.DataFrame()
            nodes[label] = (
                coerce_nodes(label, frame, features.get(label, ()), meta=True)
                if props
                else empty_nodes(label, features.get(label, ()), meta=True)
            )
        rels = {}
        for rel in RelType:
            spec = REL_SPECS[rel]
            parts = []
            for src in spec.src:
                for dst in spec.dst:
                    recs = self._read(cypher.read_rels(rel, src, dst))
                    if not recs:
                        continue
                    frame = pd.DataFrame.from_records([r["p"] for r in recs])
                    frame["src"] = [r["src"] for r in recs]
                    frame["dst"] = [r["dst"] for r in recs]
                    frame["src_label"] = src.value
                    frame["dst_label"] = dst.value
                    parts.append(frame)
            rels[rel] = (
                coerce_rels(rel, pd.concat(parts, ignore_index=True), meta=True)
                if parts
                else empty_rels(rel, meta=True)
            )
        return StoredTables(history, nodes, rels, features)

    def _write_scores(self, frame: pd.DataFrame) -> int:
        written = 0
        for label in PARTY_LABELS:
            self._auto(cypher.clear_scores(label))
            part = frame[frame["label"] == label.value].drop(columns="label")
            for batch in self._batches(_records(part)):
                res = self._write(cypher.write_scores(label), rows=batch)
                written += int(res[0]["c"]) if res else 0
        return written

    def _scores(self) -> pd.DataFrame:
        parts = []
        for label in PARTY_LABELS:
            recs = self._read(cypher.read_scores(label))
            if recs:
                parts.append(pd.DataFrame([dict(r) for r in recs]).assign(label=label.value))
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
