"""Loans and guarantees, as planned before the default history is simulated (statuses, default
dates and outstanding balances are set afterwards, in ``_history``).

Loans: most firms borrow 1-3 loans whose amounts add up to 25-60% of their liabilities, from a
main bank and others, with terms of 1-10 years; a share matured before ``as_of``.

Guarantees are first drawn between firms (who guarantees whom), then attached to one (sometimes
two) of the borrower's loans: a parent guaranteeing its subsidiary (and now and then the
reverse or a sister firm), mutual guarantee pairs (互保), guarantee circles (担保圈) of 3-6 firms,
open chains, an unrelated firm of the same city, a financing-guarantee company, and the
borrower's controller (often with the spouse) personally. A guarantor never guarantees its own
loan; the guaranteed amount never exceeds the loan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.generator._config import GeneratorConfig
from ingest.generator._firms import Firms
from ingest.generator._people import Roles

__all__ = ["Guarantees", "Loans", "build_guarantees", "build_loans"]

_TERMS = np.array([365, 730, 1095, 1826, 3652])
_TERM_P = np.array([0.55, 0.15, 0.15, 0.10, 0.05])


@dataclass
class Loans:
    borrower: np.ndarray  # firm index
    lender: np.ndarray  # index into cfg.lenders
    amount: np.ndarray  # int64
    start: np.ndarray  # day offset
    term: np.ndarray  # days
    first: np.ndarray  # per firm: index of its first loan
    count: np.ndarray  # per firm: number of loans
    ids: np.ndarray

    @property
    def maturity(self) -> np.ndarray:
        return self.start + self.term

    def __len__(self) -> int:
        return len(self.borrower)


@dataclass
class Guarantees:
    guarantor: np.ndarray  # firm or person index
    person: np.ndarray  # bool: the guarantor is a person
    loan: np.ndarray  # loan index
    amount: np.ndarray  # int64
    kind: np.ndarray  # object: joint / general / collateral
    ids: np.ndarray

    def __len__(self) -> int:
        return len(self.loan)


def build_loans(rng: np.random.Generator, cfg: GeneratorConfig, f: Firms) -> Loans:
    n = f.n
    probs = np.array(cfg.loan_count_probs)
    count = rng.choice(len(probs), size=n, p=probs / probs.sum())
    first = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    borrower = np.repeat(np.arange(n), count)
    m = len(borrower)

    weights = np.array(cfg.lender_weights, dtype=float)
    weights /= weights.sum()
    main = rng.choice(len(weights), size=n, p=weights)
    other = rng.choice(len(weights), size=m, p=weights)
    lender = np.where(rng.random(m) < 0.6, main[borrower], other)

    debt = f.liabilities * rng.uniform(0.25, 0.6, n)
    share = rng.gamma(2.0, 1.0, m)
    share /= np.bincount(borrower, weights=share, minlength=n)[borrower]
    amount = np.maximum(np.round(debt[borrower] * share / 1e4) * 1e4, 1e5).astype(np.int64)

    term = rng.choice(_TERMS, size=m, p=_TERM_P)
    closed = rng.random(m) < cfg.closed_loan_share
    live_start = -np.floor(rng.random(m) * (term - 1)).astype(np.int64)
    closed_start = -term - np.floor(rng.random(m) * 730).astype(np.int64)
    start = np.where(closed, closed_start, live_start)
    start = np.maximum(start, f.established[borrower] + 30)

    seq = rng.permutation(m) + 1
    ids = np.array([f"L{lend + 1:02d}{s:08d}"
                    for lend, s in zip(lender.tolist(), seq.tolist(), strict=True)], dtype=object)
    return Loans(borrower, lender, amount, start, term, first, count, ids)


def _same_city_blocks(rng: np.random.Generator, f: Firms, pool: np.ndarray,
                      sizes: np.ndarray) -> list[np.ndarray]:
    """Disjoint blocks of the given sizes from ``pool`` (as many as it can fill), members of a
    block mostly of one city."""
    sizes = sizes[np.cumsum(sizes) <= len(pool)]
    total = int(sizes.sum())
    if total == 0:
        return []
    chosen = rng.choice(pool, size=total, replace=False)
    chosen = chosen[np.lexsort((rng.random(total), f.city[chosen]))]
    # shuffle the order of blocks so that the cities are spread over sizes
    bounds = np.cumsum(sizes)[:-1]
    blocks = np.split(chosen, bounds)
    order = rng.permutation(len(blocks))
    return [blocks[i] for i in order]


def build_guarantees(rng: np.random.Generator, cfg: GeneratorConfig, f: Firms, roles: Roles,
                     loans: Loans) -> Guarantees:
    n = f.n
    has_loan = loans.count > 0
    pairs_g: list[np.ndarray] = []
    pairs_b: list[np.ndarray] = []

    def pair(g: np.ndarray, b: np.ndarray) -> None:
        keep = has_loan[b] & (g != b)
        pairs_g.append(g[keep])
        pairs_b.append(b[keep])

    # inside groups
    sub = np.flatnonzero(f.rank > 0)
    up = rng.random(len(sub)) < cfg.group_guarantee_share
    pair(f.parent[sub[up]], sub[up])
    down = rng.random(len(sub)) < 0.15
    pair(sub[down], f.parent[sub[down]])
    sister = (f.group_size[f.group[sub]] >= 3) & (rng.random(len(sub)) < 0.1)
    g = sub[sister]
    size = f.group_size[f.group[g]]
    other = f.group_top[f.group[g]] + np.floor(rng.random(len(g)) * size).astype(np.int64)
    pair(other, g)

    # mutual pairs, circles and chains among borrowers, mostly within one city
    pool = np.flatnonzero(has_loan & ~f.guarantee_co)
    per = n / 1000
    n_pairs = int(round(cfg.mutual_pairs_per_1000 * per))
    blocks = _same_city_blocks(rng, f, pool, np.full(n_pairs, 2))
    if blocks:
        a = np.array([b[0] for b in blocks])
        b = np.array([b[1] for b in blocks])
        pair(a, b)
        pair(b, a)
    n_circles = int(round(cfg.circles_per_1000 * per))
    for block in _same_city_blocks(rng, f, pool, rng.integers(3, 7, n_circles)):
        nxt = np.roll(block, -1)
        pair(block, nxt)
        back = rng.random(len(block)) < 0.3
        pair(nxt[back], block[back])
    n_chains = int(round(cfg.chains_per_1000 * per))
    for block in _same_city_blocks(rng, f, pool, rng.integers(3, 7, n_chains)):
        pair(block[:-1], block[1:])

    # an unrelated firm of the same city
    borrowers = np.flatnonzero(has_loan)
    third = borrowers[rng.random(len(borrowers)) < cfg.third_party_guarantee_share]
    by_city = np.argsort(f.city, kind="stable")
    city_first = np.searchsorted(f.city[by_city], np.arange(f.city.max() + 1))
    city_count = np.bincount(f.city, minlength=f.city.max() + 1)
    c = f.city[third]
    offset = np.floor(rng.random(len(third)) * city_count[c]).astype(np.int64)
    pick = by_city[city_first[c] + offset]
    pair(pick, third)

    # financing-guarantee companies
    gcos = np.flatnonzero(f.guarantee_co)
    if len(gcos):
        use = borrowers[(rng.random(len(borrowers)) < cfg.guarantee_company_use)
                        & ~f.guarantee_co[borrowers]]
        pair(gcos[rng.integers(0, len(gcos), len(use))], use)

    firm_g = np.concatenate(pairs_g)
    firm_b = np.concatenate(pairs_b)
    extra = rng.random(len(firm_b)) < 0.25
    firm_g = np.concatenate([firm_g, firm_g[extra]])
    firm_b = np.concatenate([firm_b, firm_b[extra]])
    loan_e = loans.first[firm_b] + np.floor(rng.random(len(firm_b)) * loans.count[firm_b]).astype(
        np.int64)

    # the controller (and often the spouse) guarantees personally
    m = len(loans)
    by_person = np.flatnonzero(rng.random(m) < cfg.person_guarantee_share)
    ctrl = roles.controller[loans.borrower[by_person]]
    spouse = roles.spouse[loans.borrower[by_person]]
    with_spouse = (spouse >= 0) & (rng.random(len(by_person)) < 0.5)
    person_g = np.concatenate([ctrl, spouse[with_spouse]])
    loan_p = np.concatenate([by_person, by_person[with_spouse]])

    frame = pd.DataFrame({
        "guarantor": np.concatenate([firm_g, person_g]),
        "person": np.concatenate([np.zeros(len(firm_g), bool), np.ones(len(person_g), bool)]),
        "loan": np.concatenate([loan_e, loan_p]),
    }).drop_duplicates(["guarantor", "person", "loan"]).reset_index(drop=True)
    k = len(frame)
    loan_amount = loans.amount[frame["loan"].to_numpy()]
    cover = np.where(rng.random(k) < 0.6, 1.0, rng.uniform(0.3, 1.0, k))
    amount = np.clip(np.floor(loan_amount * cover / 1e4) * 1e4, 1e4, loan_amount).astype(np.int64)
    person = frame["person"].to_numpy()
    is_gco = ~person & f.guarantee_co[np.where(person, 0, frame["guarantor"].to_numpy())]
    roll = rng.random(k)
    kind = np.where(roll < 0.8, "joint", np.where(roll < 0.92, "general", "collateral"))
    kind = np.where(person, np.where(roll < 0.9, "joint", "collateral"), kind)
    kind = np.where(is_gco, "joint", kind).astype(object)
    seq = rng.permutation(k) + 1
    ids = np.array([f"G{s:09d}" for s in seq.tolist()], dtype=object)
    return Guarantees(frame["guarantor"].to_numpy(), person, frame["loan"].to_numpy(), amount,
                      kind, ids)
