"""The sample-portfolio generator writes a valid, realistic portfolio with a planted, measurable
network effect, and the same config always gives the same bytes."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from ingest.generator import GeneratedPortfolio, GeneratorConfig, generate_portfolio
from ingest.ids import valid_resident_ids, valid_usccs
from riskgraph.errors import ConfigError

AS_OF = date(2025, 12, 31)
STEMS = ("enterprises", "persons", "positions", "shareholdings", "family", "loans", "guarantees",
         "contacts", "events")
# The columns of shared/portfolio-format.md, in its order
FORMAT_COLUMNS = {
    "enterprises": ["enterprise_id", "name", "industry", "region", "registered_capital",
                    "established", "status", "total_assets", "total_liabilities", "revenue"],
    "persons": ["person_id", "name", "birth_date"],
    "positions": ["person_id", "enterprise_id", "role", "start", "end"],
    "shareholdings": ["holder_id", "enterprise_id", "ratio", "as_of"],
    "family": ["person_id", "relative_id", "relation"],
    "loans": ["loan_id", "borrower_id", "lender", "amount", "outstanding", "start", "maturity",
              "status", "default_date", "overdue_days"],
    "guarantees": ["guarantee_id", "guarantor_id", "loan_id", "amount", "kind", "start", "end"],
    "contacts": ["owner_id", "kind", "value"],
    "events": ["entity_id", "date", "kind", "detail"],
}


class Portfolio:
    """A generated portfolio read back as text, as a loader sees it."""

    def __init__(self, result: GeneratedPortfolio) -> None:
        self.result = result
        self.path = result.path
        self.t = {s: pd.read_csv(self.path / f"{s}.csv", dtype=str, keep_default_na=False)
                  for s in STEMS}
        self.labels = pd.read_csv(result.labels_path, dtype=str, keep_default_na=False)

    def __getitem__(self, stem: str) -> pd.DataFrame:
        return self.t[stem]

    @property
    def defaulted_firms(self) -> set[str]:
        loans = self["loans"]
        return set(loans.loc[loans["status"] == "default", "borrower_id"])


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Portfolio:
    out = tmp_path_factory.mktemp("small") / "portfolio"
    return Portfolio(generate_portfolio(out, GeneratorConfig(enterprises=1500, seed=11)))


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Portfolio:
    out = tmp_path_factory.mktemp("large") / "portfolio"
    return Portfolio(generate_portfolio(out, GeneratorConfig(enterprises=10000, seed=3)))


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.where(values != ""), format="%Y-%m-%d")


# --- layout and columns ------------------------------------------------------------------------

def test_writes_every_table_the_manifest_and_labels_in_a_subfolder(small: Portfolio) -> None:
    files = sorted(p.name for p in small.path.iterdir())
    assert files == sorted([*(f"{s}.csv" for s in STEMS), "manifest.json", "labels"])
    manifest = json.loads((small.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == {"name": "sample-1500-seed11", "as_of": "2025-12-31", "currency": "CNY"}
    assert small.result.labels_path == small.path / "labels" / "labels.csv"
    assert small.result.rows == {s: len(small[s]) for s in STEMS}


def test_every_table_has_exactly_the_format_columns(small: Portfolio) -> None:
    for stem, columns in FORMAT_COLUMNS.items():
        got = list(small[stem].columns)
        assert got[: len(columns)] == columns, stem
        extra = got[len(columns):]
        assert all(c.startswith("f_") for c in extra), (stem, extra)
        assert stem == "enterprises" or not extra, stem
    features = [c for c in small["enterprises"].columns if c.startswith("f_")]
    assert 2 <= len(features) <= 3
    assert list(small.labels.columns) == ["entity_id", "defaulted", "default_date"]


def test_parquet_holds_the_same_tables_as_csv(small: Portfolio, tmp_path: Path) -> None:
    cfg = GeneratorConfig(enterprises=1500, seed=11, file_format="parquet")
    result = generate_portfolio(tmp_path / "pq", cfg)
    assert result.rows == small.result.rows
    for stem in STEMS:
        frame = pd.read_parquet(tmp_path / "pq" / f"{stem}.parquet")
        assert list(frame.columns) == list(small[stem].columns), stem
        key = frame.columns[0]
        assert frame[key].astype(str).tolist() == small[stem][key].tolist(), stem
    loans = pd.read_parquet(tmp_path / "pq" / "loans.parquet")
    assert (loans["amount"].to_numpy() == small["loans"]["amount"].astype(np.int64)).all()


# --- ids and names -----------------------------------------------------------------------------

def test_enterprise_ids_are_valid_unique_usccs(small: Portfolio) -> None:
    ids = small["enterprises"]["enterprise_id"]
    assert valid_usccs(ids).all()
    assert ids.is_unique
    assert ids.str.startswith("91").all()
    assert ids.str[2:8].str.fullmatch(r"[1-6]\d{5}").all()  # a county code of registration


def test_person_ids_are_valid_unique_and_agree_with_birth_dates(small: Portfolio) -> None:
    persons = small["persons"]
    ids = persons["person_id"]
    assert valid_resident_ids(ids).all()
    assert ids.is_unique
    assert not ids.str.contains("x").any()
    assert (ids.str[6:14] == persons["birth_date"].str.replace("-", "")).all()
    years = ids.str[6:10].astype(int)
    assert years.between(1950, 2000).all()
    assert not set(ids) & set(small["enterprises"]["enterprise_id"])


def test_enterprise_names_are_unique_and_chinese(small: Portfolio) -> None:
    names = small["enterprises"]["name"]
    assert names.is_unique
    assert names.str.endswith("有限公司").all()
    assert names.str.fullmatch(r"[\u4e00-\u9fff]+").all()
    assert small["persons"]["name"].str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()


# --- relations ---------------------------------------------------------------------------------

def test_every_enterprise_has_exactly_one_legal_rep(small: Portfolio) -> None:
    positions = small["positions"]
    reps = positions[positions["role"] == "legal_rep"]
    counts = reps["enterprise_id"].value_counts()
    assert set(counts.index) == set(small["enterprises"]["enterprise_id"])
    assert (counts == 1).all()
    assert (reps["end"] == "").all()
    assert reps["person_id"].value_counts().max() > 1  # someone represents several firms


def test_positions_refer_to_known_parties_and_ended_posts_end_before_as_of(
        small: Portfolio) -> None:
    positions = small["positions"]
    assert positions["person_id"].isin(small["persons"]["person_id"]).all()
    assert positions["enterprise_id"].isin(small["enterprises"]["enterprise_id"]).all()
    assert not positions.duplicated(["person_id", "enterprise_id", "role"]).any()
    ended = positions[positions["end"] != ""]
    assert len(ended) > 0
    assert (_dates(ended["start"]) < _dates(ended["end"])).all()
    assert (_dates(ended["end"]) <= pd.Timestamp(AS_OF)).all()


def test_shareholdings_in_an_enterprise_add_up_to_at_most_one(small: Portfolio) -> None:
    holdings = small["shareholdings"]
    ratio = holdings["ratio"].astype(float)
    assert ((ratio > 0) & (ratio <= 1)).all()
    totals = ratio.groupby(holdings["enterprise_id"]).sum()
    assert (totals <= 1 + 1e-9).all()
    assert not (holdings["holder_id"] == holdings["enterprise_id"]).any()
    assert not holdings.duplicated(["holder_id", "enterprise_id"]).any()


def test_groups_form_equity_pyramids(large: Portfolio) -> None:
    holdings = large["shareholdings"]
    by_firm = holdings[holdings["holder_id"].str.startswith("9")]
    majority = by_firm[by_firm["ratio"].astype(float) >= 0.51]
    parent_of = dict(zip(majority["enterprise_id"], majority["holder_id"], strict=True))
    depth = {e: 1 for e in parent_of}
    for e in parent_of:  # depth of the chain of majority holders above e
        seen, cur = {e}, parent_of[e]
        while cur in parent_of and cur not in seen:
            seen.add(cur)
            depth[e] += 1
            cur = parent_of[cur]
    assert max(depth.values()) >= 3
    graph = nx.DiGraph(list(zip(holdings["holder_id"], holdings["enterprise_id"], strict=True)))
    cycles = list(nx.simple_cycles(graph, length_bound=12))
    assert 0 < len(cycles) <= len(large["enterprises"]) * 0.005  # rare, but there


def test_family_ties_are_written_once_and_never_to_oneself(small: Portfolio) -> None:
    family = small["family"]
    assert not (family["person_id"] == family["relative_id"]).any()
    pairs = family.apply(lambda r: frozenset((r["person_id"], r["relative_id"])), axis=1)
    assert pairs.is_unique
    assert {"spouse", "child", "sibling"} <= set(family["relation"])
    people = set(small["persons"]["person_id"])
    assert family["person_id"].isin(people).all() and family["relative_id"].isin(people).all()


def test_no_guarantor_guarantees_its_own_loan(small: Portfolio) -> None:
    g = small["guarantees"].merge(small["loans"], on="loan_id", suffixes=("", "_loan"))
    assert len(g) == len(small["guarantees"])
    assert not (g["guarantor_id"] == g["borrower_id"]).any()
    assert (g["amount"].astype(np.int64) <= g["amount_loan"].astype(np.int64)).all()
    assert (g["amount"].astype(np.int64) > 0).all()
    assert g["kind"].value_counts().idxmax() == "joint"
    persons = set(small["persons"]["person_id"])
    assert g["guarantor_id"].isin(persons).any()  # controllers guarantee personally


def test_guarantee_network_has_mutual_pairs_and_circles(large: Portfolio) -> None:
    g = large["guarantees"].merge(large["loans"][["loan_id", "borrower_id"]], on="loan_id")
    g = g[g["guarantor_id"].str.startswith("9")]
    graph = nx.DiGraph(list(zip(g["guarantor_id"], g["borrower_id"], strict=True)))
    mutual = sum(graph.has_edge(v, u) for u, v in graph.edges) // 2
    assert mutual >= 100
    circles = [c for c in nx.simple_cycles(graph, length_bound=6) if len(c) >= 3]
    assert len(circles) >= 20


def test_related_firms_share_contacts_more_than_strangers(small: Portfolio) -> None:
    contacts = small["contacts"]
    firms = contacts[contacts["owner_id"].str.startswith("9")]
    owners = firms.groupby(["kind", "value"])["owner_id"].nunique()
    assert (owners > 1).sum() > 0.02 * len(small["enterprises"])
    assert not contacts.duplicated().any()
    assert set(contacts["kind"]) == {"phone", "address", "email"}


# --- loans, events and the history -------------------------------------------------------------

def test_loans_agree_with_their_status(small: Portfolio) -> None:
    loans = small["loans"]
    amount = loans["amount"].astype(np.int64)
    outstanding = loans["outstanding"].astype(np.int64)
    assert ((0 <= outstanding) & (outstanding <= amount)).all()
    start, maturity = _dates(loans["start"]), _dates(loans["maturity"])
    assert (start < maturity).all()
    assert (start <= pd.Timestamp(AS_OF)).all()
    is_default = loans["status"] == "default"
    assert ((loans["default_date"] != "") == is_default).all()
    overdue = loans["status"] == "overdue"
    assert (loans.loc[overdue, "overdue_days"].astype(int) >= 1).all()
    assert (loans.loc[~overdue & ~is_default, "overdue_days"] == "").all()
    assert (outstanding[loans["status"] == "closed"] == 0).all()
    established = loans["borrower_id"].map(
        small["enterprises"].set_index("enterprise_id")["established"])
    assert (start > _dates(established)).all()
    assert (start[is_default] < _dates(loans.loc[is_default, "default_date"])).all()
    assert loans["lender"].nunique() == len(GeneratorConfig().lenders)
    per_firm = loans["borrower_id"].value_counts()
    assert per_firm.between(1, 3).mean() > 0.8


def test_every_defaulted_loan_has_a_default_event_on_its_default_date(small: Portfolio) -> None:
    loans = small["loans"]
    defaulted = loans[loans["status"] == "default"]
    assert len(defaulted) > 0
    events = small["events"]
    defaults = set(zip(events.loc[events["kind"] == "default", "entity_id"],
                       events.loc[events["kind"] == "default", "date"], strict=True))
    assert set(zip(defaulted["borrower_id"], defaulted["default_date"], strict=True)) <= defaults


def test_nothing_is_dated_after_as_of(small: Portfolio) -> None:
    limit = pd.Timestamp(AS_OF)
    for stem, column in [("enterprises", "established"), ("persons", "birth_date"),
                         ("positions", "start"), ("shareholdings", "as_of"), ("loans", "start"),
                         ("loans", "default_date"), ("guarantees", "start"), ("events", "date")]:
        dates = _dates(small[stem][column]).dropna()
        assert (dates <= limit).all(), (stem, column)
    events = small["events"]
    assert not events.duplicated(["entity_id", "date", "kind", "detail"]).any()
    assert {"overdue", "default", "lawsuit", "recovery"} <= set(events["kind"])


def test_labels_hold_only_defaults_after_as_of_and_never_enter_the_portfolio(
        small: Portfolio) -> None:
    labels = small.labels
    assert labels["entity_id"].tolist() == small["enterprises"]["enterprise_id"].tolist()
    hit = labels["defaulted"] == "1"
    assert set(labels["defaulted"]) == {"0", "1"}
    assert (labels.loc[~hit, "default_date"] == "").all()
    dates = _dates(labels.loc[hit, "default_date"])
    horizon_end = pd.Timestamp(AS_OF + timedelta(days=365))
    assert ((dates > pd.Timestamp(AS_OF)) & (dates <= horizon_end)).all()
    future = set(labels.loc[hit, "entity_id"])
    assert not future & small.defaulted_firms
    events = small["events"]
    assert not future & set(events.loc[events["kind"] == "default", "entity_id"])
    assert small.result.defaults_in_horizon == int(hit.sum())
    assert small.result.defaults_before_as_of == len(small.defaulted_firms)


def test_default_rates_are_in_the_intended_range(large: Portfolio) -> None:
    n = len(large["enterprises"])
    before = len(large.defaulted_firms) / n
    after = (large.labels["defaulted"] == "1").mean()
    assert 0.03 <= before <= 0.07
    assert 0.04 <= after <= 0.085


def test_firms_whose_guarantee_counterparty_defaulted_default_several_times_as_often(
        large: Portfolio) -> None:
    g = large["guarantees"].merge(large["loans"][["loan_id", "borrower_id"]], on="loan_id")
    g = g[g["guarantor_id"].str.startswith("9")]
    gone = large.defaulted_firms
    exposed = (set(g.loc[g["borrower_id"].isin(gone), "guarantor_id"])
               | set(g.loc[g["guarantor_id"].isin(gone), "borrower_id"]))
    alive = large.labels[~large.labels["entity_id"].isin(gone)]
    hit = alive["defaulted"] == "1"
    is_exposed = alive["entity_id"].isin(exposed)
    assert is_exposed.sum() >= 100
    assert hit[is_exposed].mean() >= 3 * hit[~is_exposed].mean()


def test_leverage_carries_risk(large: Portfolio) -> None:
    e = large["enterprises"]
    leverage = e["total_liabilities"].astype(float) / e["total_assets"].astype(float)
    hit = (large.labels["defaulted"] == "1").to_numpy()
    high = leverage.to_numpy() > np.quantile(leverage, 0.8)
    low = leverage.to_numpy() < np.quantile(leverage, 0.2)
    assert hit[high].mean() > 1.5 * hit[low].mean()


# --- determinism and config --------------------------------------------------------------------

@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_the_same_config_gives_byte_identical_files(tmp_path: Path, file_format: str) -> None:
    cfg = GeneratorConfig(enterprises=300, seed=5, file_format=file_format)  # type: ignore[arg-type]
    generate_portfolio(tmp_path / "a", cfg)
    generate_portfolio(tmp_path / "b", cfg)
    files = sorted(p.relative_to(tmp_path / "a")
                   for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len(files) == 11
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    other_cfg = GeneratorConfig(enterprises=300, seed=6, file_format=file_format)  # type: ignore[arg-type]
    other = generate_portfolio(tmp_path / "c", other_cfg)
    loans = f"loans.{file_format}"
    assert (tmp_path / "a" / loans).read_bytes() != (other.path / loans).read_bytes()


def test_regenerating_in_another_format_replaces_the_old_files(tmp_path: Path) -> None:
    generate_portfolio(tmp_path, GeneratorConfig(enterprises=200, file_format="csv"))
    generate_portfolio(tmp_path, GeneratorConfig(enterprises=200, file_format="parquet"))
    assert not list(tmp_path.glob("*.csv"))
    assert len(list(tmp_path.glob("*.parquet"))) == len(STEMS)


def test_generated_portfolio_loads_without_a_single_reject(small: Portfolio) -> None:
    from ingest import Pseudonymiser, validate_portfolio

    loaded = validate_portfolio(small.path, Pseudonymiser(b"test-secret"))
    assert loaded.report.rejects.empty, loaded.report.rejects.head()
    assert loaded.report.warnings == []
    assert {s: f.accepted for s, f in loaded.report.files.items()} == small.result.rows


@pytest.mark.parametrize("bad", [
    {"enterprises": 5}, {"file_format": "xlsx"}, {"group_share": 1.5},
    {"kappa_group": -0.1}, {"lenders": ("A", "B"), "lender_weights": (1.0,)},
    {"loan_count_probs": (0.5, 0.2)},
])
def test_config_refuses_values_that_make_no_sense(bad: dict) -> None:
    with pytest.raises(ConfigError):
        GeneratorConfig(**bad)
