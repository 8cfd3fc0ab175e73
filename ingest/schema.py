"""The tables of a portfolio folder, declared once (see ``shared/portfolio-format.md``).

Every rule the validator enforces is driven from these declarations: which columns a table has,
which are required, what kind of value each holds, which enum values are allowed, which dates
may not lie after the portfolio's ``as_of``, what the table's key is, and what ids it references.
The reason codes a rejected row can get are listed in :class:`Reason`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "ColumnKind",
    "ColumnSpec",
    "Reason",
    "Reference",
    "TableSpec",
    "TABLES",
    "TABLE_ORDER",
]


class Reason(str, Enum):
    """Why a row was rejected. A row gets exactly one reason: the first rule it breaks, in the
    order below (row-local rules first, then duplicates, then references)."""

    MISSING_VALUE = "missing_value"  # a required value is empty
    BAD_ID = "bad_id"  # not a valid USCC / resident id (format or check character)
    UNKNOWN_ENUM = "unknown_enum"  # a value outside the listed enum
    BAD_NUMBER = "bad_number"  # not a plain decimal number (or integer where one is needed)
    BAD_DATE = "bad_date"  # not an ISO YYYY-MM-DD date
    NEGATIVE_AMOUNT = "negative_amount"  # money (or a count of days) below zero
    RATIO_OUT_OF_RANGE = "ratio_out_of_range"  # a ratio outside (0, 1]
    DATE_AFTER_AS_OF = "date_after_as_of"  # dated after the portfolio's as_of
    SELF_LOOP = "self_loop"  # guaranteeing one's own loan, holding oneself, own relative
    DEFAULT_DATE_MISMATCH = "default_date_mismatch"  # default_date present iff status=default
    DUPLICATE_KEY = "duplicate_key"  # key shared by several rows (or an id in both entity tables)
    UNKNOWN_REFERENCE = "unknown_reference"  # refers to an id that is not in the portfolio
    REJECTED_REFERENCE = "rejected_reference"  # refers to an id whose own row was rejected


class ColumnKind(str, Enum):
    TEXT = "text"
    USCC = "uscc"  # an enterprise's own id
    RESIDENT_ID = "resident_id"  # a person's own id
    REF = "ref"  # a reference to another table's id (checked by the reference pass)
    ENUM = "enum"
    DATE = "date"
    MONEY = "money"  # a non-negative decimal
    RATIO = "ratio"  # a decimal in (0, 1]
    COUNT = "count"  # a non-negative integer
    FEATURE = "feature"  # an f_* column: a decimal, may be empty


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: ColumnKind
    required: bool = False
    values: tuple[str, ...] = ()  # for ENUM
    not_after_as_of: bool = False  # for DATE: must be <= as_of


@dataclass(frozen=True)
class Reference:
    """``column`` must name an accepted row of one of ``targets`` (``"party"`` means either
    entity table)."""

    column: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]
    required: bool = False
    allows_features: bool = False
    references: tuple[Reference, ...] = field(default=())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(
    name: str,
    kind: ColumnKind,
    required: bool = False,
    values: tuple[str, ...] = (),
    dated: bool = False,
) -> ColumnSpec:
    return ColumnSpec(name, kind, required, values, dated)


K = ColumnKind
PARTY = ("enterprises", "persons")

ENTERPRISE_STATUS = ("active", "revoked", "cancelled", "liquidating")
POSITION_ROLES = ("legal_rep", "director", "supervisor", "manager")
FAMILY_RELATIONS = ("spouse", "parent", "child", "sibling", "other")
LOAN_STATUS = ("performing", "overdue", "default", "closed")
GUARANTEE_KINDS = ("joint", "general", "collateral")
CONTACT_KINDS = ("phone", "address", "email")
EVENT_KINDS = (
    "overdue",
    "default",
    "lawsuit",
    "enforcement",
    "dishonest_debtor",
    "lost_contact",
    "recovery",
)

TABLES: dict[str, TableSpec] = {
    "enterprises": TableSpec(
        "enterprises",
        (
            _c("enterprise_id", K.USCC, True),
            _c("name", K.TEXT, True),
            _c("industry", K.TEXT),
            _c("region", K.TEXT),
            _c("registered_capital", K.MONEY),
            _c("established", K.DATE, dated=True),
            _c("status", K.ENUM, values=ENTERPRISE_STATUS),
            _c("total_assets", K.MONEY),
            _c("total_liabilities", K.MONEY),
            _c("revenue", K.MONEY),
        ),
        key=("enterprise_id",),
        required=True,
        allows_features=True,
    ),
    "persons": TableSpec(
        "persons",
        (
            _c("person_id", K.RESIDENT_ID, True),
            _c("name", K.TEXT, True),
            _c("birth_date", K.DATE, dated=True),
        ),
        key=("person_id",),
        required=True,
        allows_features=True,
    ),
    "positions": TableSpec(
        "positions",
        (
            _c("person_id", K.REF, True),
            _c("enterprise_id", K.REF, True),
            _c("role", K.ENUM, True, POSITION_ROLES),
            _c("start", K.DATE, dated=True),
            _c("end", K.DATE),
        ),
        key=("person_id", "enterprise_id", "role"),
        references=(
            Reference("person_id", ("persons",)),
            Reference("enterprise_id", ("enterprises",)),
        ),
    ),
    "shareholdings": TableSpec(
        "shareholdings",
        (
            _c("holder_id", K.REF, True),
            _c("enterprise_id", K.REF, True),
            _c("ratio", K.RATIO, True),
            _c("as_of", K.DATE, dated=True),
        ),
        key=("holder_id", "enterprise_id"),
        references=(Reference("holder_id", PARTY), Reference("enterprise_id", ("enterprises",))),
    ),
    "family": TableSpec(
        "family",
        (
            _c("person_id", K.REF, True),
            _c("relative_id", K.REF, True),
            _c("relation", K.ENUM, True, FAMILY_RELATIONS),
        ),
        key=("person_id", "relative_id"),
        references=(Reference("person_id", ("persons",)), Reference("relative_id", ("persons",))),
    ),
    "loans": TableSpec(
        "loans",
        (
            _c("loan_id", K.TEXT, True),
            _c("borrower_id", K.REF, True),
            _c("lender", K.TEXT, True),
            _c("amount", K.MONEY, True),
            _c("outstanding", K.MONEY, True),
            _c("start", K.DATE, True, dated=True),
            _c("maturity", K.DATE, True),
            _c("status", K.ENUM, True, LOAN_STATUS),
            _c("default_date", K.DATE, dated=True),
            _c("overdue_days", K.COUNT),
        ),
        key=("loan_id",),
        required=True,
        references=(Reference("borrower_id", PARTY),),
    ),
    "guarantees": TableSpec(
        "guarantees",
        (
            _c("guarantee_id", K.TEXT, True),
            _c("guarantor_id", K.REF, True),
            _c("loan_id", K.REF, True),
            _c("amount", K.MONEY, True),
            _c("kind", K.ENUM, values=GUARANTEE_KINDS),
            _c("start", K.DATE, dated=True),
            _c("end", K.DATE),
        ),
        key=("guarantee_id",),
        references=(Reference("guarantor_id", PARTY), Reference("loan_id", ("loans",))),
    ),
    "contacts": TableSpec(
        "contacts",
        (
            _c("owner_id", K.REF, True),
            _c("kind", K.ENUM, True, CONTACT_KINDS),
            _c("value", K.TEXT, True),
        ),
        key=("owner_id", "kind", "value"),
        references=(Reference("owner_id", PARTY),),
    ),
    "events": TableSpec(
        "events",
        (
            _c("entity_id", K.REF, True),
            _c("date", K.DATE, True, dated=True),
            _c("kind", K.ENUM, True, EVENT_KINDS),
            _c("detail", K.TEXT),
        ),
        key=("entity_id", "date", "kind", "detail"),
        references=(Reference("entity_id", PARTY),),
    ),
}

# Validation order: a table is validated after every table it references.
TABLE_ORDER: tuple[str, ...] = (
    "enterprises",
    "persons",
    "positions",
    "shareholdings",
    "family",
    "loans",
    "guarantees",
    "contacts",
    "events",
)
