r"""Baselines, trained on the same split as the GNN and calibrated the same way.

=================  ==========================================================================
name               what it is
=================  ==========================================================================
logreg_own         L2 logistic regression on the party's own features (a scorecard)
gbm_own            gradient boosting (histogram GBDT) on the own features
logreg_graph       logistic regression on own + hand-made graph features
gbm_graph          gradient boosting on own + hand-made graph features
                   (:mod:`gnn.data.graph_features`: defaulted and overdue neighbours by relation,
                   two-hop counts, guarantee calls and lost guarantors, guarantee circles,
                   business-group defaults, personalised PageRank)
ppr                personalised PageRank from the parties that defaulted before ``as_of``
                   (no training: a ranking, calibrated on the validation split)
=================  ==========================================================================

Each returns a raw score ``z`` (a log-odds) for every party; gradient boosting stops early on
the validation split, as the GNN does.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from gnn.config import BaselineConfig
from gnn.data.prepare import PreparedGraph
from gnn.data.targets import Split, Targets

__all__ = ["BASELINES", "BaselineScores", "run_baselines"]

log = logging.getLogger(__name__)

BASELINES = {
    "logreg_own": "logistic regression, own features",
    "gbm_own": "gradient boosting, own features",
    "logreg_graph": "logistic regression, own + hand-made graph features",
    "gbm_graph": "gradient boosting, own + hand-made graph features",
    "ppr": "personalised PageRank from pre-as_of defaults",
}


@dataclass(frozen=True, eq=False)
class BaselineScores:
    name: str
    description: str
    z: np.ndarray  # (P,) log-odds-like score of every party
    kind: str  # "own", "graph" or "propagation"


def _logreg(x: np.ndarray, split: Split, y: np.ndarray, cfg: BaselineConfig,
            seed: int) -> np.ndarray:
    model = LogisticRegression(C=cfg.logreg_c, max_iter=cfg.logreg_max_iter, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x[split.train], y[split.train])
    return model.decision_function(x)


def _gbm(x: np.ndarray, split: Split, y: np.ndarray, cfg: BaselineConfig, seed: int) -> np.ndarray:
    model = HistGradientBoostingClassifier(
        learning_rate=cfg.gbm_learning_rate, max_iter=cfg.gbm_max_iter,
        max_leaf_nodes=cfg.gbm_max_leaf_nodes, l2_regularization=cfg.gbm_l2,
        early_stopping=True, n_iter_no_change=cfg.gbm_patience, random_state=seed)
    model.fit(x[split.train], y[split.train], X_val=x[split.val], y_val=y[split.val])
    return model.decision_function(x)


def run_baselines(data: PreparedGraph, targets: Targets, split: Split, cfg: BaselineConfig,
                  seed: int) -> list[BaselineScores]:
    """Fit every baseline on ``split.train`` and score every party."""
    y = np.nan_to_num(targets.y)
    own = data.x[:, data.own_columns].astype(np.float64)
    gf = data.graph_features(cfg)
    graph = np.column_stack([own, gf.to_numpy(dtype=np.float64)])
    # hand-made counts are not on the scale of the robust-scaled features: standardise them
    # for the linear model (statistics from all parties; no labels involved)
    mu, sd = graph.mean(axis=0), graph.std(axis=0)
    graph_std = (graph - mu) / np.where(sd > 0, sd, 1.0)
    out = [
        BaselineScores("logreg_own", BASELINES["logreg_own"], _logreg(own, split, y, cfg, seed),
                       "own"),
        BaselineScores("gbm_own", BASELINES["gbm_own"], _gbm(own, split, y, cfg, seed), "own"),
        BaselineScores("logreg_graph", BASELINES["logreg_graph"],
                       _logreg(graph_std, split, y, cfg, seed), "graph"),
        BaselineScores("gbm_graph", BASELINES["gbm_graph"], _gbm(graph, split, y, cfg, seed),
                       "graph"),
        BaselineScores("ppr", BASELINES["ppr"], gf["ppr_default"].to_numpy(dtype=np.float64),
                       "propagation"),
    ]
    return out
