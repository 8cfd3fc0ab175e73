r"""Node features of the parties, from what the snapshot knows at ``as_of`` and nothing later.

Every feature is a fact dated on or before ``as_of``; labels are never features. Columns come
in two groups:

* **own**: what the party is and does by itself, the inputs of a per-borrower scorecard and of
  the GNN. For an enterprise, size (:math:`\log(1+\text{assets})`, liabilities, revenue,
  registered capital), leverage (liabilities / assets), revenue / assets, negative equity, age
  in years, every ``f_*`` feature of the portfolio, industry, region and status (one-hot of the
  frequent values); for a person, age and the ``f_*`` features; for both, the party type, its
  own loans (active and closed counts, log outstanding, overdue and defaulted counts, the overdue
  share of the outstanding, log max days past due, the prior-default flag) and its credit
  events by kind (all before ``as_of``, and those within ``recent_days``; ``log(1+count)``);
* **structure**: what depends on other parties: :math:`\log(1+\deg_r)` for every relation
  ``r`` of the party graph, the guarantees it gave (count, log amount, log(1 + amount / net
  assets)) and received (count, secured share of its outstanding).

The GNN reads only the *own* columns and learns the rest from the edges, so that removing a
counterparty's edges changes nothing else in its inputs (the explanations rely on this); the
graph baselines read both groups and the hand-made graph features.

A party *defaulted before as_of* (``prior_default``) has a loan in status ``default``, a loan
with a ``default_date`` on or before ``as_of``, or a ``default`` event on or before ``as_of``.
Such parties cannot default anew: they are never targets, but their state is evidence for
their neighbours.

:class:`FeatureSpec` is fitted once on a training snapshot (robust scaling
:math:`(x - \text{median}) / (\text{IQR} / 1.349)`, or, for a sparse column whose IQR is 0,
by the RMS deviation of its non-median values plus an indicator of those values; clipped to
:math:`\pm` ``clip_sigma``; NaN becomes 0 with a missing flag; category vocabularies) and
stored with the model, so a later snapshot is encoded the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from gnn.config import FeatureConfig
from gnn.data.party_graph import PartyGraph, net_assets
from graph.model import Label, RelType
from graph.snapshot import Snapshot
from ingest.schema import EVENT_KINDS

__all__ = ["FeatureSpec", "RawFeatures", "raw_features"]

_CATEGORICAL = ("industry", "region", "status")
_IQR_TO_SIGMA = 1.349  # IQR of a standard normal


@dataclass(frozen=True, eq=False)
class RawFeatures:
    """Unscaled features, one row per party; ``groups[col]`` is ``own`` or ``structure``,
    ``categorical`` the columns one-hot encoded by the spec."""

    frame: pd.DataFrame
    groups: dict[str, str]
    categorical: tuple[str, ...]
    prior_default: np.ndarray  # bool (P,)
    prior_overdue: np.ndarray  # bool (P,)

    def columns(self, group: str) -> list[str]:
        return [c for c, g in self.groups.items() if g == group]


def _years(day: str | None, texts: pd.Series) -> np.ndarray:
    ref = pd.Timestamp(day or "2100-01-01")
    when = pd.to_datetime(texts, errors="coerce", format="%Y-%m-%d")
    return ((ref - when).dt.days / 365.25).to_numpy(dtype=float)


def _log1p(x: np.ndarray | pd.Series) -> np.ndarray:
    return np.log1p(np.maximum(np.asarray(x, dtype=float), 0.0))


def raw_features(snapshot: Snapshot, pg: PartyGraph, cfg: FeatureConfig) -> RawFeatures:
    """Compute the unscaled features of every party of ``pg`` (see the module docstring)."""
    num = pg.num_parties
    cols: dict[str, np.ndarray] = {}
    groups: dict[str, str] = {}

    def put(name: str, values: np.ndarray, group: str = "own") -> None:
        cols[name] = np.asarray(values, dtype=float)
        groups[name] = group

    put("is_person", pg.is_person.astype(float))
    ent = snapshot.props.get(Label.ENTERPRISE)
    per = snapshot.props.get(Label.PERSON)
    cat: dict[str, np.ndarray] = {c: np.full(num, None, dtype=object) for c in _CATEGORICAL}

    def at(frame: pd.DataFrame | None, values: Any) -> np.ndarray:
        out = np.full(num, np.nan)
        if frame is not None and len(frame):
            out[frame.index.to_numpy()] = np.asarray(values, dtype=float)
        return out

    if ent is not None and len(ent):
        assets = ent["total_assets"].to_numpy(dtype=float)
        liab = ent["total_liabilities"].to_numpy(dtype=float)
        revenue = ent["revenue"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            leverage = np.where(assets > 0, np.minimum(liab / assets, cfg.ratio_cap), np.nan)
            turnover = np.where(assets > 0, np.minimum(revenue / assets, cfg.ratio_cap), np.nan)
        put("log_assets", at(ent, _log1p(assets)))
        put("log_liabilities", at(ent, _log1p(liab)))
        put("log_revenue", at(ent, _log1p(revenue)))
        put("log_registered_capital", at(ent, _log1p(ent["registered_capital"])))
        put("leverage", at(ent, leverage))
        put("revenue_to_assets", at(ent, turnover))
        put("negative_equity", at(ent, (liab > assets).astype(float)))
        put("age_years", at(ent, _years(snapshot.as_of, ent["established"])))
        for c in _CATEGORICAL:
            cat[c][ent.index.to_numpy()] = ent[c].to_numpy(dtype=object)
    if per is not None and len(per):
        age = at(per, _years(snapshot.as_of, per["birth_date"]))
        if "age_years" in cols:
            cols["age_years"] = np.where(pg.is_person, age, cols["age_years"])
        else:
            put("age_years", age)
    for label, frame in ((Label.ENTERPRISE, ent), (Label.PERSON, per)):
        for f in snapshot.features.get(label, ()):
            if frame is not None and f in frame.columns:
                name = f"{label.value.lower()}_{f}"
                put(name, at(frame, pd.to_numeric(frame[f], errors="coerce")))

    prior_default, prior_overdue = _loan_features(snapshot, pg, put, num)
    _guarantee_features(snapshot, pg, put, num, cfg.ratio_cap)
    event_default = _event_features(snapshot, pg, put, num, cfg)
    prior_default = prior_default | event_default
    put("prior_default", prior_default.astype(float))

    for name, rel in pg.relations.items():
        put(f"deg_{name}", _log1p(np.bincount(rel.dst, minlength=num)), "structure")
    frame = pd.DataFrame(cols)
    for c in _CATEGORICAL:
        frame[c] = cat[c]
        groups[c] = "own"
    return RawFeatures(frame, groups, _CATEGORICAL, prior_default, prior_overdue)


def _loan_features(snapshot: Snapshot, pg: PartyGraph, put: Any,
                   num: int) -> tuple[np.ndarray, np.ndarray]:
    b = snapshot.edges.get(RelType.BORROWS)
    loans = snapshot.props.get(Label.LOAN)
    prior_default = np.zeros(num, bool)
    prior_overdue = np.zeros(num, bool)
    if b is None or loans is None or not len(b):
        for c in ("loans_active", "loans_closed", "log_outstanding", "loans_overdue",
                  "loans_default", "overdue_share", "log_max_overdue_days"):
            put(c, np.zeros(num))
        return prior_default, prior_overdue
    ok = b.src < num
    f = loans.loc[b.dst[ok], ["outstanding", "status", "default_date", "overdue_days"]]
    f = f.reset_index(drop=True).assign(party=b.src[ok])
    status = f["status"].fillna("").to_numpy(dtype=object)
    day = snapshot.as_of or "9999-12-31"
    dd = f["default_date"].fillna("").to_numpy(dtype=object).astype(str)
    is_default = (status == "default") | ((dd != "") & (dd <= day))
    is_overdue = status == "overdue"
    active = (status != "closed") & (status != "")
    outstanding = np.nan_to_num(f["outstanding"].to_numpy(dtype=float))
    days = pd.to_numeric(f["overdue_days"], errors="coerce").fillna(0).to_numpy(dtype=float)
    party = f["party"].to_numpy()

    def total(w: np.ndarray) -> np.ndarray:
        return np.bincount(party, weights=np.asarray(w, dtype=float), minlength=num)

    out_all = total(outstanding * active)
    late = total(outstanding * (is_default | is_overdue))
    put("loans_active", _log1p(total(active)))
    put("loans_closed", _log1p(total(status == "closed")))
    put("log_outstanding", _log1p(out_all))
    put("loans_overdue", _log1p(total(is_overdue)))
    put("loans_default", _log1p(total(is_default)))
    put("overdue_share", np.where(out_all > 0, late / np.maximum(out_all, 1.0), 0.0))
    max_days = np.zeros(num)
    np.maximum.at(max_days, party, days)
    put("log_max_overdue_days", _log1p(max_days))
    prior_default = total(is_default) > 0
    prior_overdue = (total(is_overdue) > 0) | (max_days > 0)
    return prior_default, prior_overdue


def _guarantee_features(snapshot: Snapshot, pg: PartyGraph, put: Any, num: int,
                        cap: float) -> None:
    g = snapshot.edges.get(RelType.GUARANTEES)
    if g is None or not len(g):
        for c in ("guarantees_given", "log_guaranteed", "guarantee_burden", "guarantees_received",
                  "secured_share"):
            put(c, np.zeros(num), "structure")
        return
    amount = np.nan_to_num(g.props["amount"].to_numpy(dtype=float))
    ok = g.src < num
    given = np.bincount(g.src[ok], weights=amount[ok], minlength=num)
    na = net_assets(snapshot, num)
    put("guarantees_given", _log1p(np.bincount(g.src[ok], minlength=num)), "structure")
    put("log_guaranteed", _log1p(given), "structure")
    with np.errstate(divide="ignore", invalid="ignore"):
        burden = np.where(na > 0, np.log1p(np.minimum(given / na, cap)), np.nan)
    put("guarantee_burden", np.where(given > 0, burden, 0.0), "structure")
    rel = pg.relations["guaranteed_by"]  # borrower -> guarantor, one per guarantee and borrower
    put("guarantees_received", _log1p(np.bincount(rel.src, minlength=num)), "structure")
    b = snapshot.edges.get(RelType.BORROWS)
    loans = snapshot.props.get(Label.LOAN)
    if b is None or loans is None or not len(b):
        put("secured_share", np.zeros(num), "structure")
        return
    covered = pd.Series(amount).groupby(g.dst).sum()
    bo = b.src < num
    loan_nodes = b.dst[bo]
    outstanding = np.nan_to_num(loans.loc[loan_nodes, "outstanding"].to_numpy(dtype=float))
    cov = np.minimum(covered.reindex(loan_nodes).fillna(0).to_numpy(), outstanding)
    sec = np.bincount(b.src[bo], weights=cov, minlength=num)
    tot = np.bincount(b.src[bo], weights=outstanding, minlength=num)
    put("secured_share", np.where(tot > 0, sec / np.maximum(tot, 1.0), 0.0), "structure")


def _event_features(snapshot: Snapshot, pg: PartyGraph, put: Any, num: int,
                    cfg: FeatureConfig) -> np.ndarray:
    e = snapshot.edges.get(RelType.HAS_EVENT)
    events = snapshot.props.get(Label.EVENT)
    day = snapshot.as_of or "9999-12-31"
    if e is None or events is None or not len(e):
        kinds, party, dates = np.zeros(0, object), np.zeros(0, np.int64), np.zeros(0, object)
    else:
        ok = e.src < num
        f = events.loc[e.dst[ok], ["date", "kind"]]
        kinds = f["kind"].fillna("").to_numpy(dtype=object)
        dates = f["date"].fillna("").to_numpy(dtype=object).astype(str)
        party = e.src[ok]
    past = dates <= day
    recent_from = (date.fromisoformat(day) - timedelta(days=cfg.recent_days)).isoformat() \
        if snapshot.as_of else "0000-00-00"
    recent = past & (dates > recent_from)
    for kind in EVENT_KINDS:
        sel = (kinds == kind) & past
        put(f"events_{kind}", _log1p(np.bincount(party[sel], minlength=num)))
        sel_r = (kinds == kind) & recent
        put(f"events_{kind}_recent", _log1p(np.bincount(party[sel_r], minlength=num)))
    return np.bincount(party[(kinds == "default") & past], minlength=num) > 0


@dataclass(frozen=True)
class FeatureSpec:
    """How raw features become the model's input matrix; fitted once, stored with the model.

    ``columns``: the numeric columns in order; ``center``/``scale`` their robust location and
    scale; ``flags``: columns passed through unscaled (0/1 values); ``missing``: columns that get
    a missing indicator; ``sparse``: columns whose IQR is 0 (mostly one value), which get an
    "active" indicator beside their scaled magnitude; ``vocab``: the kept values per
    categorical column.
    """

    columns: tuple[str, ...]
    groups: tuple[str, ...]
    center: tuple[float, ...]
    scale: tuple[float, ...]
    flags: tuple[str, ...]
    missing: tuple[str, ...]
    vocab: dict[str, tuple[str, ...]]
    clip: float
    sparse: tuple[str, ...] = ()

    @classmethod
    def fit(cls, raw: RawFeatures, cfg: FeatureConfig) -> FeatureSpec:
        numeric = [c for c in raw.groups if c not in raw.categorical]
        center, scale, flags, missing, sparse = [], [], [], [], []
        for c in numeric:
            x = raw.frame[c].to_numpy(dtype=float)
            finite = x[np.isfinite(x)]
            if np.isnan(x).any():
                missing.append(c)
            if len(finite) and np.isin(finite, (0.0, 1.0)).all():
                flags.append(c)
                center.append(0.0)
                scale.append(1.0)
                continue
            med = float(np.median(finite)) if len(finite) else 0.0
            q1, q3 = (np.percentile(finite, [25, 75]) if len(finite) else (0.0, 0.0))
            s = float(q3 - q1) / _IQR_TO_SIGMA
            if not s > 1e-9:
                # a sparse column (most values equal: no overdue days, no lawsuit): scale by
                # the RMS deviation of the values that differ, so they spread over O(1)
                # instead of all clipping to the same extreme
                active = finite[finite != med]
                s = float(np.sqrt(np.mean((active - med) ** 2))) if len(active) else 0.0
                sparse.append(c)
            center.append(med)
            scale.append(s if s > 1e-9 else 1.0)
        vocab: dict[str, tuple[str, ...]] = {}
        for c in raw.categorical:
            counts = pd.Series(raw.frame[c]).dropna().value_counts()
            counts = counts[counts >= cfg.min_category_count]
            vocab[c] = tuple(sorted(str(v) for v in counts.index[:cfg.max_categories]))
        return cls(tuple(numeric), tuple(raw.groups[c] for c in numeric), tuple(center),
                   tuple(scale), tuple(flags), tuple(missing), vocab, cfg.clip_sigma,
                   tuple(sparse))

    @property
    def names(self) -> list[str]:
        """The output columns of :meth:`transform`, in order."""
        return [name for name, _ in self._outputs()]

    def _outputs(self) -> list[tuple[str, str]]:
        """(output column, its group) in order: the numeric columns, their missing flags, the
        active flags of sparse columns, the one-hot categories (own)."""
        group = dict(zip(self.columns, self.groups, strict=True))
        out = [(c, group[c]) for c in self.columns]
        out += [(f"{c}_missing", group[c]) for c in self.missing]
        out += [(f"{c}_active", group[c]) for c in self.sparse]
        for c, values in self.vocab.items():
            out += [(f"{c}={v}", "own") for v in values] + [(f"{c}=other", "own")]
        return out

    def group_mask(self, groups: tuple[str, ...]) -> np.ndarray:
        """Which output columns belong to the given groups."""
        return np.array([g in groups for _, g in self._outputs()], dtype=bool)

    def transform(self, raw: RawFeatures) -> np.ndarray:
        """The scaled ``(P, len(names))`` float32 matrix (NaN-free)."""
        n = len(raw.frame)
        parts = []
        flags = set(self.flags)
        for c, mu, s in zip(self.columns, self.center, self.scale, strict=True):
            x = (raw.frame[c].to_numpy(dtype=float) if c in raw.frame.columns
                 else np.full(n, np.nan))
            if c not in flags:
                x = np.clip((x - mu) / s, -self.clip, self.clip)
            parts.append(np.nan_to_num(x, nan=0.0))
        for c in self.missing:
            x = (raw.frame[c].to_numpy(dtype=float) if c in raw.frame.columns
                 else np.full(n, np.nan))
            parts.append(np.isnan(x).astype(float))
        for c, mu in zip(self.sparse, (self.center[self.columns.index(c)]
                                       for c in self.sparse), strict=True):
            x = (raw.frame[c].to_numpy(dtype=float) if c in raw.frame.columns
                 else np.full(n, np.nan))
            parts.append((np.isfinite(x) & (x != mu)).astype(float))
        for c, values in self.vocab.items():
            col = (pd.Series(raw.frame[c]).astype(object).to_numpy() if c in raw.frame.columns
                   else np.full(n, None, object))
            known = np.zeros(n, bool)
            for v in values:
                hit = col == v
                known |= hit
                parts.append(hit.astype(float))
            present = pd.notna(col)
            parts.append((present & ~known).astype(float))
        return np.column_stack(parts).astype(np.float32) if parts else np.zeros((n, 0), np.float32)

    def to_dict(self) -> dict[str, Any]:
        return {"columns": list(self.columns), "groups": list(self.groups),
                "center": list(self.center), "scale": list(self.scale), "flags": list(self.flags),
                "missing": list(self.missing), "vocab": {k: list(v) for k, v in self.vocab.items()},
                "clip": self.clip, "sparse": list(self.sparse)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureSpec:
        return cls(tuple(d["columns"]), tuple(d["groups"]), tuple(d["center"]),
                   tuple(d["scale"]), tuple(d["flags"]), tuple(d["missing"]),
                   {k: tuple(v) for k, v in d["vocab"].items()}, float(d["clip"]),
                   tuple(d.get("sparse", ())))
