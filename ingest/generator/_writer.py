"""Writing the tables: CSV (UTF-8, header row, ``\\n`` line ends, an empty cell for a missing
value, no quotes: no generated value holds a comma, quote or line break) or Parquet (typed:
``date32`` dates, ``int64`` money and counts, ``double`` ratios and features, strings). Rows are
sorted by each table's key so that the files carry no trace of the order things were generated
in. The same tables give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

__all__ = ["Columns", "write_labels", "write_manifest", "write_table"]

Columns = dict[str, np.ndarray | pd.api.extensions.ExtensionArray]
_EXTENSIONS = {"csv": ".csv", "parquet": ".parquet"}


def _arrow(columns: Columns, keys: Sequence[str]) -> pa.Table:
    arrays = {}
    for name, values in columns.items():
        if isinstance(values, np.ndarray) and values.dtype == object:
            arrays[name] = pa.array(values, type=pa.string())
        else:
            arrays[name] = pa.array(values)
    return pa.table(arrays).sort_by([(k, "ascending") for k in keys])


def _write_csv(table: pa.Table, path: Path) -> None:
    with path.open("wb") as fh:
        fh.write((",".join(table.column_names) + "\n").encode("utf-8"))
        pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False, quoting_style="none"))


def write_table(folder: Path, stem: str, columns: Columns, keys: Sequence[str],
                file_format: str) -> Path:
    """Write one table, sorted by ``keys``; remove a stale file of the other format."""
    table = _arrow(columns, keys)
    for fmt, ext in _EXTENSIONS.items():
        if fmt != file_format:
            (folder / f"{stem}{ext}").unlink(missing_ok=True)
    path = folder / f"{stem}{_EXTENSIONS[file_format]}"
    if file_format == "csv":
        _write_csv(table, path)
    else:
        pq.write_table(table, path, compression="zstd")
    return path


def write_manifest(folder: Path, name: str, as_of: str) -> Path:
    path = folder / "manifest.json"
    text = json.dumps({"name": name, "as_of": as_of, "currency": "CNY"}, ensure_ascii=False,
                      indent=2)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def write_labels(path: Path, entity_id: np.ndarray, defaulted: np.ndarray,
                 default_date: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = _arrow({"entity_id": entity_id, "defaulted": defaulted.astype(np.int64),
                    "default_date": default_date}, ["entity_id"])
    _write_csv(table, path)
    return path
