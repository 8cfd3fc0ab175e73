"""The ingest report: what was accepted, what was rejected and why, warnings, file errors.

Written by ``--report DIR`` as ``rejects.csv`` (``file,line,column,reason,key``, for people),
``rejects.json`` (the same rows, for machines) and ``summary.json``::

    {"portfolio": ..., "as_of": ..., "files": {"loans": {"accepted": n, "rejected": n,
     "by_reason": {...}}, ...}, "warnings": [...], "errors": [{"file": ..., "reason": ...}]}

``line`` counts the header as line 1. ``key`` is the rejected row's own id (``loan_id``, ...)
or, for tables without one, the first id it references; a personal id is shown masked.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["FileError", "FileSummary", "IngestReport", "LoadWarning", "REJECT_COLUMNS"]

REJECT_COLUMNS = ["file", "line", "column", "reason", "key"]


@dataclass(frozen=True)
class FileSummary:
    accepted: int
    rejected: int
    by_reason: dict[str, int]


@dataclass(frozen=True)
class LoadWarning:
    file: str
    key: str
    reason: str
    detail: str


@dataclass(frozen=True)
class FileError:
    file: str
    reason: str


@dataclass
class IngestReport:
    portfolio: str
    as_of: str | None
    files: dict[str, FileSummary] = field(default_factory=dict)
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    warnings: list[LoadWarning] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(f.accepted for f in self.files.values())

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files.values())

    def summary(self) -> dict[str, object]:
        return {
            "portfolio": self.portfolio,
            "as_of": self.as_of,
            "files": {name: asdict(s) for name, s in self.files.items()},
            "warnings": [asdict(w) for w in self.warnings],
            "errors": [asdict(e) for e in self.errors],
        }

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        rejects = self.rejects[REJECT_COLUMNS]
        rejects.to_csv(folder / "rejects.csv", index=False, encoding="utf-8")
        (folder / "rejects.json").write_text(
            json.dumps(rejects.to_dict(orient="records"), ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
        (folder / "summary.json").write_text(
            json.dumps(self.summary(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
