r"""Scores: a calibrated PD for every party and the part of it that comes from the network.

For party :math:`i` with logit :math:`z_i(G)` on the party graph :math:`G` and the calibration
map :math:`c` (:mod:`gnn.calibration`):

.. math::
    \mathrm{PD}_i = c(z_i(G)), \qquad
    \mathrm{PD}^{\,\emptyset}_i = c(z_i(G \setminus E(i))), \qquad
    \text{contagion\_exposure}_i = \mathrm{PD}_i - \mathrm{PD}^{\,\emptyset}_i

where :math:`G \setminus E(i)` is the graph with every edge of :math:`i` removed: the model
then sees only :math:`i`'s own features (its financials, loans, events and its own contract
counts), none of its counterparties' states. Every message reaching :math:`i` passes through
one of its edges, so this removes exactly the network's evidence; the scorecard's graph
features of a party without edges are all 0 (no defaulted neighbours, no calls, a circle and
a group of one), and the scorecard is rerun on them. All parties are isolated at once by one
forward pass over the graph without edges (an isolated node's output depends on its own
inputs only). The exposure is signed: negative when healthy, well-capitalised
counterparties lower the PD.

A party that defaulted before ``as_of`` is in default: its PD is 1 and its exposure 0 (it is
not a target of a *new* default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pandas import DataFrame

from gnn.artifacts import ModelArtifact
from gnn.data.prepare import PreparedGraph, prepare
from gnn.train import predict_logits, torch_session
from graph.snapshot import Snapshot

__all__ = ["Scores", "prepare_for", "score_graph"]


def prepare_for(artifact: ModelArtifact, snapshot: Snapshot) -> PreparedGraph:
    """The snapshot encoded with the artifact's stored feature spec (and scorecard)."""
    data = prepare(snapshot, artifact.config.features, artifact.spec)
    if artifact.scorecard is not None:
        data = artifact.scorecard.attach(data)
    return data


@dataclass(frozen=True, eq=False)
class Scores:
    """Per party (arrays aligned with ``data.party``)."""

    version: str
    ids: np.ndarray
    labels: np.ndarray
    names: np.ndarray
    logit: np.ndarray
    logit_isolated: np.ndarray
    pd: np.ndarray
    pd_isolated: np.ndarray
    prior_default: np.ndarray

    @property
    def exposure(self) -> np.ndarray:
        return self.pd - self.pd_isolated

    def frame(self) -> DataFrame:
        return DataFrame({"id": self.ids, "label": self.labels, "name": self.names,
                             "pd": self.pd, "pd_isolated": self.pd_isolated,
                             "contagion_exposure": self.exposure,
                             "prior_default": self.prior_default,
                             "model_version": self.version})


def score_graph(artifact: ModelArtifact, data: PreparedGraph, chunk: int | None = None) -> Scores:
    """Score every party of ``data`` (full graph, or layer-wise in ``chunk``-row chunks)."""
    with torch_session(artifact.config.train.threads):
        z = predict_logits(artifact.model, data.batch, chunk)
        z0 = predict_logits(artifact.model, data.isolated_batch, chunk)
    p, p0 = artifact.calibrator(z), artifact.calibrator(z0)
    prior = data.prior_default
    p = np.where(prior, 1.0, p)
    p0 = np.where(prior, 1.0, p0)
    return Scores(artifact.version, data.party.ids, data.party.labels, data.party.names, z, z0,
                  p, p0, prior)
