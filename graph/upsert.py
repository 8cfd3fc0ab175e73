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
and the contract tests hold the two to the same answers. The work is done on Arrow tables (text
stays Arrow strings, keys are matched with Arrow's hash kernels, rows ordered with its stable
sort); the result is the canonical order of :meth:`~graph.tables.StoredTables.canonical` with
text kept in Arrow, ready for the Parquet writer.
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
    arrow_table,
    frame_from_arrow,
    node_kinds,
    rel_key_columns,
    rel_kinds,
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


def _keys(table: pa.Table, cols: list[str]) -> pa.ChunkedArray:
    """One text key per row: the key columns joined by a unit separator (empty for missing)."""
    parts = [table[c].fill_null("") for c in cols]
    sep = pa.scalar("\x1f", type=pa.large_string())
    return pc.binary_join_element_wise(*parts, sep) if len(parts) > 1 else parts[0]


def _positions(values: pa.ChunkedArray, pool: pa.ChunkedArray) -> np.ndarray:
    """For each value, its position in ``pool`` (the first, if repeated) or -1."""
    pool_array = pool.combine_chunks() if isinstance(pool, pa.ChunkedArray) else pool
    found = pc.index_in(values, value_set=pool_array).fill_null(-1)
    return np.asarray(found, dtype=np.int64)


def _same(a: pa.ChunkedArray, b: pa.ChunkedArray) -> pa.ChunkedArray:
    """Row by row: equal values, or both missing."""
    return pc.or_(pc.fill_null(pc.equal(a, b), False), pc.and_(a.is_null(), b.is_null()))


def _matches(new: pa.Table, old: pa.Table, cols: list[str]) -> np.ndarray:
    """For each row of ``new`` (distinct keys, in key order), the position of the row of ``old``
    with the same key, or -1. When both hold the same keys row for row (a portfolio loaded
    again), that is row i for row i, found by comparing the columns instead of a hash lookup."""
    n = new.num_rows
    if n == old.num_rows and all(pc.all(_same(new[c], old[c])).as_py() for c in cols):
        return np.arange(n, dtype=np.int64)
    return _positions(_keys(new, cols), _keys(old, cols))


def _mask(values: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.bool_())


def _text(value: str, n: int) -> pa.Array:
    return pa.array([value], type=pa.large_string()).take(np.zeros(n, dtype=np.int64))


def _carried(
    old: pa.Table, column: str, pos: np.ndarray, seen: np.ndarray, fresh: str
) -> pa.ChunkedArray:
    """Per new row, ``old[column]`` at its match (``pos``) where ``seen``, else ``fresh``."""
    taken = old[column].take(pa.array(np.where(seen, pos, 0), type=pa.int64()))
    return pc.if_else(_mask(seen), taken, pa.scalar(fresh, type=pa.large_string()))


def _sorted(table: pa.Table, by: list[str]) -> pa.Table:
    """Stable sort, missing values last (the order of ``DataFrame.sort_values(kind="stable")``)."""
    if table.num_rows == 0:
        return table
    order = pc.sort_indices(table, sort_keys=[(c, "ascending", "at_end") for c in by])
    return table.take(order)


def _distinct(ids: pa.ChunkedArray) -> bool:
    """Whether sorted ``ids`` hold no value twice (neighbours differ)."""
    n = len(ids)
    return n < 2 or not pc.any(_same(ids.slice(1), ids.slice(0, n - 1))).as_py()


def _sorted_last_of_each(table: pa.Table, by: list[str]) -> pa.Table:
    """Rows sorted by ``by`` with one row per key, the last one given: what
    ``drop_duplicates(by, keep="last")`` then the stable sort keep. The stable sort leaves a
    key's rows in their given order, side by side, so the last of each is found by comparing
    neighbours (two missing values count as equal, as in pandas)."""
    ordered = _sorted(table, by)
    n = ordered.num_rows
    if n < 2:
        return ordered
    same = np.ones(n - 1, dtype=bool)
    for col in by:
        later, earlier = ordered[col].slice(1), ordered[col].slice(0, n - 1)
        equal = pc.fill_null(pc.equal(later, earlier), False)
        both_missing = pc.and_(later.is_null(), earlier.is_null())
        same &= np.asarray(pc.or_(equal, both_missing), dtype=bool)
    last = np.ones(n, dtype=bool)
    last[:-1] = ~same  # a row is the last of its key when the next row has another key
    return ordered if last.all() else ordered.filter(_mask(last))


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
        old = arrow_table(stored.nodes.get(label, pd.DataFrame()), node_kinds(label, feats, True))
        if label not in incoming.nodes:
            nodes[label] = frame_from_arrow(_sorted(old, ["id"]))
            continue
        new = _sorted(arrow_table(incoming.nodes[label], node_kinds(label, feats)), ["id"])
        n = new.num_rows
        if old.num_rows == 0:
            created += n
            merged = new.append_column("first_seen", _text(t, n)).append_column(
                "last_seen", _text(t, n)
            )
        else:
            pos = (
                _matches(new, old, ["id"])
                if _distinct(new["id"])
                else _positions(_keys(new, ["id"]), _keys(old, ["id"]))
            )
            seen = pos >= 0
            updated += int(seen.sum())
            created += int((~seen).sum())
            new = new.append_column("first_seen", _carried(old, "first_seen", pos, seen, t))
            new = new.append_column("last_seen", _text(t, n))
            in_new = np.zeros(old.num_rows, dtype=bool)
            in_new[pos[seen]] = True
            kept = old.filter(_mask(~in_new))
            merged = _sorted(pa.concat_tables([kept, new]), ["id"]) if kept.num_rows else new
        nodes[label] = frame_from_arrow(merged)

    rels: dict[RelType, pd.DataFrame] = {}
    r_created = r_updated = r_ended = 0
    for rel in RelType:
        keys = rel_key_columns(rel)
        old = arrow_table(stored.rels.get(rel, pd.DataFrame()), rel_kinds(rel, True))
        new = arrow_table(incoming.rels.get(rel, pd.DataFrame()), rel_kinds(rel))
        new = _sorted_last_of_each(new, keys)
        n = new.num_rows
        if old.num_rows == 0:
            r_created += n
            merged = new.append_column("since", _text(t, n)).append_column(
                "until", pa.nulls(n, type=pa.large_string())
            )
            rels[rel] = frame_from_arrow(merged)  # already in key order
            continue
        pos = _matches(new, old, keys)
        seen = pos >= 0
        r_updated += int(seen.sum())
        r_created += int((~seen).sum())
        new = new.append_column("since", _carried(old, "since", pos, seen, t))
        new = new.append_column("until", pa.nulls(n, type=pa.large_string()))
        in_new = np.zeros(old.num_rows, dtype=bool)
        in_new[pos[seen]] = True
        rest = old.filter(_mask(~in_new))
        current = np.asarray(rest["until"].is_null(), dtype=bool)
        keep = _matches_retained(rest, incoming.retained.get(rel))
        to_end = current & ~keep
        r_ended += int(to_end.sum())
        until = pc.if_else(_mask(to_end), pa.scalar(t, type=pa.large_string()), rest["until"])
        rest = rest.set_column(rest.schema.get_field_index("until"), "until", until)
        if rest.num_rows:
            rels[rel] = frame_from_arrow(_sorted(pa.concat_tables([rest, new]), keys))
        else:  # nothing but the portfolio's rows, already in key order
            rels[rel] = frame_from_arrow(new)

    history = tuple(sorted(set(stored.as_of_history) | {t}))
    out = StoredTables(history, nodes, rels, features)
    return out, LoadOutcome(t, created, updated, r_created, r_updated, r_ended)


def _matches_retained(rows: pa.Table, retained: pd.DataFrame | None) -> np.ndarray:
    if retained is None or retained.empty or rows.num_rows == 0:
        return np.zeros(rows.num_rows, dtype=bool)
    cols = list(retained.columns)
    theirs = arrow_table(retained, {c: "str" for c in cols})
    return _positions(_keys(rows, cols), _keys(theirs, cols)) >= 0
