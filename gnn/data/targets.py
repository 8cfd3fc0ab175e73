"""Targets: a bank's default history (the labels file) aligned to the parties, and the split.

The labels file has the columns ``entity_id,defaulted,default_date`` (CSV, UTF-8). An entity it
does not list is *unlabelled*, never a negative. ``entity_id`` is an enterprise's USCC, a
person's key (``P`` + 32 hex), or a person's resident id, which is pseudonymised with the
store's secret before matching (so the file may come straight from the bank's systems).

A listed party is a *target* of "new default within the horizon" unless it defaulted before
``as_of`` (``prior_default``, from the portfolio itself, or a ``default_date`` on or before
``as_of`` in the file): such parties cannot default anew and are left out, counted. A
``defaulted = 1`` whose ``default_date`` lies after ``as_of + horizon_days`` is a negative for
this horizon, counted.

The split is stratified by label and seeded: the same labels, targets and seed give the same
train / validation / test sets.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from gnn.config import SplitConfig
from riskgraph.errors import PortfolioError

__all__ = ["LabelSet", "Split", "Targets", "align_labels", "read_labels", "split_targets"]

_RESIDENT_ID = re.compile(r"^\d{17}[\dXx]$")
_COLUMNS = ("entity_id", "defaulted", "default_date")


@dataclass(frozen=True, eq=False)
class LabelSet:
    """The rows of a labels file (``ids`` already matched to person keys where needed)."""

    ids: np.ndarray  # object
    defaulted: np.ndarray  # int8, 0/1
    default_date: np.ndarray  # object: ISO text or None
    source: str
    sha256: str


def read_labels(path: Path) -> LabelSet:
    """Read and check a labels file (raises :class:`PortfolioError` with what to fix)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise PortfolioError(str(path), f"cannot read the labels file: {exc}") from exc
    missing = [c for c in _COLUMNS[:2] if c not in frame.columns]
    if missing:
        raise PortfolioError(str(path), f"labels need the columns {', '.join(_COLUMNS)}; "
                             f"missing {', '.join(missing)}")
    flag = frame["defaulted"].str.strip()
    bad = ~flag.isin(["0", "1"])
    if bad.any():
        line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise PortfolioError(str(path), f"line {line}: defaulted must be 0 or 1, not "
                             f"{frame['defaulted'].iloc[line - 2]!r}")
    ids = frame["entity_id"].str.strip()
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        raise PortfolioError(str(path), f"entity {dup!r} is listed more than once")
    dates = (frame["default_date"].str.strip() if "default_date" in frame.columns
             else pd.Series([""] * len(frame)))
    return LabelSet(ids.to_numpy(dtype=object), flag.astype(int).to_numpy(dtype=np.int8),
                    dates.where(dates != "", None).to_numpy(dtype=object), str(path),
                    hashlib.sha256(raw).hexdigest())


@dataclass(frozen=True, eq=False)
class Targets:
    """Per party: ``y`` (1, 0, or NaN where not a target) and what happened to the file's rows.

    ``counts``: ``listed`` rows, ``matched`` to a party, ``unmatched``, ``prior_default``
    (left out: defaulted before ``as_of``), ``beyond_horizon`` (a later default: negative here),
    ``targets`` and ``positives``.
    """

    y: np.ndarray  # float (P,), NaN where not a target
    counts: dict[str, int]

    @property
    def mask(self) -> np.ndarray:
        return ~np.isnan(self.y)


def align_labels(labels: LabelSet, party_ids: np.ndarray, prior_default: np.ndarray,
                 as_of: str | None, horizon_days: int,
                 person_key: Callable[[str], str] | None = None) -> Targets:
    """Match the file's ids to parties and build the targets (see the module docstring)."""
    index = pd.Series(np.arange(len(party_ids)), index=pd.Index(party_ids, dtype=object))
    index = index[~index.index.duplicated()]
    ids = pd.Series(labels.ids, dtype=object)
    pos = index.reindex(ids.to_numpy()).to_numpy(dtype=float, copy=True)
    if person_key is not None:
        retry = np.isnan(pos) & ids.str.match(_RESIDENT_ID).to_numpy()
        if retry.any():
            keys = [person_key(v.upper()) for v in ids[retry]]
            pos[retry] = index.reindex(keys).to_numpy()
    matched = ~np.isnan(pos)
    node = pos[matched].astype(np.int64)
    flag = labels.defaulted[matched].astype(float)
    when = pd.Series(labels.default_date[matched], dtype=object).fillna("").to_numpy(dtype=str)
    day = as_of or "9999-12-31"
    end = ((date.fromisoformat(as_of) + timedelta(days=horizon_days)).isoformat()
           if as_of else "9999-12-31")
    before = (flag == 1) & (when != "") & (when <= day)
    later = (flag == 1) & (when != "") & (when > end)
    flag = np.where(later, 0.0, flag)
    excluded = prior_default[node] | before
    y = np.full(len(party_ids), np.nan)
    y[node[~excluded]] = flag[~excluded]
    counts = {"listed": len(ids), "matched": int(matched.sum()),
              "unmatched": int((~matched).sum()), "prior_default": int(excluded.sum()),
              "beyond_horizon": int(later.sum()), "targets": int((~excluded).sum()),
              "positives": int(flag[~excluded].sum())}
    return Targets(y, counts)


@dataclass(frozen=True, eq=False)
class Split:
    """Party numbers of the train, validation and test targets (sorted)."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    def part(self, name: str) -> np.ndarray:
        return {"train": self.train, "val": self.val, "test": self.test}[name]


def split_targets(targets: Targets, cfg: SplitConfig) -> Split:
    """Stratified by label, seeded (see the module docstring)."""
    rng = np.random.default_rng(cfg.seed)
    parts: list[list[np.ndarray]] = [[], [], []]
    for value in (0.0, 1.0):
        idx = np.flatnonzero(targets.y == value)
        idx = idx[rng.permutation(len(idx))]
        n_train = int(round(cfg.train * len(idx)))
        n_val = int(round(cfg.val * len(idx)))
        parts[0].append(idx[:n_train])
        parts[1].append(idx[n_train:n_train + n_val])
        parts[2].append(idx[n_train + n_val:])
    train, val, test = (np.sort(np.concatenate(p)) for p in parts)
    return Split(train, val, test)
