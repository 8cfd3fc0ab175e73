"""What loading a portfolio does to what a store already holds, as one pure function.

A portfolio is a full snapshot at its ``as_of`` (``T``):

* every node and relationship in it is upserted: its properties become the portfolio's
  (a property the portfolio leaves empty is removed), ``first_seen``/``since`` keep the date it
  was first seen (or become ``T``), ``last_seen`` becomes ``T`` and ``until`` is cleared;
* a current relationship (``until`` empty) that the portfolio no longer contains is ended:
  ``until = T``; it is kept for as-of questions, never deleted. Relationships whose rows were
  rejected this time (``GraphTables.retained``) are left exactly as they are;
* nodes are never ended or deleted; their ``last_seen`` tells when they were last contained;
* a portfolio dated before the latest one loaded is refused
  (:class:`~riskgraph.errors.SnapshotOrderError`); loading the same one again changes nothing.

The embedded store applies this function; the Neo4j store implements the same rules in Cypher,
and the contract tests hold the two to the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph.model import Label, RelType
from graph.tables import (
    GraphTables,
    StoredTables,
    coerce_nodes,
    coerce_rels,
    empty_nodes,
    empty_rels,
    rel_key_columns,
)
from riskgraph.errors import SnapshotOrderError

__all__ = ["LoadOutcome", "apply_load", "check_order"]


@dataclass(frozen=True)
class LoadOutcome:
    as_of: str
    nodes_created: int
    nodes_updated: int
    rels_created: int
    rels_updated: int
    rels_ended: int


def check_order(latest: str | None, as_of: str) -> None:
    if latest is not None and as_of < latest:
        raise SnapshotOrderError(
            f"this portfolio is dated {as_of}, before the latest one loaded ({latest}); "
            "load portfolios in date order, or use a fresh data folder for an older one"
        )


def _keys(frame: pd.DataFrame, cols: list[str]) -> pa.Array:
    """One text key per row: the key columns joined by a unit separator (empty for missing)."""
    parts = [
        pa.array(frame[c].astype(object), type=pa.large_string(), from_pandas=True).fill_null("")
        for c in cols
    ]
    sep = pa.scalar("\x1f", type=pa.large_string())
    return pc.binary_join_element_wise(*parts, sep) if len(parts) > 1 else parts[0]


def _positions(values: pa.Array, pool: pa.Array) -> np.ndarray:
    """For each value, its position in ``pool`` or -1 (Arrow's hash kernel)."""
    return np.asarray(pc.index_in(values, value_set=pool).fill_null(-1), dtype=np.int64)


def apply_load(stored: StoredTables, incoming: GraphTables) -> tuple[StoredTables, LoadOutcome]:
    check_order(stored.latest_as_of, incoming.as_of)
    t = incoming.as_of
    features = {
        lab: tuple(dict.fromkeys([*stored.features.get(lab, ()), *incoming.features.get(lab, ())]))
        for lab in (Label.ENTERPRISE, Label.PERSON)
    }
    nodes: dict[Label, pd.DataFrame] = {}
    created = updated = 0
    for label in Label:
        feats = features.get(label, ())
        old = stored.nodes.get(label, empty_nodes(label, feats, meta=True))
        old = coerce_nodes(label, old, feats, meta=True)
        if label not in incoming.nodes:
            nodes[label] = old
            continue
        new = coerce_nodes(label, incoming.nodes[label], feats)
        if old.empty:
            created += len(new)
            nodes[label] = new.assign(first_seen=t, last_seen=t)
            continue
        pos = _positions(_keys(new, ["id"]), _keys(old, ["id"]))
        seen = pos >= 0
        updated += int(seen.sum())
        created += int((~seen).sum())
        first = np.full(len(new), t, dtype=object)
        first[seen] = old["first_seen"].to_numpy()[pos[seen]]
        new["first_seen"] = first
        new["last_seen"] = t
        in_new = np.zeros(len(old), dtype=bool)
        in_new[pos[seen]] = True
        kept = old[~in_new]
        nodes[label] = pd.concat([kept, new], ignore_index=True) if len(kept) else new

    rels: dict[RelType, pd.DataFrame] = {}
    r_created = r_updated = r_ended = 0
    for rel in RelType:
        keys = rel_key_columns(rel)
        old = coerce_rels(rel, stored.rels.get(rel, empty_rels(rel, meta=True)), meta=True)
        new = coerce_rels(rel, incoming.rels.get(rel, empty_rels(rel)))
        new = new.drop_duplicates(keys, keep="last").reset_index(drop=True)
        if old.empty:
            r_created += len(new)
            rels[rel] = new.assign(since=t, until=None)
            continue
        pos = _positions(_keys(new, keys), _keys(old, keys))
        seen = pos >= 0
        r_updated += int(seen.sum())
        r_created += int((~seen).sum())
        since = np.full(len(new), t, dtype=object)
        since[seen] = old["since"].to_numpy()[pos[seen]]
        new["since"] = since
        new["until"] = None
        in_new = np.zeros(len(old), dtype=bool)
        in_new[pos[seen]] = True
        rest = old[~in_new].copy()
        current = rest["until"].isna().to_numpy()
        keep = _matches_retained(rest, incoming.retained.get(rel))
        to_end = current & ~keep
        r_ended += int(to_end.sum())
        rest.loc[to_end, "until"] = t
        rels[rel] = pd.concat([rest, new], ignore_index=True) if len(rest) else new

    history = tuple(sorted(set(stored.as_of_history) | {t}))
    out = StoredTables(history, nodes, rels, features).canonical()
    return out, LoadOutcome(t, created, updated, r_created, r_updated, r_ended)


def _matches_retained(rows: pd.DataFrame, retained: pd.DataFrame | None) -> np.ndarray:
    if retained is None or retained.empty or rows.empty:
        return np.zeros(len(rows), dtype=bool)
    cols = list(retained.columns)
    return _positions(_keys(rows, cols), _keys(retained, cols)) >= 0
