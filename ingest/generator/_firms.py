"""Enterprises: the business-group layout, where and when each firm was registered, its
financial statements, the latent baseline default probability read from them, its name and its
Unified Social Credit Code.

Index order: group firms first (each group a contiguous block, its top firm first), then
standalone firms, then financing-guarantee companies. Output tables are sorted by id, so this
order never shows in the files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ingest.generator._config import GeneratorConfig
from ingest.generator._identities import brand_names, enterprise_ids
from ingest.generator._vocab import CITIES, GUARANTOR, HOLDING, INDUSTRIES, Industry

__all__ = ["ALL_INDUSTRIES", "Firms", "build_firms"]

ALL_INDUSTRIES: tuple[Industry, ...] = (*INDUSTRIES, HOLDING, GUARANTOR)
_HOLDING = len(INDUSTRIES)
_GUARANTOR = len(INDUSTRIES) + 1
_DAYS_PER_YEAR = 365.25


@dataclass
class Firms:
    """Index-aligned arrays over the enterprises (length ``n``) and over the groups."""

    n: int
    group: np.ndarray  # group index, -1 for a standalone firm
    rank: np.ndarray  # 0 for a group's top firm, -1 standalone
    parent: np.ndarray  # the firm holding the majority (for rank >= 1), else -1
    group_top: np.ndarray  # per group: index of its top firm
    group_size: np.ndarray  # per group
    guarantee_co: np.ndarray  # bool: a financing-guarantee company
    industry: np.ndarray  # index into ALL_INDUSTRIES
    city: np.ndarray  # index into CITIES
    district: np.ndarray  # county-level code (str)
    established: np.ndarray  # day offset from as_of
    assets: np.ndarray  # int64 CNY
    liabilities: np.ndarray
    revenue: np.ndarray
    registered_capital: np.ndarray
    features: dict[str, np.ndarray]
    score: np.ndarray  # risk score read from the financials (higher: riskier)
    baseline_pd: np.ndarray  # annual default probability before any contagion
    ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    names: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))

    @property
    def groups(self) -> int:
        return len(self.group_top)

    @property
    def net_assets(self) -> np.ndarray:
        return np.maximum(self.assets - self.liabilities, 1.0)


def _group_sizes(rng: np.random.Generator, target: int, cfg: GeneratorConfig) -> np.ndarray:
    if target < 2:
        return np.zeros(0, dtype=np.int64)
    u = rng.random(target // 2 + 1)
    sizes = np.clip(np.floor(2 * (1 - u) ** (-1 / cfg.group_size_alpha)), 2,
                    cfg.group_size_max).astype(np.int64)
    cs = np.cumsum(sizes)
    k = int(np.searchsorted(cs, target))
    sizes = sizes[: k + 1].copy()
    sizes[-1] -= int(cs[k] - target)
    return sizes if sizes[-1] >= 2 else sizes[:-1]


def _round_to(x: np.ndarray, step: float, minimum: float) -> np.ndarray:
    return np.maximum(np.round(x / step) * step, minimum).astype(np.int64)


def build_firms(rng: np.random.Generator, cfg: GeneratorConfig) -> Firms:
    n = cfg.enterprises
    n_gco = int(round(n * cfg.guarantee_companies_per_1000 / 1000))
    sizes = _group_sizes(rng, min(int(round(n * cfg.group_share)), n - n_gco), cfg)
    in_groups = int(sizes.sum())
    n_groups = len(sizes)
    group_top = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)[:n_groups]

    group = np.full(n, -1, dtype=np.int64)
    group[:in_groups] = np.repeat(np.arange(n_groups), sizes)
    rank = np.full(n, -1, dtype=np.int64)
    rank[:in_groups] = np.arange(in_groups) - np.repeat(group_top, sizes)
    parent = np.full(n, -1, dtype=np.int64)
    sub = rank > 0
    # a subsidiary hangs under an earlier firm of its group, most often near the top: a pyramid
    parent[sub] = group_top[group[sub]] + np.floor(rank[sub] * rng.random(int(sub.sum())) ** 1.6)
    guarantee_co = np.zeros(n, dtype=bool)
    guarantee_co[n - n_gco:] = True

    weights = np.array([i.weight for i in INDUSTRIES])
    weights /= weights.sum()
    industry = rng.choice(len(INDUSTRIES), size=n, p=weights)
    main = rng.choice(len(INDUSTRIES), size=n_groups, p=weights)
    in_group = group >= 0
    keep_main = in_group & (rng.random(n) < 0.55)
    industry[keep_main] = main[group[keep_main]]
    top = rank == 0
    holding_top = top & (rng.random(n) < cfg.holding_company_share)
    industry[top & ~holding_top] = main[group[top & ~holding_top]]
    industry[holding_top] = _HOLDING
    industry[guarantee_co] = _GUARANTOR

    city_w = np.array([c.weight for c in CITIES], dtype=float)
    city_w /= city_w.sum()
    city = rng.choice(len(CITIES), size=n, p=city_w)
    group_city = rng.choice(len(CITIES), size=n_groups, p=city_w)
    home = in_group & ((rng.random(n) < 0.75) | top)
    city[home] = group_city[group[home]]
    n_districts = np.array([len(c.districts) for c in CITIES])
    pick = np.floor(rng.random(n) * n_districts[city]).astype(np.int64)
    codes = np.array([[d[0] for d in c.districts] + [""] * (n_districts.max() - len(c.districts))
                      for c in CITIES])
    district = codes[city, pick]

    # age in years: a group's top firm is old, its subsidiaries younger
    age = np.minimum(1.2 + rng.exponential(8.0, n), 32.0)
    top_age = rng.uniform(6, 30, n_groups)
    age[top] = top_age[group[top]]
    age[sub] = np.maximum(top_age[group[sub]] * rng.uniform(0.15, 0.95, int(sub.sum())), 1.2)
    age[guarantee_co] = rng.uniform(5, 15, n_gco)
    established = -np.round(age * _DAYS_PER_YEAR).astype(np.int64)

    ind = ALL_INDUSTRIES
    risk_shift = np.array([i.risk for i in ind])[industry]
    z = rng.standard_normal(n) + risk_shift
    ln_assets = (np.log(4e7) + np.array([i.scale for i in ind])[industry]
                 + 0.9 * rng.standard_normal(n) + 0.5 * in_group + 0.6 * top
                 + 0.15 * np.log(age))
    assets = _round_to(np.exp(np.clip(ln_assets, np.log(3e6), np.log(8e10))), 1e4, 1e6)
    leverage = np.clip(0.57 + np.array([i.leverage for i in ind])[industry] + 0.10 * z
                       + 0.07 * rng.standard_normal(n), 0.12, 0.95)
    liabilities = _round_to(assets * leverage, 1e4, 0)
    turnover = np.array([i.turnover for i in ind])[industry]
    revenue = _round_to(assets * np.exp(turnover - 0.1 * z + 0.3 * rng.standard_normal(n)), 1e4, 0)
    registered_capital = _round_to(assets * rng.uniform(0.05, 0.4, n), 1e5, 1e5)
    current_ratio = np.round(np.exp(0.22 - 0.2 * z + 0.18 * rng.standard_normal(n)), 2)
    coverage = np.round(np.exp(1.1 - 0.5 * z + 0.4 * rng.standard_normal(n)), 2)
    growth = np.round(0.05 - 0.05 * z + 0.09 * rng.standard_normal(n), 3)
    features = {"f_current_ratio": current_ratio, "f_interest_coverage": coverage,
                "f_revenue_growth": growth}

    lev_obs = liabilities / assets
    score = (4.0 * (lev_obs - 0.6) - 1.0 * np.log(current_ratio)
             - 0.3 * np.log(np.maximum(coverage, 0.01)) - 1.5 * growth
             + 0.4 * risk_shift + 0.3 * (age < 3) - 1.0 * guarantee_co
             + 0.4 * rng.standard_normal(n))  # the last term: what no statement shows
    baseline_pd = 1 / (1 + np.exp(-(cfg.base_logit + score)))

    firms = Firms(n, group, rank, parent, group_top, sizes, guarantee_co, industry, city, district,
                  established, assets, liabilities, revenue, registered_capital, features, score,
                  baseline_pd)
    year = (np.datetime64(cfg.as_of, "D") + established.astype("timedelta64[D]")).astype(
        "datetime64[Y]").astype(np.int64) + 1970
    firms.ids = enterprise_ids(rng, district, year)
    firms.names = _names(rng, firms)
    return firms


def _names(rng: np.random.Generator, f: Firms) -> np.ndarray:
    """Unique names: place + brand + trade word + legal form. Firms of a group mostly share the
    group's brand (恒达控股集团有限公司, 杭州恒达钢铁有限公司, ...)."""
    n = f.n
    city_short = np.array([c.short for c in CITIES])
    province_short = np.array([c.province.rstrip("省市") for c in CITIES])
    in_group = f.group >= 0
    group_brand = brand_names(rng, max(f.groups, 1))
    words = [np.array(i.words) for i in ALL_INDUSTRIES]
    word_count = np.array([len(w) for w in words])
    word_table = np.array([[*w, *([""] * (word_count.max() - len(w)))] for w in words])
    suffix_choices = np.array(["有限公司", "股份有限公司"])
    todo = np.ones(n, dtype=bool)
    names = np.empty(n, dtype=object)
    first_round = True
    while todo.any():
        idx = np.flatnonzero(todo)
        k = len(idx)
        prefix = np.where(rng.random(k) < 0.8, city_short[f.city[idx]],
                          province_short[f.city[idx]])
        brand = brand_names(rng, k, three=rng.random(k) < (0.15 if first_round else 0.6))
        use_group = in_group[idx] & (rng.random(k) < (0.8 if first_round else 0.2))
        brand = np.where(use_group, group_brand[np.maximum(f.group[idx], 0)], brand)
        ind = f.industry[idx]
        word = word_table[ind, np.floor(rng.random(k) * word_count[ind]).astype(np.int64)]
        suffix = suffix_choices[(rng.random(k) < 0.15).astype(np.int64)]
        suffix = np.where(ind == _HOLDING, "有限公司", suffix)
        suffix = np.where(ind == _GUARANTOR, "有限公司", suffix)
        names[idx] = np.char.add(np.char.add(np.char.add(prefix, brand), word), suffix)
        # keep the first of each name; redraw the rest
        taken = set(names[~todo].tolist())
        seen: set[str] = set()
        again = np.zeros(k, dtype=bool)
        for j, name in enumerate(names[idx].tolist()):
            if name in taken or name in seen:
                again[j] = True
            else:
                seen.add(name)
        todo[:] = False
        todo[idx[again]] = True
        first_round = False
    return names
