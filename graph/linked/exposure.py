r"""Exposure: what the lenders have lent to a borrower or a group, against their tier-1 capital.

For a set of members :math:`S` (one party, or a connected-counterparty group) and a lender
:math:`\ell`, over the open loans (status not ``closed``) of the snapshot:

.. math::
    \text{direct}_\ell = \sum_{\text{loan } L:\ \text{borrower} \in S,\ \text{lender} = \ell}
        \text{outstanding}(L)

.. math::
    \text{contingent}_\ell = \sum_{\text{guarantee } G:\ \text{guarantor} \in S,\
        \text{borrower}(L_G) \notin S,\ \text{lender}(L_G) = \ell}
        \min(\text{amount}(G), \text{outstanding}(L_G))

(a guarantee given inside the group is not counted again: the loan it covers is already a
direct exposure). The exposure checked is :math:`\text{direct}_\ell`, plus
:math:`\text{contingent}_\ell` when ``exposure.include_contingent`` is set; its share of the
lender's configured tier-1 capital :math:`K_\ell` is compared with the profile's figures:
*large* at ``large`` (BCBS LEX10.8: at or above 10%; 2018 Chinese rules: above 2.5%), a breach
above ``single_limit`` for one party and ``group_limit`` for a group (BCBS LEX20.1: 25%; Chinese
rules art. 7 and 8: 15% and 20%). A lender whose capital is not configured is reported as such,
never guessed. Money is in the portfolio's currency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from graph.linked.partygraph import LoanBook, PartyGraph
from graph.linked.refs import NodeRef
from graph.linked.rules import LimitProfile, LinkedRules
from graph.model import Label, RelType
from graph.snapshot import Snapshot

__all__ = [
    "CreditBook",
    "ExposureReport",
    "GuaranteeLine",
    "LenderExposure",
    "LoanLine",
    "exposure_report",
]

NO_CAPITAL = "no capital configured"


@dataclass(frozen=True)
class LoanLine:
    loan: NodeRef
    borrower: NodeRef
    lender: NodeRef | None
    amount: float
    outstanding: float
    status: str


@dataclass(frozen=True)
class GuaranteeLine:
    guarantee_id: str
    guarantor: NodeRef
    borrower: NodeRef
    loan: NodeRef
    lender: NodeRef | None
    amount: float
    at_risk: float  # min(amount, outstanding of the loan)
    internal: bool  # guarantor and borrower both members


@dataclass(frozen=True)
class LenderExposure:
    lender: NodeRef
    loans: int
    direct: float
    contingent: float
    exposure: float  # what is checked: direct (+ contingent if configured)
    tier1_capital: float | None
    share_of_tier1: float | None
    limit: float
    large: bool | None
    breach: bool | None
    headroom: float | None  # limit - share, in shares of tier 1 (negative in a breach)
    status: str  # "breach", "large", "within limit" or "no capital configured"


@dataclass(frozen=True)
class ExposureReport:
    scope: str  # "single" or "group"
    members: tuple[NodeRef, ...]
    profile: LimitProfile
    include_contingent: bool
    loans: tuple[LoanLine, ...]
    guarantees_given: tuple[GuaranteeLine, ...]
    guarantees_received: tuple[GuaranteeLine, ...]  # from outside the members
    by_lender: tuple[LenderExposure, ...]  # largest exposure first
    total_direct: float
    total_contingent: float

    @property
    def breaches(self) -> tuple[LenderExposure, ...]:
        return tuple(x for x in self.by_lender if x.breach)


@dataclass(frozen=True, eq=False)
class CreditBook:
    """Open loans and their guarantees as arrays, indexed by borrower and by guarantor."""

    loans: LoanBook
    loan_nodes: np.ndarray  # open loans with a borrower, sorted by borrower
    loan_ptr: np.ndarray  # CSR by borrower node into loan_nodes
    amount: np.ndarray  # per node (loans), nan where missing
    status: np.ndarray  # per node (loans), object
    g_rows: np.ndarray  # GUARANTEES rows on open loans with a borrower, sorted by guarantor
    g_ptr: np.ndarray  # CSR by guarantor node into g_rows
    g_in: np.ndarray  # the same rows sorted by borrower
    g_in_ptr: np.ndarray
    g_src: np.ndarray  # guarantor per GUARANTEES row
    g_loan: np.ndarray
    g_amount: np.ndarray
    g_ids: np.ndarray

    @classmethod
    def build(cls, snapshot: Snapshot, book: LoanBook) -> CreditBook:
        n = snapshot.num_nodes
        lo, hi = snapshot.label_range(Label.LOAN)
        loan_nodes = np.arange(lo, hi, dtype=np.int64)
        loan_nodes = loan_nodes[(book.borrower[loan_nodes] >= 0) & book.open[loan_nodes]]
        loan_nodes = loan_nodes[np.argsort(book.borrower[loan_nodes], kind="stable")]
        amount = np.full(n, np.nan)
        status = np.full(n, None, dtype=object)
        props = snapshot.props.get(Label.LOAN)
        if props is not None and len(props):
            amount[props.index.to_numpy()] = pd.to_numeric(props["amount"], errors="coerce")
            status[props.index.to_numpy()] = props["status"].to_numpy(dtype=object)
        g = snapshot.edges.get(RelType.GUARANTEES)
        if g is None or len(g) == 0:
            g_src = g_loan = np.zeros(0, dtype=np.int64)
            g_amount = np.zeros(0)
            g_ids = np.zeros(0, dtype=object)
        else:
            g_src, g_loan = g.src, g.dst
            g_amount = pd.to_numeric(g.props["amount"], errors="coerce").fillna(0.0).to_numpy()
            g_ids = g.props["guarantee_id"].to_numpy(dtype=object)
        borrower = book.borrower[g_loan]
        ok = np.flatnonzero((borrower >= 0) & book.open[g_loan] & (borrower != g_src))
        by_g = ok[np.lexsort((ok, g_src[ok]))]
        by_b = ok[np.lexsort((ok, borrower[ok]))]
        return cls(book, loan_nodes, _ptr(book.borrower[loan_nodes], n), amount, status,
                   by_g, _ptr(g_src[by_g], n), by_b, _ptr(borrower[by_b], n),
                   g_src, g_loan, g_amount, g_ids)

    def loans_of(self, members: np.ndarray) -> np.ndarray:
        return _gather(self.loan_nodes, self.loan_ptr, members)

    def given_by(self, members: np.ndarray) -> np.ndarray:
        return _gather(self.g_rows, self.g_ptr, members)

    def received_by(self, members: np.ndarray) -> np.ndarray:
        return _gather(self.g_in, self.g_in_ptr, members)

    def at_risk(self, rows: np.ndarray) -> np.ndarray:
        return np.minimum(self.g_amount[rows], self.loans.outstanding[self.g_loan[rows]])


def _ptr(keys: np.ndarray, n: int) -> np.ndarray:
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr


def _gather(values: np.ndarray, ptr: np.ndarray, members: np.ndarray) -> np.ndarray:
    parts = [values[ptr[m]:ptr[m + 1]] for m in members.tolist()]
    return np.concatenate(parts) if parts else values[:0]


def exposure_report(pg: PartyGraph, credit: CreditBook, rules: LinkedRules,
                    members: np.ndarray, scope: str) -> ExposureReport:
    """The exposure of ``members`` (node numbers) by lender, checked against ``rules``."""
    profile = rules.profile()
    limit = profile.group_limit if scope == "group" else profile.single_limit
    members = np.unique(np.asarray(members, dtype=np.int64))
    is_member = set(members.tolist())
    book = credit.loans
    loan_nodes = credit.loans_of(members)
    loans = tuple(LoanLine(pg.node(v), pg.node(book.borrower[v]),
                           pg.node(book.lender[v]) if book.lender[v] >= 0 else None,
                           float(credit.amount[v]), float(book.outstanding[v]),
                           str(credit.status[v]))
                  for v in loan_nodes.tolist())

    def line(row: int) -> GuaranteeLine:
        loan = int(credit.g_loan[row])
        b = int(book.borrower[loan])
        lender = int(book.lender[loan])
        return GuaranteeLine(str(credit.g_ids[row]), pg.node(credit.g_src[row]), pg.node(b),
                             pg.node(loan), pg.node(lender) if lender >= 0 else None,
                             float(credit.g_amount[row]),
                             float(credit.at_risk(np.array([row]))[0]),
                             int(credit.g_src[row]) in is_member and b in is_member)

    given_rows = credit.given_by(members)
    received_rows = credit.received_by(members)
    received_rows = received_rows[~np.isin(credit.g_src[received_rows], members)]
    given = tuple(line(r) for r in given_rows.tolist())
    received = tuple(line(r) for r in received_rows.tolist())

    direct: dict[int, float] = {}
    count: dict[int, int] = {}
    for v in loan_nodes.tolist():
        lender = int(book.lender[v])
        direct[lender] = direct.get(lender, 0.0) + float(book.outstanding[v])
        count[lender] = count.get(lender, 0) + 1
    contingent: dict[int, float] = {}
    for r, g in zip(given_rows.tolist(), given, strict=True):
        if not g.internal:
            lender = int(book.lender[credit.g_loan[r]])
            contingent[lender] = contingent.get(lender, 0.0) + g.at_risk

    by_lender = []
    for lender in sorted(set(direct) | set(contingent)):
        if lender < 0:
            continue
        d, c = direct.get(lender, 0.0), contingent.get(lender, 0.0)
        exposure = d + c if rules.exposure.include_contingent else d
        ref = pg.node(lender)
        capital = rules.tier1_capital(ref.id)
        if capital is None:
            by_lender.append(LenderExposure(ref, count.get(lender, 0), d, c, exposure, None, None,
                                            limit, None, None, None, NO_CAPITAL))
            continue
        share = exposure / capital
        large = profile.is_large(share)
        breach = share > limit * (1 + 1e-12)
        status = "breach" if breach else "large" if large else "within limit"
        by_lender.append(LenderExposure(ref, count.get(lender, 0), d, c, exposure, capital,
                                        share, limit, large, breach, limit - share, status))
    by_lender.sort(key=lambda x: (-x.exposure, x.lender.id))
    return ExposureReport(scope, tuple(pg.node(m) for m in members.tolist()), profile,
                          rules.exposure.include_contingent, loans, given, received,
                          tuple(by_lender), float(sum(direct.values())),
                          float(sum(x.contingent for x in by_lender)))
