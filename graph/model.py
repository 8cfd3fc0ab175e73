"""The graph model: node labels, relationship types and their properties, in one place.

Nodes (every node has ``id`` and ``name``, plus ``first_seen``/``last_seen``: the ``as_of`` of
the first and latest portfolio that contained it):

==========  ==============================================================================
label       properties
==========  ==============================================================================
Enterprise  id (USCC), name, industry, region, registered_capital, established, status,
            total_assets, total_liabilities, revenue, f_* features
Person      id (person key: ``P`` + 32 hex of HMAC-SHA256 of the resident id), name,
            id_masked (first 3 and last 4 characters), birth_date, f_* features
Lender      id (= the ``lender`` text of the loans table), name
Loan        id (loan_id), name, amount, outstanding, start, maturity, status, default_date,
            overdue_days
Contact     id (``C`` + 20 hex of SHA-1 of kind and value), name (= kind), kind, value
Event       id (``E`` + 20 hex of SHA-1 of entity, date, kind, detail), name (= kind), date,
            kind, detail
==========  ==============================================================================

Relationships (every one has ``since``/``until``: the ``as_of`` of the first portfolio that
contained it and of the first later one that did not; ``until`` is empty while it is current):

============  ==================  ===========  ========================================
type          from -> to          key          properties
============  ==================  ===========  ========================================
HOLDS_POST    Person -> Ent.      role         role, start, end
HOLDS_SHARES  party -> Ent.                    ratio, as_of (the date the ratio was stated)
RELATIVE_OF   Person -> Person                 relation (the relative is the person's ...)
BORROWS       party -> Loan
LENT_BY       Loan -> Lender
GUARANTEES    party -> Loan       guarantee_id guarantee_id, amount, kind, start, end
HAS_CONTACT   party -> Contact
HAS_EVENT     party -> Event
============  ==================  ===========  ========================================

"party" is an Enterprise or a Person. Dates are ISO ``YYYY-MM-DD`` text in both stores, so
that they compare the same everywhere. A relationship is *active at* date ``d`` when
``since <= d``, ``until`` is empty or after ``d``, and its own ``start``/``end`` (where given)
satisfy ``start <= d < end``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "Label",
    "NODE_PROPS",
    "PARTY_LABELS",
    "REL_SPECS",
    "RelSpec",
    "RelType",
    "NODE_META",
    "REL_META",
]


class Label(str, Enum):
    ENTERPRISE = "Enterprise"
    PERSON = "Person"
    LENDER = "Lender"
    LOAN = "Loan"
    CONTACT = "Contact"
    EVENT = "Event"


class RelType(str, Enum):
    HOLDS_POST = "HOLDS_POST"
    HOLDS_SHARES = "HOLDS_SHARES"
    RELATIVE_OF = "RELATIVE_OF"
    BORROWS = "BORROWS"
    LENT_BY = "LENT_BY"
    GUARANTEES = "GUARANTEES"
    HAS_CONTACT = "HAS_CONTACT"
    HAS_EVENT = "HAS_EVENT"


PARTY_LABELS = (Label.ENTERPRISE, Label.PERSON)

# Property name -> kind ("str", "float", "int"). f_* features (float) come on top, per portfolio.
NODE_PROPS: dict[Label, dict[str, str]] = {
    Label.ENTERPRISE: {
        "id": "str",
        "name": "str",
        "industry": "str",
        "region": "str",
        "registered_capital": "float",
        "established": "str",
        "status": "str",
        "total_assets": "float",
        "total_liabilities": "float",
        "revenue": "float",
    },
    Label.PERSON: {"id": "str", "name": "str", "id_masked": "str", "birth_date": "str"},
    Label.LENDER: {"id": "str", "name": "str"},
    Label.LOAN: {
        "id": "str",
        "name": "str",
        "amount": "float",
        "outstanding": "float",
        "start": "str",
        "maturity": "str",
        "status": "str",
        "default_date": "str",
        "overdue_days": "int",
    },
    Label.CONTACT: {"id": "str", "name": "str", "kind": "str", "value": "str"},
    Label.EVENT: {"id": "str", "name": "str", "date": "str", "kind": "str", "detail": "str"},
}
NODE_META = {"first_seen": "str", "last_seen": "str"}


@dataclass(frozen=True)
class RelSpec:
    type: RelType
    src: tuple[Label, ...]
    dst: tuple[Label, ...]
    key: tuple[str, ...]  # properties that tell two relationships between the same nodes apart
    props: dict[str, str]  # every property, key properties included
    words: str  # how a path renders it, e.g. "guarantees loan of"


REL_SPECS: dict[RelType, RelSpec] = {
    s.type: s
    for s in (
        RelSpec(
            RelType.HOLDS_POST,
            (Label.PERSON,),
            (Label.ENTERPRISE,),
            ("role",),
            {"role": "str", "start": "str", "end": "str"},
            "holds a post in",
        ),
        RelSpec(
            RelType.HOLDS_SHARES,
            PARTY_LABELS,
            (Label.ENTERPRISE,),
            (),
            {"ratio": "float", "as_of": "str"},
            "holds shares of",
        ),
        RelSpec(
            RelType.RELATIVE_OF,
            (Label.PERSON,),
            (Label.PERSON,),
            (),
            {"relation": "str"},
            "has as relative",
        ),
        RelSpec(RelType.BORROWS, PARTY_LABELS, (Label.LOAN,), (), {}, "borrows"),
        RelSpec(RelType.LENT_BY, (Label.LOAN,), (Label.LENDER,), (), {}, "is lent by"),
        RelSpec(
            RelType.GUARANTEES,
            PARTY_LABELS,
            (Label.LOAN,),
            ("guarantee_id",),
            {"guarantee_id": "str", "amount": "float", "kind": "str", "start": "str", "end": "str"},
            "guarantees",
        ),
        RelSpec(RelType.HAS_CONTACT, PARTY_LABELS, (Label.CONTACT,), (), {}, "has contact"),
        RelSpec(RelType.HAS_EVENT, PARTY_LABELS, (Label.EVENT,), (), {}, "has event"),
    )
}
REL_META = {"since": "str", "until": "str"}
