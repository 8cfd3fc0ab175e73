"""The service functions behind ``riskgraph train``, ``score`` and ``explain`` (and the API).

* :func:`train_model`: the store's snapshot and a labels file -> the GNN and the baselines on
  one seeded split, the comparison report, a versioned artifact, and (by default) scores and
  explanations written back to the store;
* :func:`score_store`: a stored model -> every party's calibrated PD, contagion exposure and
  explanation, written with ``store.write_scores``; the biggest movers against the scores the
  store held before;
* :func:`explain_entity`: one party's explanation (the stored one when it is the model's own,
  else computed now).
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import torch
import torch_geometric

from gnn.artifacts import ModelArtifact, load_artifact, model_version, save_artifact
from gnn.baselines import run_baselines
from gnn.config import GnnConfig
from gnn.data.prepare import PreparedGraph, prepare
from gnn.data.targets import Targets, align_labels, read_labels, split_targets
from gnn.explain import Explainer
from gnn.report import Comparison, compare, write_report
from gnn.scorecard import Scorecard
from gnn.scoring import Scores, prepare_for, score_graph
from gnn.train import predict_logits, torch_session, train_gnn
from graph.model import PARTY_LABELS
from graph.store import GraphStore
from riskgraph.errors import RiskgraphError

__all__ = ["ScoreOutcome", "TrainOutcome", "explain_entity", "score_store", "train_model"]

log = logging.getLogger(__name__)

Step = Callable[[str], None]
Progress = Callable[[str, int, int], None]  # (task, done, total)


@dataclass(frozen=True, eq=False)
class ScoreOutcome:
    scores: Scores
    frame: pd.DataFrame  # what was written: SCORE_COLUMNS plus name, pd_isolated
    written: int
    explained: int  # parties with at least one contributor listed
    movers: pd.DataFrame  # id, label, name, pd_before, pd, delta (largest |delta| first)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class TrainOutcome:
    artifact: ModelArtifact
    comparison: Comparison
    targets: Targets
    report_paths: list[Path]
    scored: ScoreOutcome | None
    seconds: dict[str, float] = field(default_factory=dict)


def _noop(*_: object) -> None:
    return None


def _check_targets(targets: Targets, split_sizes: dict[str, int], minimum: int) -> None:
    c = targets.counts
    if c["matched"] == 0:
        raise RiskgraphError(f"none of the {c['listed']:,} ids in the labels file is an "
                             "enterprise or person of the graph: is it the right portfolio?")
    for part in ("train", "val", "test"):
        if split_sizes[f"{part}_positives"] < minimum:
            raise RiskgraphError(
                f"the labels give {c['positives']:,} new defaults among {c['targets']:,} "
                f"targets: the {part} split gets {split_sizes[f'{part}_positives']}, fewer than "
                f"{minimum}; bring a longer default history or more entities")


def train_model(store: GraphStore, labels_path: Path, models_dir: Path,
                cfg: GnnConfig | None = None, *,
                person_key: Callable[[str], str] | None = None,
                report_dir: Path | None = None, score: bool = True,
                step: Step = _noop, progress: Progress = _noop) -> TrainOutcome:
    """Train, compare, version and (by default) score; see the module docstring."""
    cfg = cfg or GnnConfig()
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    step("reading the graph")
    snapshot = store.snapshot()
    if snapshot.num_nodes == 0:
        raise RiskgraphError("the store is empty: ingest a portfolio first")
    step("building features")
    data = prepare(snapshot, cfg.features)
    labels = read_labels(labels_path)
    targets = align_labels(labels, data.party.ids, data.prior_default, snapshot.as_of,
                           cfg.features.horizon_days, person_key)
    split = split_targets(targets, cfg.split)
    sizes = {p: int(np.nansum(targets.y[split.part(p)])) for p in ("train", "val", "test")}
    _check_targets(targets, {f"{k}_positives": v for k, v in sizes.items()},
                   cfg.split.min_positives)
    seconds["features"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    step("fitting the baselines")
    baselines = run_baselines(data, targets, split, cfg.baselines, cfg.train.seed)
    seconds["baselines"] = time.perf_counter() - t1

    card = None
    if cfg.scorecard.enabled:
        t3 = time.perf_counter()
        step("fitting the scorecard (own and local graph features)")
        card, data = Scorecard.fit_attached(data, targets.y, split, cfg.scorecard,
                                            cfg.baselines, cfg.train.seed)
        seconds["scorecard"] = time.perf_counter() - t3

    t2 = time.perf_counter()
    trained = train_gnn(data, targets, split, cfg,
                        progress=lambda e, n, _s: progress("training the GNN", e, n))
    progress("training the GNN", cfg.train.epochs, cfg.train.epochs)
    seconds["gnn"] = time.perf_counter() - t2
    with torch_session(cfg.train.threads):
        z = predict_logits(trained.model, data.batch)
    comparison = compare(
        [("gnn", "relational GNN (ContagionGNN)", "gnn", z)]
        + [(b.name, b.description, b.kind, b.z) for b in baselines],
        targets, split, cfg.calibration)

    data_hash = hashlib.sha256(
        f"{data.fingerprint()}|{labels.sha256}|{snapshot.as_of}".encode()).hexdigest()
    version = model_version(data_hash, cfg)
    meta = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "as_of": snapshot.as_of, "training_data_hash": data_hash,
        "snapshot_fingerprint": data.fingerprint(), "labels_file": str(labels_path),
        "labels_sha256": labels.sha256, "label_counts": targets.counts,
        "split": comparison.split_sizes, "parties": data.num_parties,
        "edges": data.party.stats, "dropped_contact_groups": data.party.dropped_contact_groups,
        "features": len(data.spec.names),
        "scorecard": None if card is None else {"folds": cfg.scorecard.folds,
                                                "models": list(card.kinds)},
        "mode": trained.mode, "best_epoch": trained.best_epoch,
        "epochs_run": len(trained.history), "train_seconds": round(trained.seconds, 2),
        "history": [vars(h) for h in trained.history],
        "person_labels": int(np.sum(targets.mask & data.party.is_person)),
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "torch_geometric": torch_geometric.__version__,
                     "scikit_learn": sklearn.__version__},
    }
    artifact = ModelArtifact(version, trained.model, data.spec, cfg,
                             comparison.result("gnn").calibrator, meta, comparison.to_dict(),
                             scorecard=card)
    path = save_artifact(models_dir, artifact)
    artifact = ModelArtifact(version, trained.model, data.spec, cfg, artifact.calibrator, meta,
                             artifact.metrics, path, card)
    paths = write_report(report_dir, comparison) if report_dir is not None else []
    scored = None
    if score:
        scored = score_store(store, artifact, data=data, step=step, progress=progress)
        if report_dir is not None and len(scored.movers):
            movers = Path(report_dir) / "movers.csv"
            scored.movers.to_csv(movers, index=False)
            paths.append(movers)
    seconds["total"] = time.perf_counter() - t0
    return TrainOutcome(artifact, comparison, targets, paths, scored, seconds)


def score_store(store: GraphStore, artifact: ModelArtifact, *, data: PreparedGraph | None = None,
                explain: bool = True, step: Step = _noop,
                progress: Progress = _noop) -> ScoreOutcome:
    """Score every party of the store's snapshot, explain, and write the scores back."""
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    if data is None:
        step("building features")
        data = prepare_for(artifact, store.snapshot())
    step("scoring")
    scores = score_graph(artifact, data)
    seconds["score"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    explanations = [""] * data.num_parties
    explained = 0
    if explain:
        explainer = Explainer(artifact, data, scores)
        done = explainer.explain(range(data.num_parties),
                                 progress=lambda d, n: progress("explaining", d, n))
        explanations = [e.to_json() for e in done]
        explained = sum(1 for e in done if e.contributors)
    seconds["explain"] = time.perf_counter() - t1
    frame = pd.DataFrame({"id": scores.ids, "label": scores.labels, "name": scores.names,
                          "pd": scores.pd, "pd_isolated": scores.pd_isolated,
                          "contagion_exposure": scores.exposure,
                          "model_version": scores.version, "explanation": explanations})
    before = store.scores()
    movers = _movers(before, frame)
    written = store.write_scores(frame)
    return ScoreOutcome(scores, frame, written, explained, movers, seconds)


def _movers(before: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    if before.empty:
        return pd.DataFrame(columns=["id", "label", "name", "pd_before", "pd", "delta"])
    old = before[["id", "label", "pd"]].rename(columns={"pd": "pd_before"})
    merged = now[["id", "label", "name", "pd"]].merge(old, on=["id", "label"], how="inner")
    merged["delta"] = merged["pd"] - merged["pd_before"].astype(float)
    merged = merged.reindex(merged["delta"].abs().sort_values(ascending=False).index)
    return merged[["id", "label", "name", "pd_before", "pd", "delta"]].reset_index(drop=True)


def explain_entity(store: GraphStore, models_dir: Path, ident: str,
                   version: str | None = None) -> dict[str, object]:
    """One party's explanation as a JSON-ready dict (stored if current, else computed)."""
    artifact = load_artifact(models_dir, version)
    stored = store.scores()
    if not stored.empty:
        row = stored[stored["id"] == ident]
        if len(row) and row["model_version"].iloc[0] == artifact.version:
            text = row["explanation"].iloc[0]
            if isinstance(text, str) and text:
                return json.loads(text)  # type: ignore[no-any-return]
    snapshot = store.snapshot()
    node = snapshot.index_of(ident, PARTY_LABELS)
    data = prepare_for(artifact, snapshot)
    scores = score_graph(artifact, data)
    return Explainer(artifact, data, scores).explain([node])[0].to_dict()
