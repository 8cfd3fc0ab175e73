"""What the API serves from memory: one immutable :class:`World` per (snapshot, scores) pair.

A world is built once in a background thread (:mod:`api.state`) and swapped in whole, so a
request always sees one consistent snapshot with its indexes and one consistent set of scores,
never a half-loaded mix. It holds:

- the :class:`~graph.snapshot.Snapshot` and its :class:`~graph.linked.LinkedAnalysis` (warmed:
  party graph, control, groups, guarantee network built before the world goes live);
- :class:`ScoreTable`: the scores by id, as plain tuples (a dict lookup per request);
- :class:`SearchIndex`: names and ids of every enterprise and person, for ``/v1/search``;
- :class:`Incidence`: each node's relationships as a CSR index over the snapshot's edge arrays
  (an entity's profile is a few gathers, whichever store is behind);
- the person masks: person key -> masked resident id, for roles that may not see keys.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from graph.linked import LinkedAnalysis
from graph.model import PARTY_LABELS, REL_SPECS, Label, RelType
from graph.snapshot import Snapshot

if TYPE_CHECKING:
    from gnn.contagion import ExposureNetwork

__all__ = ["Incidence", "ScoreRow", "ScoreTable", "SearchIndex", "World"]

#: (label, pd, contagion_exposure, model_version, has_explanation)
ScoreRow = tuple[str, float | None, float | None, str | None, bool]


def _num(v: object) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


@dataclass(frozen=True, eq=False)
class ScoreTable:
    rows: dict[str, ScoreRow]
    explanations: dict[str, str]  # id -> the stored JSON text
    fingerprint: str
    model_versions: tuple[str, ...]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> ScoreTable:
        rows: dict[str, ScoreRow] = {}
        explanations: dict[str, str] = {}
        if len(frame):
            ids = frame["id"].astype(str).tolist()
            labels = frame["label"].astype(str).tolist()
            pds = [_num(v) for v in frame["pd"].tolist()]
            exp = [_num(v) for v in frame["contagion_exposure"].tolist()]
            models = [None if (m is None or (isinstance(m, float) and math.isnan(m))) else str(m)
                      for m in frame["model_version"].tolist()]
            expl = frame["explanation"].tolist()
            for i, ident in enumerate(ids):
                text = expl[i]
                has = isinstance(text, str) and bool(text)
                if has:
                    explanations[ident] = text
                rows[ident] = (labels[i], pds[i], exp[i], models[i], has)
        digest = hashlib.sha256()
        if len(frame):
            digest.update(pd.util.hash_pandas_object(
                frame[["id", "pd", "contagion_exposure", "model_version"]].astype(str),
                index=False).to_numpy().tobytes())
        versions = tuple(sorted({r[3] for r in rows.values() if r[3] is not None}))
        return cls(rows, explanations, digest.hexdigest()[:16], versions)

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True, eq=False)
class Incidence:
    """Each node's relationships: ``ptr[v]:ptr[v+1]`` slices ``rel``/``edge``/``out``."""

    ptr: np.ndarray
    rel: np.ndarray  # index into ``types``
    edge: np.ndarray  # row of that type's EdgeTable
    out: np.ndarray  # True: v is the source
    types: tuple[RelType, ...]

    @classmethod
    def build(cls, snap: Snapshot) -> Incidence:
        types = tuple(t for t in RelType if t in snap.edges and len(snap.edges[t]))
        owner, rel, edge, out = [], [], [], []
        for k, t in enumerate(types):
            e = snap.edges[t]
            m = len(e)
            idx = np.arange(m, dtype=np.int64)
            owner += [e.src, e.dst]
            rel += [np.full(2 * m, k, dtype=np.int16)]
            edge += [idx, idx]
            out += [np.ones(m, dtype=bool), np.zeros(m, dtype=bool)]
        n = snap.num_nodes
        if not owner:
            z = np.zeros(0, dtype=np.int64)
            return cls(np.zeros(n + 1, dtype=np.int64), z.astype(np.int16), z, z.astype(bool), ())
        o = np.concatenate(owner)
        order = np.argsort(o, kind="stable")
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(o, minlength=n), out=ptr[1:])
        return cls(ptr, np.concatenate(rel)[order], np.concatenate(edge)[order],
                   np.concatenate(out)[order], types)

    def of(self, v: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a, b = int(self.ptr[v]), int(self.ptr[v + 1])
        return self.rel[a:b], self.edge[a:b], self.out[a:b]


@dataclass(frozen=True, eq=False)
class SearchIndex:
    """Case-folded names of every party, joined in one text so that a substring search is a
    few ``str.find`` calls in C rather than a Python loop over every name."""

    blob: str
    starts: np.ndarray  # offset of each name in ``blob``
    nodes: np.ndarray  # node number of each name
    ids_sorted: np.ndarray  # party ids, sorted (object), for id-prefix search
    ids_nodes: np.ndarray

    @classmethod
    def build(cls, snap: Snapshot) -> SearchIndex:
        frame = snap.nodes
        party = frame["label"].isin([lab.value for lab in PARTY_LABELS]).to_numpy()
        nodes = np.flatnonzero(party)
        names = [str(x).casefold().replace("\n", " ") if isinstance(x, str) else ""
                 for x in frame["name"].to_numpy()[nodes]]
        lengths = np.fromiter((len(x) + 1 for x in names), dtype=np.int64, count=len(names))
        starts = np.zeros(len(names), dtype=np.int64)
        if len(names):
            np.cumsum(lengths[:-1], out=starts[1:])
        ids = frame["id"].to_numpy(dtype=object)[nodes]
        order = np.argsort(ids.astype(str), kind="stable")
        return cls("\n".join(names), starts, nodes, ids[order], nodes[order])

    def names(self, q: str, cap: int) -> list[int]:
        """Node numbers whose name contains ``q`` (case-folded), in node order, at most
        ``cap``."""
        q = q.casefold()
        found: list[int] = []
        pos = self.blob.find(q)
        while pos >= 0 and len(found) < cap:
            k = int(np.searchsorted(self.starts, pos, side="right")) - 1
            found.append(int(self.nodes[k]))
            nxt = int(self.starts[k + 1]) if k + 1 < len(self.starts) else len(self.blob)
            pos = self.blob.find(q, max(nxt, pos + 1))
        return found

    def id_prefix(self, q: str, cap: int) -> list[int]:
        lo = int(np.searchsorted(self.ids_sorted, q, side="left"))
        out = []
        for k in range(lo, min(lo + cap, len(self.ids_sorted))):
            if not str(self.ids_sorted[k]).startswith(q):
                break
            out.append(int(self.ids_nodes[k]))
        return out


@dataclass(frozen=True, eq=False)
class World:
    snapshot: Snapshot
    analysis: LinkedAnalysis
    scores: ScoreTable
    graph_fingerprint: str
    loaded_at: float

    @property
    def as_of(self) -> str | None:
        return self.snapshot.as_of

    @cached_property
    def masks(self) -> dict[str, str]:
        """Person key -> masked resident id."""
        p = self.snapshot.props.get(Label.PERSON)
        if p is None or p.empty or "id_masked" not in p.columns:
            return {}
        return dict(zip(p["id"].astype(str), p["id_masked"].fillna("").astype(str),
                        strict=True))

    @cached_property
    def incidence(self) -> Incidence:
        return Incidence.build(self.snapshot)

    @cached_property
    def search(self) -> SearchIndex:
        return SearchIndex.build(self.snapshot)

    @cached_property
    def node_labels(self) -> np.ndarray:
        return self.snapshot.nodes["label"].to_numpy(dtype=object)

    @cached_property
    def node_ids(self) -> np.ndarray:
        return self.snapshot.nodes["id"].to_numpy(dtype=object)

    @cached_property
    def node_names(self) -> np.ndarray:
        return self.snapshot.nodes["name"].to_numpy(dtype=object)

    @cached_property
    def network(self) -> ExposureNetwork:
        """The exposure network of the snapshot, for stress scenarios."""
        from gnn.contagion import ExposureConfig, exposure_network_from_snapshot

        return exposure_network_from_snapshot(self.snapshot, ExposureConfig())

    def warm(self) -> World:
        _ = (self.masks, self.incidence, self.search, self.node_labels, self.node_ids,
             self.node_names)
        self.analysis.warm()
        _ = self.network
        return self

    def edge_props(self, rel: RelType, row: int) -> dict[str, object]:
        props = self.snapshot.edges[rel].props
        out: dict[str, object] = {}
        for col in REL_SPECS[rel].props:
            if col in props.columns:
                v = props[col].iat[row]
                if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                    continue
                out[col] = v.item() if hasattr(v, "item") else v
        return out
