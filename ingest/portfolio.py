"""Reading and validating a whole portfolio folder into typed, pseudonymised tables.

:func:`validate_portfolio` is the one entry point: it reads every table, applies every rule of
the format (see :mod:`ingest.validate`), replaces personal ids by keyed hashes, and returns a
:class:`ValidatedPortfolio` holding the accepted rows and the :class:`IngestReport`. A file that
cannot be read at all stops the whole portfolio (nothing is loaded) with a
:class:`~riskgraph.errors.PortfolioError` naming every such file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingest.pseudonymise import Pseudonymiser, mask_ids
from ingest.reader import read_manifest, read_table
from ingest.report import REJECT_COLUMNS, FileError, FileSummary, IngestReport, LoadWarning
from ingest.schema import TABLE_ORDER, ColumnKind
from ingest.validate import (
    TableCheck,
    arrow_text,
    check_local,
    check_references,
    isin,
    looks_like_resident_id,
    mark_cross_table_duplicates,
)
from riskgraph.errors import PortfolioError

__all__ = ["ValidatedPortfolio", "validate_portfolio"]

# Columns that may hold a person's id (and so are hashed on the way in)
_PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "persons": ("person_id",),
    "positions": ("person_id",),
    "shareholdings": ("holder_id",),
    "family": ("person_id", "relative_id"),
    "loans": ("borrower_id",),
    "guarantees": ("guarantor_id",),
    "contacts": ("owner_id",),
    "events": ("entity_id",),
}


@dataclass(frozen=True)
class ValidatedPortfolio:
    """The accepted rows of every table, typed, with person ids replaced by person keys.

    ``tables[name]`` has the format's columns (plus ``f_*`` features, and ``id_masked`` on
    persons); text is held in Arrow (the ``str`` dtype), numbers as ``float64``/``Int64``; empty
    optional values are missing (``NaN``/``<NA>``). ``retained[name]`` holds the key columns
    (person ids hashed, plain Python text) of rows that were rejected: their relations already
    in a store must be kept as they are, not ended.
    """

    name: str
    as_of: date
    currency: str
    tables: dict[str, pd.DataFrame]
    retained: dict[str, pd.DataFrame]
    features: dict[str, tuple[str, ...]]
    report: IngestReport


def validate_portfolio(
    folder: Path,
    pseudonymiser: Pseudonymiser,
    *,
    as_of: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> ValidatedPortfolio:
    folder = Path(folder)
    if not folder.is_dir():
        raise PortfolioError(str(folder), "not a folder: give the portfolio folder")
    step = progress or (lambda _msg: None)
    manifest = read_manifest(folder)
    if manifest and manifest.as_of and as_of and manifest.as_of != as_of:
        raise PortfolioError(
            "manifest.json",
            f"as_of {manifest.as_of} differs from the --as-of {as_of} given: drop one",
        )
    effective = as_of or (manifest.as_of if manifest else None)
    if effective is None:
        raise PortfolioError(
            "manifest.json",
            "no as_of: add manifest.json with an as_of date, or pass --as-of YYYY-MM-DD",
        )
    name = manifest.name if manifest else folder.name

    raws, errors = {}, []
    for stem in TABLE_ORDER:
        step(f"reading {stem}")
        try:
            raw = read_table(folder, stem)
        except PortfolioError as exc:
            errors.append(exc)
            continue
        if raw is not None:
            raws[stem] = raw
    if errors:
        report = IngestReport(
            name, effective.isoformat(), errors=[FileError(e.file, e.reason) for e in errors]
        )
        failure = PortfolioError(errors[0].file, errors[0].reason, others=tuple(errors[1:]))
        failure.report = report  # type: ignore[attr-defined]
        raise failure

    checks: dict[str, TableCheck] = {}
    for stem in TABLE_ORDER:
        if stem not in raws:
            continue
        step(f"validating {stem}")
        checks[stem] = check_local(raws[stem], effective)
        if stem == "persons":
            mark_cross_table_duplicates(checks["enterprises"], checks["persons"])
        if stem in ("enterprises", "persons"):
            continue
        check_references(checks[stem], checks)  # targets come earlier in TABLE_ORDER

    step("pseudonymising personal ids")
    person_ids = checks["persons"].values["person_id"]
    person_keys = _PersonKeys.of(person_ids, pseudonymiser)
    enterprise_ids = checks["enterprises"].values["enterprise_id"]
    tables = {
        stem: _accepted(chk, pseudonymiser, person_keys, enterprise_ids)
        for stem, chk in checks.items()
    }
    retained = {
        stem: _retained(chk, pseudonymiser, person_keys, enterprise_ids)
        for stem, chk in checks.items()
    }
    report = IngestReport(name, effective.isoformat())
    report.rejects = pd.concat(
        [_rejects(chk, person_ids, enterprise_ids) for chk in checks.values()], ignore_index=True
    )
    for stem, chk in checks.items():
        reasons = pd.Series(chk.reason[~chk.ok])
        report.files[stem] = FileSummary(
            int(chk.ok.sum()),
            int((~chk.ok).sum()),
            {str(k): int(v) for k, v in reasons.value_counts().sort_index().items()},
        )
    report.warnings = _warnings(tables)
    features = {stem: raws[stem].feature_columns for stem in ("enterprises", "persons")}
    return ValidatedPortfolio(
        name,
        effective,
        manifest.currency if manifest else "CNY",
        tables,
        retained,
        features,
        report,
    )


@dataclass(frozen=True)
class _PersonKeys:
    """Every resident id of the persons table (``ids``, distinct) and its person key."""

    ids: pa.Array
    keys: pa.Array

    @classmethod
    def of(cls, person_ids: pd.Series, p: Pseudonymiser) -> _PersonKeys:
        ids = pc.unique(arrow_text(person_ids).combine_chunks())
        keys = p.keys(pd.Series(ids.to_pylist(), dtype=object))
        return cls(ids, arrow_text(keys).combine_chunks())


def _typed(chk: TableCheck, rows: np.ndarray) -> pd.DataFrame:
    out = pd.DataFrame(index=pd.RangeIndex(int(rows.sum())))
    for name in chk.values.columns:
        kind = chk.spec.column(name).kind if name in chk.spec.column_names else ColumnKind.FEATURE
        if name in chk.numbers:
            num = chk.numbers[name][rows].reset_index(drop=True)
            out[name] = num.astype("Int64") if kind is ColumnKind.COUNT else num
        else:
            text = chk.values[name][rows].reset_index(drop=True)
            out[name] = text.where(text != "")  # Arrow text, empty -> missing
    return out


def _hash_person_columns(
    frame: pd.DataFrame,
    stem: str,
    p: Pseudonymiser,
    person_keys: _PersonKeys,
    enterprise_ids: pd.Series,
) -> pd.DataFrame:
    """Replace person ids by person keys (the persons table's ids; matched in Arrow).

    Values that are no person of the table (only in rejected rows) are hashed too when they
    look like a resident id and are not an enterprise id: an all-digit USCC looks the same."""
    for col in _PERSON_COLUMNS.get(stem, ()):
        if col not in frame.columns or frame.empty:
            continue
        values = arrow_text(frame[col])
        hashed = person_keys.keys.take(pc.index_in(values, value_set=person_keys.ids))
        missing = np.asarray(hashed.is_null(), dtype=bool) & np.asarray(values.is_valid())
        if stem != "persons" and missing.any():  # rejected rows may name unknown persons
            shaped = (
                missing
                & np.asarray(
                    pc.match_substring_regex(values, r"^\d{17}[\dX]$").fill_null(False),
                    dtype=bool,
                )
                & ~isin(values, enterprise_ids)
            )
            if shaped.any():
                at = np.flatnonzero(shaped)
                extra = np.full(len(frame), None, dtype=object)
                extra[at] = p.keys(pd.Series(values.take(at).to_pylist(), dtype=object)).to_numpy()
                hashed = pc.coalesce(hashed, arrow_text(extra))
        frame[col] = pd.Series(pc.coalesce(hashed, values).to_pandas().array, index=frame.index)
    return frame


def _accepted(
    chk: TableCheck, p: Pseudonymiser, person_keys: _PersonKeys, enterprise_ids: pd.Series
) -> pd.DataFrame:
    frame = _typed(chk, chk.ok)
    if chk.spec.name == "persons":
        frame.insert(2, "id_masked", mask_ids(frame["person_id"]).to_numpy())
    return _hash_person_columns(frame, chk.spec.name, p, person_keys, enterprise_ids)


def _retained(
    chk: TableCheck, p: Pseudonymiser, person_keys: _PersonKeys, enterprise_ids: pd.Series
) -> pd.DataFrame:
    keys = list(chk.spec.key)
    bad = ~chk.ok
    frame = chk.values.loc[bad, keys].reset_index(drop=True)
    present = (frame[[k for k in keys if chk.spec.column(k).required]] != "").all(axis=1)
    frame = frame[present].reset_index(drop=True).astype(object)
    frame = _hash_person_columns(frame, chk.spec.name, p, person_keys, enterprise_ids)
    return frame.astype(object)  # a few rows: plain Python text


def _rejects(chk: TableCheck, person_ids: pd.Series, enterprise_ids: pd.Series) -> pd.DataFrame:
    bad = ~chk.ok
    key_col = chk.spec.key[0]
    keys = chk.values.loc[bad, key_col].astype(object)
    personal = pd.Series(isin(keys, person_ids), index=keys.index) | (
        ~pd.Series(isin(keys, enterprise_ids), index=keys.index)
        & keys.map(looks_like_resident_id).astype(bool)
    )
    if chk.spec.name == "persons":
        personal[:] = True
    keys = keys.where(~personal, mask_ids(keys))
    return pd.DataFrame(
        {
            "file": chk.raw.file,
            "line": chk.raw.line[bad].to_numpy(),
            "column": chk.column[bad],
            "reason": chk.reason[bad],
            "key": keys.to_numpy(),
        },
        columns=REJECT_COLUMNS,
    )


def _warnings(tables: dict[str, pd.DataFrame]) -> list[LoadWarning]:
    holdings = tables.get("shareholdings")
    if holdings is None or holdings.empty:
        return []
    totals = holdings.groupby("enterprise_id")["ratio"].sum()
    over = totals[totals > 1 + 1e-9]
    return [
        LoadWarning(
            "shareholdings",
            str(eid),
            "shareholding_over_100pct",
            f"shares held in {eid} add up to {total:.4f} (> 1)",
        )
        for eid, total in over.sort_index().items()
    ]
