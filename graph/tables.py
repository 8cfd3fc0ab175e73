"""Graph tables: nodes per label and relationships per type as typed DataFrames.

This is the form in which a portfolio enters a store (:class:`GraphTables`) and in which a
store hands back everything it holds (:class:`StoredTables`, the same plus ``first_seen``,
``last_seen``, ``since`` and ``until``). Column sets and dtypes are fixed by
:mod:`graph.model` and applied by :func:`coerce_nodes` / :func:`coerce_rels`, so that both stores
produce frames that compare equal.

A relationship frame has ``src``, ``src_label``, ``dst``, ``dst_label`` and the type's
properties.

Two typings of the same columns: :func:`coerce_nodes` / :func:`coerce_rels` give Python objects
for text (what readers of a store and the Neo4j driver take), :func:`arrow_nodes` /
:func:`arrow_rels` keep text as Arrow strings (``str`` dtype), so that a load goes from the CSV
reader to the Parquet writer without turning a million strings into Python objects and back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from graph.model import NODE_META, NODE_PROPS, REL_META, REL_SPECS, Label, RelType
from ingest import arrow_text

__all__ = [
    "GraphTables",
    "StoredTables",
    "arrow_nodes",
    "arrow_rels",
    "arrow_table",
    "frame_from_arrow",
    "coerce_nodes",
    "coerce_rels",
    "empty_nodes",
    "empty_rels",
    "node_columns",
    "node_kinds",
    "rel_columns",
    "rel_kinds",
    "rel_key_columns",
]

_ENDPOINTS = ["src", "src_label", "dst", "dst_label"]


def node_columns(label: Label, features: tuple[str, ...] = (), meta: bool = False) -> list[str]:
    cols = [*NODE_PROPS[label], *features]
    return [*cols, *NODE_META] if meta else cols


def rel_columns(rel: RelType, meta: bool = False) -> list[str]:
    cols = [*_ENDPOINTS, *REL_SPECS[rel].props]
    return [*cols, *REL_META] if meta else cols


def rel_key_columns(rel: RelType) -> list[str]:
    return ["src", "dst", *REL_SPECS[rel].key]


def node_kinds(label: Label, features: tuple[str, ...] = (), meta: bool = False) -> dict[str, str]:
    """Column name -> kind (``str``, ``float``, ``int``) of a label's node frame."""
    kinds = {**NODE_PROPS[label], **{f: "float" for f in features}}
    if meta:
        kinds.update(NODE_META)
    return kinds


def rel_kinds(rel: RelType, meta: bool = False) -> dict[str, str]:
    """Column name -> kind of a relationship type's frame (endpoints first)."""
    kinds = {c: "str" for c in _ENDPOINTS}
    kinds.update(REL_SPECS[rel].props)
    if meta:
        kinds.update(REL_META)
    return kinds


def _coerce(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for col, kind in kinds.items():
        values = frame[col].reset_index(drop=True) if col in frame.columns else None
        if kind == "float":
            out[col] = (
                pd.to_numeric(values, errors="coerce").astype("float64")
                if values is not None
                else np.full(len(frame), np.nan)
            )
        elif kind == "int":
            out[col] = (
                pd.to_numeric(values, errors="coerce").astype("Int64")
                if values is not None
                else pd.array([pd.NA] * len(frame), dtype="Int64")
            )
        else:
            if values is None:
                out[col] = pd.Series([None] * len(frame), dtype=object)
            else:
                v = values if values.dtype == object else values.astype(object)
                missing = v.isna()
                out[col] = v.where(~missing, None) if missing.any() else v
    return out


def coerce_nodes(
    label: Label, frame: pd.DataFrame, features: tuple[str, ...] = (), meta: bool = False
) -> pd.DataFrame:
    return _coerce(frame, node_kinds(label, features, meta))


def coerce_rels(rel: RelType, frame: pd.DataFrame, meta: bool = False) -> pd.DataFrame:
    return _coerce(frame, rel_kinds(rel, meta))


_ARROW_TYPES = {"str": pa.large_string(), "float": pa.float64(), "int": pa.int64()}


def _arrow_column(values: pd.Series | None, kind: str, n: int) -> pa.ChunkedArray:
    if values is None:
        return pa.chunked_array([pa.nulls(n, type=_ARROW_TYPES[kind])])
    if kind == "str":
        return arrow_text(values)
    num = pd.to_numeric(values, errors="coerce")
    if kind == "float":
        floats = np.asarray(num, dtype="float64")
        return pa.chunked_array([pa.array(floats, type=pa.float64(), from_pandas=True)])
    ints = pd.array(num, dtype="Int64")
    return pa.chunked_array([pa.array(ints, type=pa.int64())])


def arrow_table(frame: pd.DataFrame, kinds: dict[str, str]) -> pa.Table:
    """``frame`` as an Arrow table with exactly the columns of ``kinds``, typed (text as
    ``large_string``; an absent column is all null; ``NaN`` becomes null)."""
    n = len(frame)
    return pa.table(
        {
            col: _arrow_column(frame[col] if col in frame.columns else None, kind, n)
            for col, kind in kinds.items()
        }
    )


def frame_from_arrow(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as a DataFrame that keeps text in Arrow (``str``), ints as ``Int64``."""
    return table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def arrow_nodes(
    label: Label, frame: pd.DataFrame, features: tuple[str, ...] = (), meta: bool = False
) -> pd.DataFrame:
    """:func:`coerce_nodes` with text kept as Arrow strings."""
    return frame_from_arrow(arrow_table(frame, node_kinds(label, features, meta)))


def arrow_rels(rel: RelType, frame: pd.DataFrame, meta: bool = False) -> pd.DataFrame:
    """:func:`coerce_rels` with text kept as Arrow strings."""
    return frame_from_arrow(arrow_table(frame, rel_kinds(rel, meta)))


def empty_nodes(label: Label, features: tuple[str, ...] = (), meta: bool = False) -> pd.DataFrame:
    return coerce_nodes(label, pd.DataFrame(), features, meta)


def empty_rels(rel: RelType, meta: bool = False) -> pd.DataFrame:
    return coerce_rels(rel, pd.DataFrame(), meta)


@dataclass(frozen=True)
class GraphTables:
    """A portfolio in graph form, ready for a store.

    ``retained[rel]`` holds key columns (a subset of :func:`rel_key_columns`) of relationships
    whose source rows were rejected in this portfolio: a store keeps those as they are instead
    of ending them.
    """

    as_of: str
    nodes: dict[Label, pd.DataFrame]
    rels: dict[RelType, pd.DataFrame]
    features: dict[Label, tuple[str, ...]]
    retained: dict[RelType, pd.DataFrame] = field(default_factory=dict)

    def row_count(self) -> int:
        return sum(len(f) for f in self.nodes.values()) + sum(len(f) for f in self.rels.values())


@dataclass(frozen=True)
class StoredTables:
    """Everything a store holds, in canonical order (nodes by id, relationships by key)."""

    as_of_history: tuple[str, ...]
    nodes: dict[Label, pd.DataFrame]
    rels: dict[RelType, pd.DataFrame]
    features: dict[Label, tuple[str, ...]]

    @property
    def latest_as_of(self) -> str | None:
        return self.as_of_history[-1] if self.as_of_history else None

    def canonical(self) -> StoredTables:
        nodes = {
            lab: coerce_nodes(lab, f, self.features.get(lab, ()), meta=True)
            .sort_values("id", kind="stable")
            .reset_index(drop=True)
            for lab, f in self.nodes.items()
        }
        rels = {
            rel: coerce_rels(rel, f, meta=True)
            .sort_values(rel_key_columns(rel), kind="stable")
            .reset_index(drop=True)
            for rel, f in self.rels.items()
        }
        return StoredTables(self.as_of_history, nodes, rels, self.features)
