"""Versioned model artifacts: everything needed to score a later snapshot the same way.

A trained model lives in ``<models>/<version>/`` (``<models>`` is ``$DATA_DIR/models``)::

    model.pt          the weights (a torch state dict; loaded with ``weights_only=True``)
    features.json     the feature spec: columns, robust centre and scale, vocabularies
    config.json       the full :class:`~gnn.config.GnnConfig` of the run
    calibration.json  the calibration map fitted on the validation split
    metrics.json      the GNN's and the baselines' test metrics
    scorecard.pkl     the cross-fitted scorecard (:mod:`gnn.scorecard`), when the
                      model reads one; its SHA-256 is in meta.json and checked on loading
    meta.json         version, created, as_of, training-data hash, labels hash, label counts,
                      split sizes, best epoch, training time, library versions

and ``<models>/LATEST`` names the newest version. The version is
``gnn-<YYYYMMDD>-<hash8>``: the day of training and the first 8 hex digits of the SHA-256 of the
training-data hash (snapshot fingerprint plus labels) and the configuration, so the same data
and parameters give the same version on the same day. A folder is written under a temporary
name and renamed into place, so a reader never sees half an artifact.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

from gnn.calibration import Calibrator
from gnn.config import GnnConfig
from gnn.data.node_features import FeatureSpec
from gnn.data.prepare import relation_dims
from gnn.models.contagion_gnn import ContagionGNN
from gnn.scorecard import SCORECARD_FILE, Scorecard
from riskgraph.errors import NotFound, StoreError

__all__ = ["ModelArtifact", "list_versions", "load_artifact", "model_version", "save_artifact"]

LATEST = "LATEST"


@dataclass(frozen=True, eq=False)
class ModelArtifact:
    """A trained, calibrated model with its feature spec and provenance."""

    version: str
    model: ContagionGNN
    spec: FeatureSpec
    config: GnnConfig
    calibrator: Calibrator
    meta: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    scorecard: Scorecard | None = None

    @property
    def input_dim(self) -> int:
        """The model's input width: the spec's own columns, plus the scorecard's."""
        return int(self.spec.group_mask(("own",)).sum()) + (
            0 if self.scorecard is None else self.scorecard.width)


def model_version(data_hash: str, config: GnnConfig, day: datetime | None = None) -> str:
    day = day or datetime.now(UTC)
    blob = json.dumps({"data": data_hash, "config": config.to_dict()}, sort_keys=True)
    return f"gnn-{day:%Y%m%d}-{hashlib.sha256(blob.encode()).hexdigest()[:8]}"


def _dump(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=_plain) + "\n",
                    encoding="utf-8")


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def save_artifact(root: Path, artifact: ModelArtifact) -> Path:
    """Write ``artifact`` to ``root/<version>/`` and point ``root/LATEST`` at it."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    final = root / artifact.version
    tmp = root / f".{artifact.version}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    torch.save(artifact.model.state_dict(), tmp / "model.pt")
    _dump(tmp / "features.json", artifact.spec.to_dict())
    _dump(tmp / "config.json", artifact.config.to_dict())
    _dump(tmp / "calibration.json", artifact.calibrator.to_dict())
    _dump(tmp / "metrics.json", artifact.metrics)
    meta = {**artifact.meta, "version": artifact.version}
    if artifact.scorecard is not None:
        blob = artifact.scorecard.dumps()
        (tmp / SCORECARD_FILE).write_bytes(blob)
        meta["scorecard_sha256"] = hashlib.sha256(blob).hexdigest()
    _dump(tmp / "meta.json", meta)
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    latest_tmp = root / f".{LATEST}.tmp-{os.getpid()}"
    latest_tmp.write_text(artifact.version + "\n", encoding="utf-8")
    os.replace(latest_tmp, root / LATEST)
    return final


def list_versions(root: Path) -> list[str]:
    """Stored versions, oldest first (by name: the date leads)."""
    root = Path(root)
    if not root.exists():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and p.name.startswith("gnn-") and (p / "model.pt").exists())


def load_artifact(root: Path, version: str | None = None) -> ModelArtifact:
    """Load ``version`` (default: the one ``LATEST`` names)."""
    root = Path(root)
    if version is None:
        latest = root / LATEST
        if not latest.exists():
            raise NotFound("model", "latest (train one first: riskgraph train ...)")
        version = latest.read_text(encoding="utf-8").strip()
    path = root / version
    if not (path / "model.pt").exists():
        raise NotFound("model", version)
    try:
        config = GnnConfig.from_dict(json.loads((path / "config.json").read_text("utf-8")))
        spec = FeatureSpec.from_dict(json.loads((path / "features.json").read_text("utf-8")))
        cal = Calibrator.from_dict(json.loads((path / "calibration.json").read_text("utf-8")))
        meta = json.loads((path / "meta.json").read_text("utf-8"))
        metrics = json.loads((path / "metrics.json").read_text("utf-8"))
        card = None
        if (path / SCORECARD_FILE).exists():
            card = Scorecard.load(path / SCORECARD_FILE, meta.get("scorecard_sha256"))
        in_dim = int(spec.group_mask(("own",)).sum()) + (0 if card is None else card.width)
        model = ContagionGNN(in_dim, relation_dims(), config.model)
        model.load_state_dict(torch.load(path / "model.pt", weights_only=True))
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise StoreError(f"model {version} at {path} cannot be loaded ({exc}); a model saved by "
                         "an older riskgraph must be retrained: riskgraph train") from exc
    model.eval()
    return ModelArtifact(version, model, spec, config, cal, meta, metrics, path, card)
