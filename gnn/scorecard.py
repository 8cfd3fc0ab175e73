r"""The scorecard: cross-fitted boosted trees whose score is one more GNN input.

A party's own record (financial ratios, size, age, loans, overdue and default history) and the
counts an analyst makes around it (defaulted and overdue counterparties per relation,
guarantee calls it faces, guarantors it lost, its guarantee circle, its business group's
defaults) are tabular evidence, which gradient-boosted trees read better than a small MLP
learns from a few thousand labels. So before the GNN trains, a histogram GBDT is fitted on
the labelled *training* parties' own features and local graph features
(:func:`gnn.data.graph_features.local_graph_matrix`), and its log-odds become one more input
column of every party: the GNN then propagates a sharper estimate of each counterparty's risk
and spends its capacity on what counts cannot say (which neighbour, through which tie, how
large, two hops away). This is "boost, then convolve" (Ivanov and Prokhorenkova, ICLR 2021)
with the trees fitted once, before the GNN.

**Cross-fitting** (no label reaches its own input). Every party has a fold,
:math:`k(i) = \mathrm{SHA256}(\mathrm{id}_i) \bmod K`, stable across snapshots; model
:math:`f_k` is fitted on the labelled training parties *outside* fold :math:`k`
(early-stopped on the validation split, as the GNN is), and party :math:`i`'s input is

.. math::
    s_i = f_{k(i)}(x_i, g_i), \qquad \text{standardised with the training snapshot's mean
    and deviation,}

with :math:`x_i` the own features and :math:`g_i` the local graph features. A training
party's own label therefore never enters its own input: without cross-fitting its in-sample
score would carry its label, the GNN would learn to trust it, and the trust would not hold on
new parties. The graph features come from the portfolio's state before ``as_of`` (defaults and
arrears on record), never from labels. Test labels enter nothing. Parties that did not train
the scorecard (validation, test, unlabelled, a later snapshot's new firms) are scored the same
way, by their fold's model: one tree ensemble per party keeps scoring cheap (about 3 s per
million parties with the compiled trees of :mod:`gnn.tree_kernel`). The mean of the :math:`K`
models was measured too: a slightly lower Brier score (docs/gnn.md) at :math:`K` times the
cost, which would put the inference of a million-node graph over its 15 s budget.

**Counterfactuals stay exact.** The local graph features are chosen so that removing a party's
edges changes them only near it, by amounts known exactly (:mod:`gnn.data.occlusion`); the
2-hop counts and PageRank of the graph baselines are not among them, since removing one
party moves them everywhere. So the contagion exposure's "network removed" counterfactual
reruns the scorecard with every graph feature at 0 (a party with no edges), an occlusion
explanation reruns it for the parties whose neighbourhood the removed counterparty changes,
and a what-if default recomputes everything from the marked snapshot. Node types with no
labelled training party (persons, when the labels list enterprises only) get 0, the column's
mean. ``ScorecardConfig.graph = False`` reads own features only (the scorecard of models
trained before graph features were added); ``riskgraph train --no-scorecard`` trains without
any.

The fitted trees are stored as ``scorecard.pkl`` in the model's folder, with its SHA-256 in
``meta.json``, checked before unpickling (a model folder is the bank's own file; pickles from
elsewhere must never be loaded).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TypeAlias

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from gnn.config import BaselineConfig, ScorecardConfig
from gnn.data.prepare import PreparedGraph
from gnn.data.targets import Split
from gnn.tree_kernel import FlatTrees
from riskgraph.errors import RiskgraphError, StoreError

__all__ = ["SCORECARD_FILE", "Scorecard", "fold_of", "scorecard_inputs"]

SCORECARD_FILE = "scorecard.pkl"

Classifier: TypeAlias = HistGradientBoostingClassifier | LogisticRegression


def fold_of(ids: np.ndarray, folds: int) -> np.ndarray:
    """Each id's fold: the first 8 bytes of its SHA-256, modulo ``folds``."""
    return np.array([int.from_bytes(hashlib.sha256(str(i).encode("utf-8")).digest()[:8],
                                    "little") % folds for i in ids], dtype=np.int64)


def scorecard_inputs(data: PreparedGraph, graph: bool, isolated: bool = False) -> np.ndarray:
    """The scorecard's inputs: the own columns and the node type, then (``graph``) the local
    graph features, all 0 for ``isolated`` parties (every edge removed)."""
    own = data.x[:, data.own_columns].astype(np.float64)
    cols = [own, data.party.is_person.astype(np.float64)]
    if graph:
        gf = data.local_graph_features
        cols.append(np.zeros_like(gf) if isolated else gf)
    return np.column_stack(cols)


def _model(kind: str, cfg: BaselineConfig, seed: int) -> Classifier:
    if kind == "gbm":
        return HistGradientBoostingClassifier(
            learning_rate=cfg.gbm_learning_rate, max_iter=cfg.gbm_max_iter,
            max_leaf_nodes=cfg.gbm_max_leaf_nodes, l2_regularization=cfg.gbm_l2,
            early_stopping=True, n_iter_no_change=cfg.gbm_patience, random_state=seed)
    if kind == "logreg":
        return LogisticRegression(C=cfg.logreg_c, max_iter=cfg.logreg_max_iter,
                                  random_state=seed)
    raise RiskgraphError(f"unknown scorecard model {kind!r}: use gbm or logreg")


@dataclass(frozen=True, eq=False)
class Scorecard:
    """``models[j][k]``: model kind ``kinds[j]`` fitted without fold ``k``; ``types``: the
    node types scored (0 enterprise, 1 person); ``center[j]``, ``scale[j]``: the
    standardisation of column ``j``."""

    kinds: tuple[str, ...]
    models: tuple[tuple[Classifier, ...], ...]
    types: tuple[int, ...]
    center: tuple[float, ...]
    scale: tuple[float, ...]
    graph: bool = False
    """Whether the inputs include the local graph features (models saved before they did
    read own features only)."""

    @property
    def width(self) -> int:
        """Input columns the scorecard adds (one per model kind)."""
        return len(self.kinds)

    @classmethod
    def fit(cls, data: PreparedGraph, y: np.ndarray, split: Split, cfg: ScorecardConfig,
            base: BaselineConfig, seed: int) -> Scorecard:
        """Fit ``cfg.folds`` models of each kind in ``cfg.models`` on ``split.train``
        (labels ``y``, NaN unlabelled)."""
        return cls.fit_attached(data, y, split, cfg, base, seed)[0]

    @classmethod
    def fit_attached(cls, data: PreparedGraph, y: np.ndarray, split: Split,
                     cfg: ScorecardConfig, base: BaselineConfig,
                     seed: int) -> tuple[Scorecard, PreparedGraph]:
        """:meth:`fit`, and ``data`` with the fitted scorecard's column attached (the
        standardisation and the column come from one scoring pass)."""
        if cfg.folds < 2:
            raise RiskgraphError("the scorecard needs at least 2 folds")
        x = scorecard_inputs(data, cfg.graph)
        yy = np.nan_to_num(y)
        train = split.train
        fold = fold_of(data.party.ids[train], cfg.folds)
        models: list[tuple[Classifier, ...]] = []
        for kind in cfg.models:
            fitted = []
            for k in range(cfg.folds):
                rows = train[fold != k]
                if len(np.unique(yy[rows])) < 2:
                    raise RiskgraphError(
                        f"scorecard fold {k + 1} of {cfg.folds} has only one outcome among "
                        f"its {len(rows):,} training parties: bring more labelled defaults or "
                        "use fewer folds")
                model = _model(kind, base, seed + k)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    if kind == "gbm":
                        model.fit(x[rows], yy[rows], X_val=x[split.val], y_val=yy[split.val])
                    else:
                        model.fit(x[rows], yy[rows])
                fitted.append(model)
            models.append(tuple(fitted))
        types = tuple(int(t) for t in np.unique(data.party.is_person[train].astype(np.int64)))
        zeros = tuple(0.0 for _ in cfg.models)
        card = cls(tuple(cfg.models), tuple(models), types, zeros, tuple(1.0 for _ in cfg.models),
                   cfg.graph)
        raw, scored = card.raw(data), card.scored(data)
        sd = raw[scored].std(axis=0)
        final = cls(card.kinds, card.models, types, tuple(map(float, raw[scored].mean(axis=0))),
                    tuple(float(v) if v > 0 else 1.0 for v in sd), cfg.graph)
        return final, final.attach(data, final._standardise(raw, scored))

    def attach(self, data: PreparedGraph, column: np.ndarray | None = None) -> PreparedGraph:
        """``data`` with this scorecard's columns attached (``column`` when already
        computed), and their values with every edge removed when the inputs read the graph."""
        fold, scored = fold_of(data.party.ids, self.folds), self.scored(data)

        def cols(isolated: bool) -> np.ndarray:
            raw = self.predict(scorecard_inputs(data, self.graph, isolated), fold, scored)
            return self._standardise(raw, scored)

        return data.with_scorecard(cols(False) if column is None else column,
                                   cols(True) if self.graph else None)

    @property
    def folds(self) -> int:
        return len(self.models[0])

    def scored(self, data: PreparedGraph) -> np.ndarray:
        """Which parties are of a type the scorecard was trained on."""
        return np.isin(data.party.is_person.astype(np.int64), self.types)

    def raw(self, data: PreparedGraph, isolated: bool = False) -> np.ndarray:
        """:math:`s_i` per kind before standardisation (log-odds; 0 for unscored types),
        ``(P, width)``; with ``isolated``, of every party with its edges removed."""
        return self.predict(scorecard_inputs(data, self.graph, isolated),
                            fold_of(data.party.ids, self.folds), self.scored(data))

    def predict(self, x: np.ndarray, fold: np.ndarray, scored: np.ndarray) -> np.ndarray:
        """Log-odds of the rows ``x`` (:func:`scorecard_inputs`) of parties in folds ``fold``
        (:func:`fold_of`), each by its fold's model; 0 where ``scored`` is false.
        ``(n, width)``."""
        out = np.zeros((len(x), self.width))
        evaluators = self._evaluators

        def run(k: int) -> None:
            rows = np.flatnonzero(scored & (fold == k))
            if len(rows):
                sub = x[rows]
                for j in range(self.width):
                    out[rows, j] = evaluators[j][k](sub)

        # the folds' rows are disjoint and the compiled trees release the GIL: threads
        with ThreadPoolExecutor(max_workers=max(1, min(self.folds, os.cpu_count() or 1))) as pool:
            list(pool.map(run, range(self.folds)))
        return out

    @cached_property
    def _evaluators(self) -> list[list[Callable[[np.ndarray], np.ndarray]]]:
        """Per kind and fold, the fastest exact evaluator: compiled trees
        (:mod:`gnn.tree_kernel`) for boosted trees, the model's own for the rest."""
        found = []
        for fitted in self.models:
            row = []
            for model in fitted:
                flat = (FlatTrees.of(model)
                        if isinstance(model, HistGradientBoostingClassifier) else None)
                row.append(model.decision_function if flat is None else flat.decision_function)
            found.append(row)
        return found

    def column(self, data: PreparedGraph, isolated: bool = False) -> np.ndarray:
        r"""The GNN's input columns: :math:`(s_{ij} - \mu_j) / \sigma_j`, 0 for unscored
        types, ``(P, width)``; with ``isolated``, of every party with its edges removed."""
        return self._standardise(self.raw(data, isolated), self.scored(data))

    def columns_of(self, inputs: np.ndarray, fold: np.ndarray,
                   is_person: np.ndarray) -> np.ndarray:
        """The GNN's input columns of some parties from their scorecard inputs (rows of
        :func:`scorecard_inputs`) and folds, ``(n, width)``: what an explanation needs for the
        few parties whose graph features a removed counterparty changes."""
        scored = np.isin(is_person.astype(np.int64), self.types)
        return self._standardise(self.predict(inputs, fold, scored), scored)

    def _standardise(self, raw: np.ndarray, scored: np.ndarray) -> np.ndarray:
        z = (raw - np.asarray(self.center)) / np.asarray(self.scale)
        return np.where(scored[:, None], z, 0.0)

    # ---- storage ------------------------------------------------------------------------
    def dumps(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "_evaluators"}

    @staticmethod
    def load(path: Path, sha256: str | None) -> Scorecard:
        """Load ``path`` after checking its SHA-256 against the one the model recorded."""
        blob = Path(path).read_bytes()
        digest = hashlib.sha256(blob).hexdigest()
        if sha256 is None or digest != sha256:
            raise StoreError(f"{path} does not match the checksum in meta.json (recorded "
                             f"{sha256}, found {digest}): the model folder was altered; "
                             "retrain with riskgraph train")
        card = pickle.loads(blob)  # noqa: S301 - checked against the model's own checksum
        if not isinstance(card, Scorecard):
            raise StoreError(f"{path} is not a riskgraph scorecard")
        return card
