"""Row rules of the portfolio format, applied column by column with vectorised pandas.

Each table goes through three passes, and a row keeps the reason of the first rule it breaks:

1. *row-local* rules in the order of :class:`~ingest.schema.Reason` (missing value, bad id,
   unknown enum value, bad number or date, negative money, ratio outside (0, 1], a date after
   ``as_of``, a self-loop, a default date that does not match the status);
2. *duplicate keys*: every row sharing a key is rejected (none of them can be trusted); an id in
   both entity tables is rejected in both;
3. *references*, once the referenced tables are done: an id that no row had is an
   ``unknown_reference``, an id whose row was rejected is a ``rejected_reference``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingest.arrow import arrow_text
from ingest.ids import valid_resident_ids, valid_usccs
from ingest.reader import RawTable
from ingest.schema import ColumnKind, Reason, TableSpec

__all__ = [
    "TableCheck",
    "arrow_text",
    "check_local",
    "check_references",
    "isin",
    "mark_cross_table_duplicates",
]

_DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
_RESIDENT_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")


@dataclass
class TableCheck:
    """A table under validation: its typed values and, per row, the first reason and column."""

    raw: RawTable
    values: pd.DataFrame  # stripped text; ids in canonical form
    numbers: dict[str, pd.Series]  # parsed numeric columns (NaN where empty or bad)
    reason: np.ndarray  # object: Reason value or None
    column: np.ndarray  # object: column name or None

    @property
    def spec(self) -> TableSpec:
        return self.raw.spec

    @property
    def ok(self) -> np.ndarray:
        return pd.isna(self.reason)

    def flag(self, mask: np.ndarray | pd.Series, reason: Reason, column: str) -> None:
        m = np.asarray(mask, dtype=bool) & self.ok
        self.reason[m] = reason.value
        self.column[m] = column


def check_local(raw: RawTable, as_of: date) -> TableCheck:
    """Pass 1 (row-local rules) and the within-table part of pass 2 (duplicate keys)."""
    spec = raw.spec
    values = raw.frame.apply(lambda s: s.astype(str).str.strip())
    for col in spec.columns:
        if col.kind is ColumnKind.RESIDENT_ID:
            values[col.name] = values[col.name].str.upper()
        elif col.kind is ColumnKind.REF:  # a resident id's check character may be written 'x'
            values[col.name] = values[col.name].str.replace(r"^(\d{17})x$", r"\1X", regex=True)
    n = len(values)
    chk = TableCheck(
        raw, values, {}, np.full(n, None, dtype=object), np.full(n, None, dtype=object)
    )
    empty = {c: (values[c] == "").to_numpy() for c in values.columns}

    for col in spec.columns:
        if col.required:
            chk.flag(empty[col.name], Reason.MISSING_VALUE, col.name)
    for col in spec.columns:
        if col.kind is ColumnKind.USCC:
            chk.flag(~valid_usccs(values[col.name]), Reason.BAD_ID, col.name)
        elif col.kind is ColumnKind.RESIDENT_ID:
            chk.flag(~valid_resident_ids(values[col.name]), Reason.BAD_ID, col.name)
    for col in spec.columns:
        if col.kind is ColumnKind.ENUM:
            chk.flag(
                ~empty[col.name] & ~isin(values[col.name], pd.Series(col.values)),
                Reason.UNKNOWN_ENUM,
                col.name,
            )

    numeric = [
        c.name
        for c in spec.columns
        if c.kind in (ColumnKind.MONEY, ColumnKind.RATIO, ColumnKind.COUNT)
    ]
    numeric += list(raw.feature_columns)
    dates: dict[str, pd.Series] = {}
    for name in [*numeric, *(c.name for c in spec.columns if c.kind is ColumnKind.DATE)]:
        if name in numeric:
            parsed = pd.to_numeric(values[name].where(~empty[name]), errors="coerce")
            parsed = parsed.astype("float64")
            bad = ~empty[name] & ~np.isfinite(parsed.to_numpy())
            kind = spec.column(name).kind if name in spec.column_names else ColumnKind.FEATURE
            if kind is ColumnKind.COUNT:
                bad |= ~empty[name] & np.isfinite(parsed.to_numpy()) & (parsed.to_numpy() % 1 != 0)
            chk.flag(bad, Reason.BAD_NUMBER, name)
            chk.numbers[name] = parsed
        else:
            shaped = values[name].str.match(_DATE_RE).to_numpy(dtype=bool)
            parsed_d = pd.to_datetime(
                values[name].where(shaped), format="%Y-%m-%d", errors="coerce"
            )
            chk.flag(~empty[name] & parsed_d.isna().to_numpy(), Reason.BAD_DATE, name)
            dates[name] = parsed_d

    for col in spec.columns:
        if col.kind in (ColumnKind.MONEY, ColumnKind.COUNT):
            chk.flag(chk.numbers[col.name].to_numpy() < 0, Reason.NEGATIVE_AMOUNT, col.name)
    for col in spec.columns:
        if col.kind is ColumnKind.RATIO:
            r = chk.numbers[col.name].to_numpy()
            chk.flag(~empty[col.name] & ~((r > 0) & (r <= 1)), Reason.RATIO_OUT_OF_RANGE, col.name)
    limit = pd.Timestamp(as_of)
    for col in spec.columns:
        if col.kind is ColumnKind.DATE and col.not_after_as_of:
            chk.flag((dates[col.name] > limit).to_numpy(), Reason.DATE_AFTER_AS_OF, col.name)

    _self_loops(chk)
    if spec.name == "loans":
        is_default = (values["status"] == "default").to_numpy()
        has_date = ~empty["default_date"]
        chk.flag(is_default != has_date, Reason.DEFAULT_DATE_MISMATCH, "default_date")

    key_present = np.logical_and.reduce([~empty[k] for k in spec.key if spec.column(k).required])
    keys = values[list(spec.key)]
    dup = keys.duplicated(keep=False).to_numpy() & key_present
    chk.flag(dup, Reason.DUPLICATE_KEY, spec.key[0])
    return chk


def _self_loops(chk: TableCheck) -> None:
    v = chk.values
    if chk.spec.name == "shareholdings":
        chk.flag((v["holder_id"] == v["enterprise_id"]).to_numpy(), Reason.SELF_LOOP, "holder_id")
    elif chk.spec.name == "family":
        chk.flag((v["person_id"] == v["relative_id"]).to_numpy(), Reason.SELF_LOOP, "relative_id")


def isin(values: pd.Series, pool: pd.Series) -> np.ndarray:
    """``values.isin(pool)`` for text, through Arrow's hash kernel (pandas' own ``isin`` on
    Arrow strings converts the pool value by value, which is slow for large pools)."""
    if len(values) == 0:  # no lookup table to build for nothing
        return np.zeros(0, dtype=bool)
    b = arrow_text(pool).combine_chunks()
    return np.asarray(pc.is_in(arrow_text(values), value_set=b).fill_null(False), dtype=bool)


def mark_cross_table_duplicates(enterprises: TableCheck, persons: TableCheck) -> None:
    """An id in both entity tables is an error: reject it in both."""
    e_ids = enterprises.values["enterprise_id"]
    p_ids = persons.values["person_id"]
    in_both_e = isin(e_ids, p_ids[persons.ok]) & enterprises.ok
    in_both_p = isin(p_ids, e_ids[enterprises.ok]) & persons.ok
    enterprises.flag(in_both_e, Reason.DUPLICATE_KEY, "enterprise_id")
    persons.flag(in_both_p, Reason.DUPLICATE_KEY, "person_id")


def check_references(chk: TableCheck, done: dict[str, TableCheck]) -> None:
    """Pass 3: every reference must name an accepted row of its target table(s)."""
    for ref in chk.spec.references:
        targets = [done[t] for t in ref.targets]
        accepted = [arrow_text(t.values[t.spec.key[0]][t.ok]) for t in targets]
        rejected = [arrow_text(t.values[t.spec.key[0]][~t.ok]) for t in targets]
        n_accepted = sum(len(a) for a in accepted)
        # one lookup in accepted-then-rejected ids: a position past the accepted ones means
        # the id is only among the rejected (the first match wins)
        pool = pa.chunked_array(
            [c for a in (*accepted, *rejected) for c in a.chunks], type=pa.large_string()
        )
        pos = pc.index_in(arrow_text(chk.values[ref.column]), value_set=pool.combine_chunks())
        pos = np.asarray(pos.fill_null(-1), dtype=np.int64)
        in_accepted = (pos >= 0) & (pos < n_accepted)
        chk.flag(pos >= n_accepted, Reason.REJECTED_REFERENCE, ref.column)
        chk.flag(~in_accepted, Reason.UNKNOWN_REFERENCE, ref.column)
    if chk.spec.name == "guarantees":
        loans = done["loans"]
        borrower = pd.Series(
            loans.values["borrower_id"][loans.ok].to_numpy(),
            index=loans.values["loan_id"][loans.ok].to_numpy(),
        )
        own_loan = chk.values["loan_id"].map(borrower) == chk.values["guarantor_id"]
        chk.flag(own_loan.fillna(False).to_numpy(dtype=bool), Reason.SELF_LOOP, "guarantor_id")


def looks_like_resident_id(value: str) -> bool:
    return bool(_RESIDENT_ID_SHAPE.match(value))
