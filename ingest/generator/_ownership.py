"""Equity: the ``shareholdings`` table.

Stakes are whole basis points (1/10,000), so that the stakes in one firm add up to at most
10,000 exactly (a ratio of 1), with no rounding drift. In a group the controller holds 51-100%
of the top firm (the spouse or an outside investor the rest); each subsidiary is 51-100% held by
its parent firm, the minority by an outside investor, the controller or spouse directly, or, for
a few, by another firm of the group higher up (a cross-holding, which closes no cycle). A few
groups (``ownership_cycle_share``) have a subsidiary holding a stake in the top firm: the only
ownership cycles, each running through the whole pyramid. Standalone firms belong to their
founder, sometimes with the spouse or a partner, and a few have a group firm as minority
investor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest.generator._config import GeneratorConfig
from ingest.generator._firms import Firms
from ingest.generator._people import PeopleBuilder, Roles

__all__ = ["build_shareholdings"]

_FULL = 10_000


def _majority(rng: np.random.Generator, k: int, wholly: float, low: int = 51) -> np.ndarray:
    bp = rng.integers(low, 100, k) * 100
    return np.where(rng.random(k) < wholly, _FULL, bp)


def _part(rng: np.random.Generator, rest: np.ndarray) -> np.ndarray:
    """All of ``rest`` most of the time, else a part of it (the others are not on record)."""
    part = np.floor(rest * rng.uniform(0.3, 1.0, len(rest))).astype(np.int64)
    return np.where(rng.random(len(rest)) < 0.7, rest, np.maximum(part, 1))


def _earlier_member(rng: np.random.Generator, f: Firms, firm: np.ndarray) -> np.ndarray:
    """A firm of the same group listed before ``firm`` other than its parent (``firm`` has rank
    2 or more). Never one of its own subsidiaries: a parent always comes before its children,
    so a cross-holding made this way closes no cycle."""
    rank = f.rank[firm]
    parent_rank = f.rank[f.parent[firm]]
    r = np.floor(rng.random(len(firm)) * (rank - 1)).astype(np.int64)
    r = r + (r >= parent_rank)
    return f.group_top[f.group[firm]] + r


def build_shareholdings(rng: np.random.Generator, cfg: GeneratorConfig, f: Firms, roles: Roles,
                        pb: PeopleBuilder) -> pd.DataFrame:
    """Columns: ``holder`` (index), ``holder_person`` (bool), ``enterprise``, ``bp``,
    ``recorded`` (day offset of the registration record)."""
    rows: list[pd.DataFrame] = []

    def add(holder: np.ndarray, is_person: bool, firm: np.ndarray, bp: np.ndarray) -> None:
        keep = bp > 0
        rows.append(pd.DataFrame({"holder": holder[keep], "holder_person": is_person,
                                  "enterprise": firm[keep], "bp": bp[keep]}))

    def rest_to_persons(firm: np.ndarray, rest: np.ndarray, direct_share: float) -> None:
        """The minority of ``firm``: the controller, the spouse or an outside investor."""
        has = rest > 0
        firm, rest = firm[has], rest[has]
        k = len(firm)
        roll = rng.random(k)
        spouse = roles.spouse[firm]
        to_ctrl = roll < direct_share
        to_spouse = ~to_ctrl & (spouse >= 0) & (roll < direct_share + 0.3)
        to_outside = ~to_ctrl & ~to_spouse & (roll < 0.85)
        add(roles.controller[firm[to_ctrl]], True, firm[to_ctrl], _part(rng, rest[to_ctrl]))
        add(spouse[to_spouse], True, firm[to_spouse], _part(rng, rest[to_spouse]))
        investors = pb.add_random(int(to_outside.sum()), 1955, 1990, 0.7)
        add(investors, True, firm[to_outside], _part(rng, rest[to_outside]))

    # top firms of groups, and the rare cycle back into them
    top = f.group_top
    bp_top = _majority(rng, len(top), cfg.wholly_owned_share)
    cycle = (f.group_size >= 3) & (rng.random(len(top)) < cfg.ownership_cycle_share)
    bp_top[cycle] = np.minimum(bp_top[cycle], rng.integers(75, 91, int(cycle.sum())) * 100)
    add(roles.controller[top], True, top, bp_top)
    rest = _FULL - bp_top
    cyc = np.flatnonzero(cycle)
    below = np.floor(rng.random(len(cyc)) * (f.group_size[cyc] - 1)).astype(np.int64)
    member = top[cyc] + 1 + below
    cyc_bp = np.minimum(rest[cyc], rng.integers(1, 11, len(cyc)) * 100)
    add(member, False, top[cyc], cyc_bp)
    rest[cyc] -= cyc_bp
    rest_to_persons(top, rest, 0.0)

    # subsidiaries: the parent holds the majority
    sub = np.flatnonzero(f.rank > 0)
    bp_sub = _majority(rng, len(sub), cfg.wholly_owned_share)
    cross = (f.rank[sub] >= 2) & (rng.random(len(sub)) < cfg.cross_holding_share)
    bp_sub[cross] = np.minimum(bp_sub[cross], rng.integers(51, 96, int(cross.sum())) * 100)
    add(f.parent[sub], False, sub, bp_sub)
    rest = _FULL - bp_sub
    holder = _earlier_member(rng, f, sub[cross])
    add(holder, False, sub[cross], _part(rng, rest[cross]))
    rest_to_persons(sub[~cross], rest[~cross], 0.2)

    # standalone firms: the founder, sometimes a group firm as minority investor
    alone = np.flatnonzero(f.group < 0)
    bp_alone = np.where(rng.random(len(alone)) < 0.35, _FULL,
                        rng.integers(30, 100, len(alone)) * 100)
    invested = (rng.random(len(alone)) < cfg.minority_investment_share) & (f.groups > 0)
    if f.groups == 0:
        invested[:] = False
    bp_alone[invested] = np.minimum(bp_alone[invested], 9000)
    add(roles.controller[alone], True, alone, bp_alone)
    rest = _FULL - bp_alone
    in_groups = np.flatnonzero(f.group >= 0)
    k = int(invested.sum())
    investor = in_groups[rng.integers(0, max(len(in_groups), 1), k)] if k else alone[:0]
    inv_bp = np.minimum(rest[invested], rng.integers(5, 31, k) * 100)
    add(investor, False, alone[invested], inv_bp)
    rest[invested] -= inv_bp
    rest_to_persons(alone, rest, 0.0)

    out = pd.concat(rows, ignore_index=True)
    out = out.drop_duplicates(["holder", "holder_person", "enterprise"]).reset_index(drop=True)
    est = f.established[out["enterprise"].to_numpy()]
    out["recorded"] = np.round(est - est * rng.random(len(out))).astype(np.int64)
    return out
