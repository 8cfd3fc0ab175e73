"""The knobs of GNN contagion scoring, in small frozen objects with documented defaults.

Every number the features, the model, the training loop, calibration, explanations and the
report use lives here, so that a model's artifact can record exactly what produced it
(:meth:`GnnConfig.to_dict`) and a run can be reproduced from it (:meth:`GnnConfig.from_dict`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from riskgraph.errors import ConfigError

__all__ = [
    "BaselineConfig",
    "CalibrationConfig",
    "ExplainConfig",
    "FeatureConfig",
    "GnnConfig",
    "ModelConfig",
    "SamplingConfig",
    "ScorecardConfig",
    "SplitConfig",
    "TrainConfig",
]


@dataclass(frozen=True)
class FeatureConfig:
    """How a snapshot becomes node features and typed party-to-party edges."""

    horizon_days: int = 365
    """Labels count defaults in ``(as_of, as_of + horizon_days]``."""
    recent_days: int = 365
    """Credit events within this many days before ``as_of`` are also counted apart."""
    max_categories: int = 24
    """Most frequent values kept per categorical column (industry, region); the rest: other."""
    min_category_count: int = 5
    """A category seen fewer times than this is folded into ``other``."""
    max_contact_group: int = 30
    """Parties sharing one phone/address/email are linked pairwise up to this group size;
    larger groups (call centres, agents' addresses) are dropped and counted."""
    max_group: int = 30
    """Enterprises of one business group (connected over shareholdings) are linked pairwise
    (``same_group``) up to this group size; 0 turns the relation off."""
    clip_sigma: float = 5.0
    """Standardised features are clipped to ``[-clip_sigma, clip_sigma]``."""
    ratio_cap: float = 100.0
    """Ratios (amount / net assets, ...) are capped before the log transform."""


@dataclass(frozen=True)
class SplitConfig:
    """Seeded, stratified split of the labelled targets."""

    train: float = 0.6
    val: float = 0.2
    seed: int = 7
    min_positives: int = 5
    """Training refuses labels that leave fewer defaults than this in any split."""

    def __post_init__(self) -> None:
        if not (0 < self.train < 1 and 0 < self.val < 1 and self.train + self.val < 1):
            raise ConfigError("split fractions must be in (0, 1) with train + val < 1")


@dataclass(frozen=True)
class ModelConfig:
    """The relational GNN (see :mod:`gnn.models.contagion_gnn`)."""

    hidden: int = 64
    layers: int = 2
    dropout: float = 0.1
    """Dropout before the output layer of the head."""
    conv_dropout: float = 0.0
    """Dropout on each convolution's update (DropEdge already regularises the graph part)."""
    head_hidden: int = 64
    linear_degree: bool = True
    """Besides PNA's logarithmic degree scaler, a linear one (degree over its mean), so that a
    relation's message can read as a sum: three defaulted group members are not one."""


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and early stopping."""

    epochs: int = 60
    lr: float = 0.003
    weight_decay: float = 1e-4
    patience: int = 6
    """Stop when the validation metric has not improved for this many epochs."""
    min_epochs: int = 3
    select_by: Literal["roc_auc", "log_loss"] = "roc_auc"
    """The validation metric that picks the epoch kept."""
    ema_decay: float = 0.99
    """Polyak averaging of the weights per optimiser step (0: off)."""
    drop_edge: float = 0.1
    """Share of edges dropped at random in each training step (DropEdge, Rong et al. 2020): it
    regularises and teaches the model the sparser neighbourhoods that explanations probe."""
    seed: int = 7
    threads: int = 1
    """Torch intra-op threads during training and scoring. One by default: the sparse products
    here are memory-bound, and on a shared machine OpenMP threads that wait for each other make
    two threads slower than one (measured); give 2 on a dedicated two-core box."""
    mode: Literal["full", "minibatch"] = "minibatch"
    """Neighbour-sampled mini-batches (many steps per pass: converges in a few epochs) or
    full-graph steps (one per epoch; give more ``epochs`` and ``patience``)."""
    full_graph_max_edges: int = 20_000_000
    """Validation and scoring run one full-graph forward up to this many edges, layer-wise
    chunks above."""


@dataclass(frozen=True)
class SamplingConfig:
    """The mini-batch path (see :mod:`gnn.sampling`)."""

    fanouts: tuple[int, ...] = (15, 10)
    """Neighbours sampled per node, per layer and relation (outermost layer first)."""
    batch_size: int = 512
    """Target nodes per training batch."""
    inference_batch_size: int = 16_384
    """Nodes per chunk in layer-wise full-neighbourhood inference."""


@dataclass(frozen=True)
class CalibrationConfig:
    method: Literal["platt", "isotonic"] = "platt"
    bins: int = 10
    """Equal-count bins of the reliability diagram."""


@dataclass(frozen=True)
class BaselineConfig:
    """The per-borrower and graph baselines (see :mod:`gnn.baselines`)."""

    gbm_max_iter: int = 300
    gbm_learning_rate: float = 0.05
    gbm_max_leaf_nodes: int = 31
    gbm_l2: float = 1.0
    gbm_patience: int = 20
    logreg_c: float = 1.0
    logreg_max_iter: int = 2000
    ppr_alpha: float = 0.15
    """Restart probability of personalised PageRank from the pre-``as_of`` defaults."""
    ppr_iterations: int = 50
    ppr_tol: float = 1e-10


@dataclass(frozen=True)
class ScorecardConfig:
    """The scorecard (own and local graph features), one more GNN input (see
    :mod:`gnn.scorecard`); its trees take the gradient-boosting settings of
    :class:`BaselineConfig`."""

    enabled: bool = True
    folds: int = 5
    """Cross-fitting folds: a training party's input comes from the models fitted without it."""
    models: tuple[str, ...] = ("gbm",)
    """One input column per model kind: ``gbm`` (boosted trees), ``logreg`` (L2 logistic)."""
    graph: bool = True
    """Besides the own features, read the local graph features (defaulted and overdue
    neighbours and degree per relation, guarantee calls, circle and business group; see
    :func:`gnn.data.graph_features.local_graph_features`)."""


@dataclass(frozen=True)
class ExplainConfig:
    """Occlusion explanations (see :mod:`gnn.explain`)."""

    top_k: int = 5
    """Contributors listed per entity."""
    max_candidates: int = 64
    """Candidates (nodes within ``layers`` hops) probed per entity, nearest first."""
    min_candidates: int = 8
    """Candidates probed however large the entity's neighbourhood."""
    variant_edges: int = 100_000
    """Edge budget per entity: a neighbourhood of ``m`` edges gets
    ``clip(variant_edges // m, min_candidates, max_candidates)`` candidates probed (each probe
    re-runs the model on the whole neighbourhood)."""
    min_exposure: float = 0.001
    """Entities whose network evidence moves the PD by less than this get no contributors
    (nothing in their network moves the score by a reportable amount)."""
    min_contribution: float = 1e-4
    """Contributors moving the PD by less than this are not listed."""
    max_paths: int = 3
    """Paths listed per contributor (two-hop contributors may reach the target several ways)."""
    batch_edges: int = 2_000_000
    """Edges (over all ego-graph copies) evaluated per forward pass."""


@dataclass(frozen=True)
class GnnConfig:
    """Everything one training run uses."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)
    baselines: BaselineConfig = field(default_factory=BaselineConfig)
    scorecard: ScorecardConfig = field(default_factory=ScorecardConfig)
    explain: ExplainConfig = field(default_factory=ExplainConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> GnnConfig:
        parts: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            sub = values.get(f.name, {})
            sub_cls = f.default_factory  # type: ignore[misc]
            known = {g.name for g in dataclasses.fields(sub_cls)}  # type: ignore[arg-type]
            kwargs = {k: (tuple(v) if isinstance(v, list) else v)
                      for k, v in sub.items() if k in known}
            parts[f.name] = sub_cls(**kwargs)  # type: ignore[operator]
        return cls(**parts)

    def with_seed(self, seed: int) -> GnnConfig:
        return dataclasses.replace(self, split=dataclasses.replace(self.split, seed=seed),
                                   train=dataclasses.replace(self.train, seed=seed))
