r"""The own-feature scorecard: cross-fitted boosted trees whose score is one more GNN input.

A party's own record (financial ratios, size, age, loans, overdue and default history) is
tabular evidence, which gradient-boosted trees read better than a small MLP does from a few
thousand labels. So before the GNN trains, a histogram GBDT is fitted on the own features of the
labelled *training* parties, and its log-odds become one more input column of every party:
the GNN then propagates a sharper estimate of each counterparty's own risk, and can spend its
capacity on the network.

**Cross-fitting** (no label reaches its own input). Training parties are split into ``K``
folds by the SHA-256 of their id (stable across snapshots); model :math:`f_k` is fitted on the
training parties *outside* fold :math:`k` (early-stopped on the validation split, as the GNN
is). Party :math:`i`'s input is

.. math::
    s_i = \begin{cases} f_{k(i)}(x_i) & \text{if } i \text{ is a training party (fold } k(i))
          \\ \frac{1}{K} \sum_{k} f_k(x_i) & \text{otherwise,} \end{cases}

standardised with the training snapshot's mean and deviation. A training party's own label
therefore never enters its own input: without cross-fitting its in-sample score would carry
its label, the GNN would learn to trust it, and the trust would not hold on new parties. Test
labels enter nothing. The set of training ids is kept with the model, so a later snapshot
scores the same party the same way.

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
import pickle
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from gnn.config import BaselineConfig, ScorecardConfig
from gnn.data.prepare import PreparedGraph
from gnn.data.targets import Split
from riskgraph.errors import RiskgraphError, StoreError

__all__ = ["SCORECARD_FILE", "Scorecard", "fold_of"]

SCORECARD_FILE = "scorecard.pkl"

Classifier: TypeAlias = HistGradientBoostingClassifier | LogisticRegression


def fold_of(ids: np.ndarray, folds: int) -> np.ndarray:
    """Each id's fold: the first 8 bytes of its SHA-256, modulo ``folds``."""
    return np.array([int.from_bytes(hashlib.sha256(str(i).encode("utf-8")).digest()[:8],
                                    "little") % folds for i in ids], dtype=np.int64)


def _inputs(data: PreparedGraph) -> np.ndarray:
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
    """``models[j][k]``: model kind ``kinds[j]`` fitted without fold ``k``; ``trained``:
    id -> fold of every training party; ``types``: the node types scored (0 enterprise,
    1 person); ``center[j]``, ``scale[j]``: the standardisation of column ``j``."""

    kinds: tuple[str, ...]
    models: tuple[tuple[Classifier, ...], ...]
    trained: dict[str, int]
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
        if cfg.folds < 2:
            raise RiskgraphError("the scorecard needs at least 2 folds")
        x = _inputs(data)
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
        trained = {str(i): int(f) for i, f in zip(data.party.ids[train], fold, strict=True)}
        zeros = tuple(0.0 for _ in cfg.models)
        card = cls(tuple(cfg.models), tuple(models), trained, types, zeros,
                   tuple(1.0 for _ in cfg.models))
        raw = card.raw(data)[card.scored(data)]
        sd = raw.std(axis=0)
        return cls(card.kinds, card.models, trained, types, tuple(map(float, raw.mean(axis=0))),
                   tuple(float(v) if v > 0 else 1.0 for v in sd))

    def scored(self, data: PreparedGraph) -> np.ndarray:
        """Which parties are of a type the scorecard was trained on."""
        return np.isin(data.party.is_person.astype(np.int64), self.types)

    def raw(self, data: PreparedGraph) -> np.ndarray:
        """:math:`s_i` per kind before standardisation (log-odds; 0 for unscored types),
        ``(P, width)``."""
        x = _inputs(data)
        out = np.zeros((len(x), self.width))
        scored = self.scored(data)
        fold = (pd.Series(data.party.ids, dtype=object).astype(str).map(self.trained)
                .fillna(-1).to_numpy(dtype=np.int64))
        rest = np.flatnonzero(scored & (fold < 0))
        for j, fitted in enumerate(self.models):
            for k, model in enumerate(fitted):
                if len(rest):
                    out[rest, j] += model.decision_function(x[rest]) / len(fitted)
                own = np.flatnonzero(scored & (fold == k))
                if len(own):
                    out[own, j] = model.decision_function(x[own])
        return out

    def column(self, data: PreparedGraph) -> np.ndarray:
        r"""The GNN's input columns: :math:`(s_{ij} - \mu_j) / \sigma_j`, 0 for unscored
        types, ``(P, width)``."""
        z = (self.raw(data) - np.asarray(self.center)) / np.asarray(self.scale)
        return np.where(self.scored(data)[:, None], z, 0.0)

    # ---- storage ------------------------------------------------------------------------
    def dumps(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

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
