"""Persons and who they are to the firms: controllers and their families, professional managers,
directors, supervisors, legal representatives (exactly one per firm), and the ``positions`` and
``family`` tables.

A group's legal representatives are drawn from the group's own pool (controller, spouse,
sibling, child, one to three managers), so one person often represents several firms of a
group; a standalone firm is mostly represented by its founder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.generator._config import GeneratorConfig
from ingest.generator._firms import Firms
from ingest.generator._identities import NODATE, person_names, resident_ids, surnames
from ingest.generator._vocab import CITIES, MIGRANT_AREA_CODES

__all__ = ["People", "PeopleBuilder", "Roles", "build_roles"]

_YEAR = 365.25
_FIRST_BIRTH = int(np.datetime64("1950-01-01", "D").astype(np.int64))
_LAST_BIRTH = int(np.datetime64("2000-12-31", "D").astype(np.int64))


@dataclass
class People:
    n: int
    birth: np.ndarray  # datetime64[D]
    male: np.ndarray
    ids: np.ndarray
    names: np.ndarray


class PeopleBuilder:
    """Collects persons in blocks (birth as epoch days, sex, surname, birthplace) and gives each
    block its indices; :meth:`finish` draws names and resident ids for all at once."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._birth: list[np.ndarray] = []
        self._male: list[np.ndarray] = []
        self._surname: list[np.ndarray] = []
        self._area: list[np.ndarray] = []
        self.count = 0

    def add(self, birth: np.ndarray, male: np.ndarray, surname: np.ndarray | None = None,
            area: np.ndarray | None = None) -> np.ndarray:
        k = len(birth)
        rng = self._rng
        if surname is None:
            surname = surnames(rng, k)
        if area is None:
            area = _random_areas(rng, k)
        birth = birth.astype(np.int64)
        # out of 1950-2000: a date near the edge (not a pile-up on 1950-01-01)
        early, late = birth < _FIRST_BIRTH, birth > _LAST_BIRTH
        birth[early] = _FIRST_BIRTH + rng.integers(0, 5 * 365, int(early.sum()))
        birth[late] = _LAST_BIRTH - rng.integers(0, 3 * 365, int(late.sum()))
        self._birth.append(birth)
        self._male.append(male.astype(bool))
        self._surname.append(surname.astype(np.int64))
        self._area.append(area.astype(str))
        idx = np.arange(self.count, self.count + k)
        self.count += k
        return idx

    def add_random(self, k: int, first_year: int, last_year: int,
                   male_share: float = 0.6) -> np.ndarray:
        return self.add(births_between(self._rng, k, first_year, last_year),
                        self._rng.random(k) < male_share)

    def birth(self, idx: np.ndarray) -> np.ndarray:
        return np.concatenate(self._birth)[idx] if self._birth else np.empty(0, dtype=np.int64)

    def male(self, idx: np.ndarray) -> np.ndarray:
        return np.concatenate(self._male)[idx]

    def surname(self, idx: np.ndarray) -> np.ndarray:
        return np.concatenate(self._surname)[idx]

    def finish(self) -> People:
        rng = self._rng
        birth = np.concatenate(self._birth).astype("datetime64[D]")
        male = np.concatenate(self._male)
        ids = resident_ids(rng, np.concatenate(self._area), birth, male)
        names = person_names(rng, np.concatenate(self._surname), male)
        return People(self.count, birth, male, ids, names)


def births_between(rng: np.random.Generator, k: int, first_year: int, last_year: int) -> np.ndarray:
    lo = np.datetime64(f"{first_year}-01-01", "D").astype(np.int64)
    hi = np.datetime64(f"{last_year}-12-31", "D").astype(np.int64)
    return rng.integers(lo, hi + 1, k)


_ALL_DISTRICTS = np.array([d[0] for c in CITIES for d in c.districts])
_DISTRICT_W = np.array([c.weight / len(c.districts) for c in CITIES for _ in c.districts])
_DISTRICT_W /= _DISTRICT_W.sum()
_MIGRANT = np.array(MIGRANT_AREA_CODES)


def _random_areas(rng: np.random.Generator, k: int) -> np.ndarray:
    local = _ALL_DISTRICTS[rng.choice(len(_ALL_DISTRICTS), size=k, p=_DISTRICT_W)]
    return np.where(rng.random(k) < 0.8, local, _MIGRANT[rng.integers(0, len(_MIGRANT), k)])


@dataclass
class Roles:
    controller: np.ndarray  # per firm: the person who controls it (group controller or founder)
    spouse: np.ndarray  # per firm: the controller's spouse, or -1
    relatives: np.ndarray  # per firm: (n, 3) the controller's sibling, child, parent (or -1)
    legal_rep: np.ndarray  # per firm
    managers: np.ndarray  # per firm: (n, 3) the group's managers, or a hired manager (or -1)
    positions: pd.DataFrame  # person, enterprise, role, start, end (day offsets)
    family: pd.DataFrame  # person, relative, relation


def _pick_valid(rng: np.random.Generator, pool: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Per row, a uniformly chosen non-negative entry of ``pool`` (or ``fallback`` if none)."""
    valid = pool >= 0
    count = valid.sum(axis=1)
    k = np.floor(rng.random(len(pool)) * np.maximum(count, 1)).astype(np.int64)
    # column of the k-th valid entry
    rank = np.cumsum(valid, axis=1) - 1
    hit = valid & (rank == k[:, None])
    col = np.argmax(hit, axis=1)
    chosen = pool[np.arange(len(pool)), col]
    return np.where(count > 0, chosen, fallback)


def build_roles(rng: np.random.Generator, cfg: GeneratorConfig, f: Firms,
                pb: PeopleBuilder) -> Roles:
    n, g = f.n, f.groups
    as_of_epoch = int(np.datetime64(cfg.as_of, "D").astype(np.int64))
    standalone = np.flatnonzero(f.group < 0)

    # controllers: one per group, one per founder; a few founders own two standalone firms
    reuse = rng.random(len(standalone)) < cfg.founder_reuse_share
    reuse[:1] = False  # the first founder is never a copy
    founders_of = standalone[~reuse]
    top_est = f.established[f.group_top] + as_of_epoch
    founder_est = f.established[founders_of] + as_of_epoch
    est = np.concatenate([top_est, founder_est])
    c = len(est)
    ctrl_male = rng.random(c) < 0.83
    ctrl_birth = est - np.round(rng.uniform(24, 45, c) * _YEAR).astype(np.int64)
    ctrl_area = np.concatenate([f.district[f.group_top], f.district[founders_of]])
    ctrl_area = np.where(rng.random(c) < 0.6, ctrl_area, _random_areas(rng, c))
    ctrl = pb.add(ctrl_birth, ctrl_male, area=ctrl_area)
    ctrl_birth = pb.birth(ctrl)
    ctrl_surname = pb.surname(ctrl)

    # families of controllers
    has_spouse = rng.random(c) < 0.72
    s_idx = np.flatnonzero(has_spouse)
    spouse = np.full(c, -1, dtype=np.int64)
    spouse[s_idx] = pb.add(ctrl_birth[s_idx] + np.round(rng.uniform(-4, 3, len(s_idx)) * _YEAR),
                           ~ctrl_male[s_idx])
    old_enough = ctrl_birth <= np.datetime64("1976-12-31", "D").astype(np.int64)
    has_child = old_enough & (rng.random(c) < 0.35)
    k_idx = np.flatnonzero(has_child)
    father_surname = np.where(ctrl_male | (spouse < 0), ctrl_surname,
                              pb.surname(np.maximum(spouse, 0)))
    child = np.full(c, -1, dtype=np.int64)
    child[k_idx] = pb.add(ctrl_birth[k_idx] + np.round(rng.uniform(24, 32, len(k_idx)) * _YEAR),
                          rng.random(len(k_idx)) < 0.55, father_surname[k_idx])
    has_sibling = rng.random(c) < 0.25
    b_idx = np.flatnonzero(has_sibling)
    sibling = np.full(c, -1, dtype=np.int64)
    sibling[b_idx] = pb.add(ctrl_birth[b_idx] + np.round(rng.uniform(-8, 8, len(b_idx)) * _YEAR),
                            rng.random(len(b_idx)) < 0.5, ctrl_surname[b_idx])
    has_parent = ~old_enough & (rng.random(c) < 0.12)
    p_idx = np.flatnonzero(has_parent)
    parent = np.full(c, -1, dtype=np.int64)
    parent[p_idx] = pb.add(ctrl_birth[p_idx] - np.round(rng.uniform(24, 30, len(p_idx)) * _YEAR),
                           np.ones(len(p_idx), dtype=bool), ctrl_surname[p_idx])

    # map controllers to firms
    unit = np.full(n, -1, dtype=np.int64)  # controller slot of each firm
    unit[f.group >= 0] = f.group[f.group >= 0]
    unit[founders_of] = g + np.arange(len(founders_of))
    donors = rng.choice(founders_of, size=int(reuse.sum())) if reuse.any() else founders_of[:0]
    unit[standalone[reuse]] = unit[donors]
    controller = ctrl[unit]
    relatives = np.column_stack([sibling[unit], child[unit], parent[unit]])

    # managers: 1-3 per group; standalone firms sometimes hire one
    managers = np.full((n, 3), -1, dtype=np.int64)
    m_count = 1 + rng.binomial(2, 0.4, g)
    group_mgr = np.full((g, 3), -1, dtype=np.int64)
    slots = np.arange(3)[None, :] < m_count[:, None]
    group_mgr[slots] = pb.add_random(int(slots.sum()), 1965, 1992, 0.7)
    in_group = f.group >= 0
    managers[in_group] = group_mgr[f.group[in_group]]
    hires = np.flatnonzero(~in_group & (rng.random(n) < np.where(f.guarantee_co, 0.8, 0.25)))
    managers[hires, 0] = pb.add_random(len(hires), 1965, 1995, 0.6)

    # legal representatives
    family_pool = np.column_stack([spouse[unit], relatives[:, :2], managers])
    roll = rng.random(n)
    from_pool = _pick_valid(rng, family_pool, controller)
    ctrl_share = np.where(f.rank == 0, 0.7, np.where(f.rank > 0, 0.3, 0.82))
    legal_rep = np.where(roll < ctrl_share, controller, from_pool)
    standalone_alt = np.where(managers[:, 0] >= 0, managers[:, 0],
                              np.where(spouse[unit] >= 0, spouse[unit], controller))
    legal_rep = np.where(in_group, legal_rep, np.where(roll < 0.82, controller, standalone_alt))

    positions = _positions(rng, cfg, f, pb, controller, legal_rep, spouse[unit], relatives,
                           managers, family_pool)
    family = _family(rng, ctrl, spouse, child, sibling, parent, group_mgr)
    return Roles(controller, spouse[unit], relatives, legal_rep, managers, positions, family)


def _positions(rng: np.random.Generator, cfg: GeneratorConfig, f: Firms, pb: PeopleBuilder,
               controller: np.ndarray, legal_rep: np.ndarray, spouse: np.ndarray,
               relatives: np.ndarray, managers: np.ndarray, pool: np.ndarray) -> pd.DataFrame:
    n = f.n
    firm = np.arange(n)
    parts: list[tuple[np.ndarray, np.ndarray, str]] = [(legal_rep, firm, "legal_rep")]

    ctrl_director = (f.rank == 0) | ((f.rank > 0) & (rng.random(n) < 0.35)) | (
        (f.group < 0) & ((legal_rep != controller) | (rng.random(n) < 0.6)))
    parts.append((controller[ctrl_director], firm[ctrl_director], "director"))
    pool_director = (f.group >= 0) & (rng.random(n) < 0.4)
    chosen = _pick_valid(rng, pool[pool_director], np.full(int(pool_director.sum()), -1))
    parts.append((chosen[chosen >= 0], firm[pool_director][chosen >= 0], "director"))
    new_directors = rng.binomial(2, 0.25, n)
    owners = np.repeat(firm, new_directors)
    parts.append((pb.add_random(len(owners), 1960, 1995, 0.65), owners, "director"))

    has_sup = rng.random(n) < 0.6
    fam = _pick_valid(rng, np.column_stack([spouse, relatives[:, :2]]), np.full(n, -1))
    fam_sup = has_sup & (fam >= 0) & (rng.random(n) < 0.35)
    parts.append((fam[fam_sup], firm[fam_sup], "supervisor"))
    new_sup = firm[has_sup & ~fam_sup]
    parts.append((pb.add_random(len(new_sup), 1960, 1998, 0.5), new_sup, "supervisor"))

    has_mgr = rng.random(n) < 0.55
    known = _pick_valid(rng, managers, np.full(n, -1))
    use_known = has_mgr & (known >= 0) & (rng.random(n) < 0.7)
    parts.append((known[use_known], firm[use_known], "manager"))
    new_mgr = firm[has_mgr & ~use_known]
    parts.append((pb.add_random(len(new_mgr), 1962, 1995, 0.6), new_mgr, "manager"))

    person = np.concatenate([p for p, _, _ in parts])
    enterprise = np.concatenate([e for _, e, _ in parts])
    role = np.concatenate([np.full(len(p), r, dtype=object) for p, _, r in parts])
    est = f.established[enterprise]
    start = np.round(est + rng.random(len(person)) * (-est - 1)).astype(np.int64)
    start = np.where(rng.random(len(person)) < 0.3, NODATE, start)
    end = np.full(len(person), NODATE)

    # a few posts ended: a former director, supervisor or manager
    ended_firm = firm[rng.random(n) < 0.08]
    k = len(ended_firm)
    e_person = pb.add_random(k, 1955, 1990, 0.65)
    e_role = np.array(["director", "supervisor", "manager"], dtype=object)[rng.integers(0, 3, k)]
    e_est = f.established[ended_firm]
    e_start = np.round(e_est + rng.random(k) * (-e_est - 60)).astype(np.int64)
    e_end = np.round(e_start + 30 + rng.random(k) * (-e_start - 31)).astype(np.int64)
    frame = pd.DataFrame({
        "person": np.concatenate([person, e_person]),
        "enterprise": np.concatenate([enterprise, ended_firm]),
        "role": np.concatenate([role, e_role]),
        "start": np.concatenate([start, e_start]),
        "end": np.concatenate([end, e_end]),
    })
    return frame.drop_duplicates(["person", "enterprise", "role"]).reset_index(drop=True)


def _family(rng: np.random.Generator, ctrl: np.ndarray, spouse: np.ndarray, child: np.ndarray,
            sibling: np.ndarray, parent: np.ndarray, group_mgr: np.ndarray) -> pd.DataFrame:
    """Each tie once: ``(person, relative, relation)`` says the relative is the person's
    ``relation`` (``(A, B, child)``: B is A's child)."""
    rows = []
    for rel, arr in (("spouse", spouse), ("child", child), ("sibling", sibling),
                     ("parent", parent)):
        has = arr >= 0
        rows.append(pd.DataFrame({"person": ctrl[has], "relative": arr[has], "relation": rel}))
    both = (spouse >= 0) & (child >= 0) & (rng.random(len(ctrl)) < 0.6)
    rows.append(pd.DataFrame({"person": spouse[both], "relative": child[both],
                              "relation": "child"}))
    g = len(group_mgr)
    kin = (rng.random(g) < 0.08) & (group_mgr[:, 0] >= 0)
    rows.append(pd.DataFrame({"person": ctrl[:g][kin], "relative": group_mgr[kin, 0],
                              "relation": "other"}))
    return pd.concat(rows, ignore_index=True)
