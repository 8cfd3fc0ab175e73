"""Reading the raw tables of a portfolio folder, before any row rule is applied.

A table is ``<stem>.csv`` or ``<stem>.parquet``. Every cell is read as text (empty string for
a missing value), so that validation sees exactly what the file says and can name the column
of a bad value. Whole-file problems are :class:`PortfolioError`: an encoding other than UTF-8
(with or without BOM), an unknown column, a missing required column, two files for one table.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from ingest.schema import TABLES, TableSpec
from riskgraph.errors import PortfolioError

__all__ = ["Manifest", "RawTable", "read_manifest", "read_table", "table_path"]


@dataclass(frozen=True)
class Manifest:
    name: str
    as_of: date | None
    currency: str


@dataclass(frozen=True)
class RawTable:
    """One table as read: every column as text, ``line`` the file line of each row (header = 1)."""

    spec: TableSpec
    file: str  # the file name, as reported in rejects
    frame: pd.DataFrame  # str columns, "" for missing
    line: pd.Series  # int64, aligned with frame
    feature_columns: tuple[str, ...]


def read_manifest(folder: Path) -> Manifest | None:
    path = folder / "manifest.json"
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PortfolioError("manifest.json", f"not valid UTF-8 JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise PortfolioError("manifest.json", "must be a JSON object")
    as_of = None
    if data.get("as_of"):
        try:
            as_of = date.fromisoformat(str(data["as_of"]))
        except ValueError as exc:
            raise PortfolioError(
                "manifest.json", f"as_of {data['as_of']!r} is not YYYY-MM-DD"
            ) from exc
    return Manifest(str(data.get("name", folder.name)), as_of, str(data.get("currency", "CNY")))


def table_path(folder: Path, stem: str) -> Path | None:
    found = [p for p in (folder / f"{stem}.csv", folder / f"{stem}.parquet") if p.exists()]
    if len(found) > 1:
        raise PortfolioError(f"{stem}.csv", f"both {stem}.csv and {stem}.parquet exist: keep one")
    return found[0] if found else None


def read_table(folder: Path, stem: str) -> RawTable | None:
    """Read one table, or None when its file is absent (an error if the table is required)."""
    spec = TABLES[stem]
    path = table_path(folder, stem)
    if path is None:
        if spec.required:
            raise PortfolioError(f"{stem}.csv", "required table is missing")
        return None
    frame = _read_csv(path) if path.suffix == ".csv" else _read_parquet(path)
    features = _check_header(path.name, spec, list(frame.columns))
    for col in spec.column_names:  # optional columns absent from the file read as empty
        if col not in frame.columns:
            frame[col] = ""
    frame = frame[[*spec.column_names, *features]]
    line = pd.Series(range(2, len(frame) + 2), dtype="int64", index=frame.index)
    return RawTable(spec, path.name, frame, line, features)


def _check_header(file: str, spec: TableSpec, columns: list[str]) -> tuple[str, ...]:
    known = set(spec.column_names)
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise PortfolioError(file, f"column(s) {', '.join(dupes)} appear more than once")
    unknown = [c for c in columns if c not in known and not c.startswith("f_")]
    if unknown:
        raise PortfolioError(
            file,
            f"unknown column(s) {', '.join(unknown)}; allowed: {', '.join(spec.column_names)}"
            + (" and numeric f_* features" if spec.allows_features else ""),
        )
    features = tuple(c for c in columns if c.startswith("f_"))
    if features and not spec.allows_features:
        raise PortfolioError(
            file,
            f"feature column(s) {', '.join(features)} are only allowed on enterprises and persons",
        )
    missing = [c.name for c in spec.columns if c.required and c.name not in columns]
    if missing:
        raise PortfolioError(file, f"required column(s) {', '.join(missing)} missing")
    return features


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PortfolioError(
            path.name, f"not UTF-8 (byte {exc.start} is invalid); re-save the file as UTF-8"
        ) from exc
    if not text.strip():
        raise PortfolioError(path.name, "file is empty: it needs at least a header row")
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skipinitialspace=False,
            engine="c",
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        raise PortfolioError(path.name, f"not a readable CSV file ({exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types; all mean "unreadable file"
        raise PortfolioError(path.name, f"not a readable Parquet file ({exc})") from exc
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for col in frame.columns:
        out[str(col)] = _parquet_column_as_text(frame[col])
    return out


def _parquet_column_as_text(col: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(col):
        return col.dt.strftime("%Y-%m-%d").fillna("")
    if col.dtype == object:
        sample = col.dropna()
        if len(sample) and isinstance(sample.iloc[0], date):
            return col.map(lambda v: v.isoformat() if isinstance(v, date) else "")
    if pd.api.types.is_float_dtype(col):
        text = col.map(repr).astype(str)
        return text.where(col.notna(), "")
    return col.astype("string").fillna("").astype(str)
