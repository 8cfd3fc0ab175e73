r"""The own-feature scorecard: cross-fitted boosted trees whose score is one more GNN input.

A party's own record (financial ratios, size, age, loans, overdue and default history) is
tabular evidence, which gradient-boosted trees read better than a small MLP does from a few
thousand labels. So before the GNN trains, a histogram GBDT is fitted on the own features of the
labelled *training* parties, and its log-odds become one more input column of every party:
the GNN then propagates a sharper estimate of each counterparty's own risk, and can spend its
capacity on the network.

**Cross-fitting** (no label reaches its own input). Every party has a fold,
:math:`k(i) = \mathrm{SHA256}(\mathrm{id}_i) \bmod K`, stable across snapshots; model
:math:`f_k` is fitted on the labelled training parties *outside* fold :math:`k`
(early-stopped on the validation split, as the GNN is), and party :math:`i`'s input is

.. math::
    s_i = f_{k(i)}(x_i), \qquad \text{standardised with the training snapshot's mean and
    deviation.}

A training party's own label therefore never enters its own input: without cross-fitting its
in-sample score would carry its label, the GNN would learn to trust it, and the trust would not
hold on new parties. Test labels enter nothing. Parties that did not train the scorecard
(validation, test, unlabelled, a later snapshot's new firms) are scored the same way, by their
fold's model: one tree ensemble per party keeps scoring cheap (about 3 s per million parties
with the compiled trees of :mod:`gnn.tree_kernel`). The mean of the :math:`K` models was
measured too: a slightly lower Brier score (docs/gnn.md) at :math:`K` times the cost, which
would put the inference of a million-node graph over its 15 s budget.

The column depends on the party's own features only, so the contagion exposure's "network
removed" counterfactual keeps it, occlusion explanations leave it unchanged, and a what-if
default changes it only for the parties marked (their own loans and events change). Node
types with no labelled training party (persons, when the labels list enterprises only) get 0,
the column's mean.

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


def scorecard_inputs(data: PreparedGraph) -> np.ndarray:
    """The scorecard's inputs: the own columns and the node type."""
    own = data.x[:, data.own_columns].astype(np.float64)
    return np.column_stack([own, data.party.is_person.astype(np.float64)])


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
        x = scorecard_inputs(data)
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
        card = cls(tuple(cfg.models), tuple(models), types, zeros, tuple(1.0 for _ in cfg.models))
        raw, scored = card.raw(data), card.scored(data)
        sd = raw[scored].std(axis=0)
        final = cls(card.kinds, card.models, types, tuple(map(float, raw[scored].mean(axis=0))),
                    tuple(float(v) if v > 0 else 1.0 for v in sd))
        return final, data.with_scorecard(final._standardise(raw, scored))

    @property
    def folds(self) -> int:
        return len(self.models[0])

    def scored(self, data: PreparedGraph) -> np.ndarray:
        """Which parties are of a type the scorecard was trained on."""
        return np.isin(data.party.is_person.astype(np.int64), self.types)

    def raw(self, data: PreparedGraph) -> np.ndarray:
        """:math:`s_i` per kind before standardisation (log-odds; 0 for unscored types),
        ``(P, width)``."""
        return self.predict(scorecard_inputs(data), data.party.ids, self.scored(data))

    def predict(self, x: np.ndarray, ids: np.ndarray, scored: np.ndarray) -> np.ndarray:
        """Log-odds of the rows ``x`` (own columns and node type) of parties ``ids``, each by
        its fold's model; 0 where ``scored`` is false. ``(n, width)``."""
        out = np.zeros((len(x), self.width))
        fold = fold_of(ids, self.folds)
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

    def column(self, data: PreparedGraph) -> np.ndarray:
        r"""The GNN's input columns: :math:`(s_{ij} - \mu_j) / \sigma_j`, 0 for unscored
        types, ``(P, width)``."""
        return self._standardise(self.raw(data), self.scored(data))

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
