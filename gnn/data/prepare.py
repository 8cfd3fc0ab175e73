"""From a snapshot to everything the models read: party graph, features, tensors.

:func:`prepare` is the one entry: it collapses the snapshot (:mod:`gnn.data.party_graph`),
computes the raw features (:mod:`gnn.data.node_features`), fits the feature spec on this
snapshot or applies a stored one, and builds the full-graph :class:`~gnn.data.tensors.GraphBatch`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import torch

from gnn.config import BaselineConfig, FeatureConfig
from gnn.data.graph_features import (
    graph_features,
    local_graph_matrix,
    personalised_pagerank,
    union_adjacency,
)
from gnn.data.node_features import FeatureSpec, RawFeatures, raw_features
from gnn.data.party_graph import RELATIONS, PartyGraph, party_graph
from gnn.data.tensors import GraphBatch, build_batch
from graph.snapshot import Snapshot

__all__ = ["PreparedGraph", "prepare", "relation_dims"]


def relation_dims() -> dict[str, int]:
    """Relation name -> edge attribute width (the model's ``rel_dims``)."""
    return {name: len(attrs) for name, (attrs, _) in RELATIONS.items()}


@dataclass(frozen=True, eq=False)
class PreparedGraph:
    """A snapshot made ready for the models (``x``: the spec's scaled features, ``(P, F)``,
    both groups; the GNN reads the own columns and, once a model's scorecard is attached with
    :meth:`with_scorecard`, its column; see :attr:`batch`)."""

    snapshot: Snapshot
    party: PartyGraph
    raw: RawFeatures
    spec: FeatureSpec
    x: np.ndarray
    cfg: FeatureConfig
    scorecard: np.ndarray | None = None
    """The scorecard's columns (:mod:`gnn.scorecard`), ``(P, k)``, or None."""
    scorecard_isolated: np.ndarray | None = None
    """The scorecard's columns of every party with its edges removed (None: the same)."""

    def with_scorecard(self, columns: np.ndarray,
                       isolated: np.ndarray | None = None) -> PreparedGraph:
        """The same graph with ``columns`` (``(P,)`` or ``(P, k)``) as the GNN's last inputs,
        and ``isolated`` as their values when a party's edges are removed (where the
        scorecard reads graph features)."""
        cols = np.asarray(columns, dtype=np.float32)
        alone = (None if isolated is None
                 else np.asarray(isolated, dtype=np.float32).reshape(len(cols), -1))
        return dataclasses.replace(self, scorecard=cols.reshape(len(cols), -1),
                                   scorecard_isolated=alone)

    @property
    def num_parties(self) -> int:
        return self.party.num_parties

    @property
    def prior_default(self) -> np.ndarray:
        return self.raw.prior_default

    @cached_property
    def batch(self) -> GraphBatch:
        """The full graph as one batch, with the GNN's input columns (the own features, then
        the scorecard's when attached)."""
        edges = {name: (r.src, r.dst, r.attr) for name, r in self.party.relations.items()}
        x = self.x[:, self.own_columns]
        if self.scorecard is not None:
            x = np.column_stack([x, self.scorecard])
        return build_batch(x, self.party.is_person.astype(np.int64), edges)

    @property
    def isolated_batch(self) -> GraphBatch:
        """Every party with its edges removed: no edges, and the scorecard's columns as they
        are without them."""
        full = self.batch
        if self.scorecard_isolated is None:
            return full.without_edges()
        x = full.x.clone()
        x[:, x.shape[1] - self.scorecard_isolated.shape[1]:] = torch.from_numpy(
            self.scorecard_isolated)
        return GraphBatch(x, full.node_type, {})

    @cached_property
    def own_columns(self) -> np.ndarray:
        """Mask of the own (per-borrower) columns of ``x``."""
        return self.spec.group_mask(("own",))

    @cached_property
    def adjacency(self):  # type: ignore[no-untyped-def]
        return union_adjacency(self.party)

    def ppr(self, cfg: BaselineConfig) -> np.ndarray:
        """Personalised PageRank from the parties that defaulted before ``as_of``."""
        return personalised_pagerank(self.adjacency, self.prior_default, cfg.ppr_alpha,
                                     cfg.ppr_iterations, cfg.ppr_tol)

    def graph_features(self, cfg: BaselineConfig) -> pd.DataFrame:
        """The hand-made graph features (:mod:`gnn.data.graph_features`)."""
        return graph_features(self.party, self.raw.prior_default, self.raw.prior_overdue,
                              self.ppr(cfg))

    @cached_property
    def local_graph_features(self) -> np.ndarray:
        """The graph features the scorecard reads (``(P, k)``, float64; see
        :func:`~gnn.data.graph_features.local_graph_features`)."""
        return local_graph_matrix(self.party, self.raw.prior_default, self.raw.prior_overdue)[1]

    def fingerprint(self) -> str:
        """SHA-256 of what the model sees: party ids, features and every relation's edges."""
        h = hashlib.sha256()
        h.update("\x1f".join(map(str, self.party.ids)).encode("utf-8"))
        h.update(np.ascontiguousarray(self.x).tobytes())
        for name, r in sorted(self.party.relations.items()):
            h.update(name.encode())
            for arr in (r.src, r.dst, r.attr):
                h.update(np.ascontiguousarray(arr).tobytes())
        return h.hexdigest()


def prepare(snapshot: Snapshot, cfg: FeatureConfig | None = None,
            spec: FeatureSpec | None = None) -> PreparedGraph:
    """Build the party graph and features; fit ``spec`` here unless one is given."""
    cfg = cfg or FeatureConfig()
    pg = party_graph(snapshot, cfg)
    raw = raw_features(snapshot, pg, cfg)
    spec = spec or FeatureSpec.fit(raw, cfg)
    return PreparedGraph(snapshot, pg, raw, spec, spec.transform(raw), cfg)
