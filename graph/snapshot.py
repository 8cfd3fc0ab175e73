"""The Snapshot: the one in-memory, columnar form of the graph that computations read.

Nodes are numbered ``0..n-1`` (by label in :class:`~graph.model.Label` order, then by id), so a
node is an integer everywhere downstream; relationships are typed edge arrays ``src``/``dst``
(int64 node numbers) with their properties as an aligned DataFrame. Either store produces one
through :func:`snapshot_from_tables`, so two stores holding the same tables give equal
snapshots.

A snapshot is *as of* a date ``d`` (default: the latest portfolio loaded): it holds the nodes
first seen on or before ``d`` and the relationships active at ``d`` (see :mod:`graph.model`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp

from graph.model import PARTY_LABELS, REL_SPECS, Label, RelType
from graph.tables import StoredTables
from riskgraph.errors import NotFound

__all__ = ["EdgeTable", "Snapshot", "active_mask", "snapshot_from_tables"]


@dataclass(frozen=True)
class EdgeTable:
    """One relationship type: ``src[k] -> dst[k]`` with properties ``props.iloc[k]``."""

    rel: RelType
    src: np.ndarray
    dst: np.ndarray
    props: pd.DataFrame

    def __len__(self) -> int:
        return len(self.src)


@dataclass(frozen=True, eq=False)
class Snapshot:
    as_of: str | None
    nodes: pd.DataFrame  # columns label, id, name; RangeIndex = node number
    props: dict[Label, pd.DataFrame]  # per label, index = node number
    edges: dict[RelType, EdgeTable]
    features: dict[Label, tuple[str, ...]] = field(default_factory=dict)

    @property
    def num_nodes(self) -> int:
        return len(self.nodes)

    @cached_property
    def _lookup(self) -> dict[tuple[str, str], int]:
        return dict(zip(zip(self.nodes["label"], self.nodes["id"]), range(len(self.nodes))))

    def index_of(self, ident: str, labels: tuple[Label, ...] = PARTY_LABELS) -> int:
        """The node number of ``ident`` under the first of ``labels`` that has it."""
        for label in labels:
            idx = self._lookup.get((label.value, ident))
            if idx is not None:
                return idx
        raise NotFound("/".join(lab.value for lab in labels), ident)

    def has(self, ident: str, labels: tuple[Label, ...] = PARTY_LABELS) -> bool:
        return any((lab.value, ident) in self._lookup for lab in labels)

    def label_range(self, label: Label) -> tuple[int, int]:
        """Node numbers ``[start, stop)`` of a label."""
        labels = self.nodes["label"].to_numpy()
        hits = np.flatnonzero(labels == label.value)
        return (int(hits[0]), int(hits[-1]) + 1) if len(hits) else (0, 0)

    def adjacency(self, types: tuple[RelType, ...] | None = None) -> sp.csr_matrix:
        """Undirected 0/1 adjacency (CSR, n x n) over the chosen relationship types."""
        chosen = [self.edges[t] for t in (types or tuple(self.edges)) if t in self.edges]
        n = self.num_nodes
        if not chosen:
            return sp.csr_matrix((n, n), dtype=np.int8)
        src = np.concatenate([e.src for e in chosen] + [e.dst for e in chosen])
        dst = np.concatenate([e.dst for e in chosen] + [e.src for e in chosen])
        m = sp.csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
        m.data[:] = 1
        return m

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        by_label = self.nodes["label"].value_counts()
        nodes = {lab.value: int(by_label.get(lab.value, 0)) for lab in Label}
        rels = {t.value: len(self.edges[t]) if t in self.edges else 0 for t in RelType}
        return nodes, rels


def active_mask(props: pd.DataFrame, day: str) -> np.ndarray:
    """Relationships active at ``day`` (ISO text compares as dates)."""
    ok = np.array(props["since"].fillna("") <= day, dtype=bool)
    ok &= props["until"].isna().to_numpy() | (props["until"].fillna("") > day).to_numpy()
    if "start" in props.columns:
        ok &= props["start"].isna().to_numpy() | (props["start"].fillna("") <= day).to_numpy()
    if "end" in props.columns:
        ok &= props["end"].isna().to_numpy() | (props["end"].fillna("") > day).to_numpy()
    return ok


def snapshot_from_tables(stored: StoredTables, as_of: str | None = None) -> Snapshot:
    day = as_of or stored.latest_as_of or "9999-12-31"
    canon = stored.canonical()
    frames, props = [], {}
    offset = 0
    for label in Label:
        f = canon.nodes.get(label)
        if f is None or f.empty:
            continue
        f = f[f["first_seen"].fillna("") <= day].reset_index(drop=True)
        f.index = pd.RangeIndex(offset, offset + len(f))
        props[label] = f
        frames.append(
            pd.DataFrame({"label": label.value, "id": f["id"], "name": f["name"]}, index=f.index)
        )
        offset += len(f)
    nodes = pd.concat(frames) if frames else pd.DataFrame(columns=["label", "id", "name"])
    nodes = nodes.reset_index(drop=True)
    index = {
        lab: pd.Series(p.index.to_numpy(), index=p["id"].to_numpy()) for lab, p in props.items()
    }

    edges: dict[RelType, EdgeTable] = {}
    for rel, f in canon.rels.items():
        if f.empty:
            continue
        f = f[active_mask(f, day)].reset_index(drop=True)
        spec = REL_SPECS[rel]
        src = _resolve(f["src"], f["src_label"], index, spec.src)
        dst = _resolve(f["dst"], f["dst_label"], index, spec.dst)
        ok = (src >= 0) & (dst >= 0)
        edges[rel] = EdgeTable(
            rel, src[ok], dst[ok], f.loc[ok, [*spec.props, "since", "until"]].reset_index(drop=True)
        )
    return Snapshot(as_of or stored.latest_as_of, nodes, props, edges, dict(stored.features))


def _resolve(
    ids: pd.Series, labels: pd.Series, index: dict[Label, pd.Series], allowed: tuple[Label, ...]
) -> np.ndarray:
    out = np.full(len(ids), -1, dtype=np.int64)
    for label in allowed:
        if label not in index:
            continue
        sel = (labels == label.value).to_numpy()
        if sel.any():
            found = index[label].reindex(ids[sel].to_numpy())
            out[sel] = found.fillna(-1).to_numpy(dtype=np.int64)
    return out
