"""Graph tables: nodes per label and relationships per type as typed DataFrames.

This is the form in which a portfolio enters a store (:class:`GraphTables`) and in which a
store hands back everything it holds (:class:`StoredTables`, the same plus ``first_seen``,
``last_seen``, ``since`` and ``until``). Column sets and dtypes are fixed by
:mod:`graph.model` and applied by :func:`coerce_nodes` / :func:`coerce_rels`, so that both stores
produce frames that compare equal.

A relationship frame has ``src``, ``src_label``, ``dst``, ``dst_label`` and the type's
properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graph.model import NODE_META, NODE_PROPS, REL_META, REL_SPECS, Label, RelType

__all__ = [
    "GraphTables",
    "StoredTables",
    "coerce_nodes",
    "coerce_rels",
    "empty_nodes",
    "empty_rels",
    "node_columns",
    "rel_columns",
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
    kinds = {**NODE_PROPS[label], **{f: "float" for f in features}}
    if meta:
        kinds.update(NODE_META)
    return _coerce(frame, kinds)


def coerce_rels(rel: RelType, frame: pd.DataFrame, meta: bool = False) -> pd.DataFrame:
    kinds = {c: "str" for c in _ENDPOINTS}
    kinds.update(REL_SPECS[rel].props)
    if meta:
        kinds.update(REL_META)
    return _coerce(frame, kinds)


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
