"""The exposure network derived from a graph snapshot (tests/kit.py small_portfolio), and the
plain CSV form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from kit import small_portfolio, uscc, write_portfolio

from gnn.contagion import (
    ExposureConfig,
    ExposureNetwork,
    Scenario,
    UnknownBuffer,
    exposure_network_from_snapshot,
    read_exposure_csv,
    simulate,
)
from graph import EmbeddedStore, load_portfolio
from ingest import Pseudonymiser
from riskgraph.errors import ConfigError, NotFound, PortfolioError

A, B, H = uscc(1), uscc(2), uscc(3)


def load(tmp_path: Path, pseudonymiser: Pseudonymiser, tables: dict | None = None):  # type: ignore[no-untyped-def]
    folder = write_portfolio(tmp_path / "portfolio", tables or small_portfolio())
    store = EmbeddedStore(tmp_path / "data")
    load_portfolio(store, folder, pseudonymiser)
    return store.snapshot()


def amounts(net: ExposureNetwork) -> dict[tuple[str, str, str], float]:
    frame = net.edges.frame(net.ids)
    return {(r.creditor, r.debtor, r.relation): r.amount for r in frame.itertuples()}


def test_small_portfolio_gives_the_documented_amounts(tmp_path: Path,
                                                      pseudonymiser: Pseudonymiser) -> None:
    snapshot = load(tmp_path, pseudonymiser)
    net = exposure_network_from_snapshot(snapshot)
    p2 = pseudonymiser.key(small_portfolio()["persons"][1]["person_id"])  # type: ignore[arg-type]
    p3 = pseudonymiser.key(small_portfolio()["persons"][2]["person_id"])  # type: ignore[arg-type]
    assert amounts(net) == {
        ("ICBC", A, "loan"): 8e7,  # L1 outstanding
        ("BOC", B, "loan"): 5e7,  # L2 outstanding
        (B, A, "guarantee:joint"): 5e7,  # G1: min(5e7, 8e7)
        (A, B, "guarantee:joint"): 5e7,  # G2: min(5e7, 5e7)
        (p3, A, "guarantee:general"): 1e7,  # G3: 0.5 * min(2e7, 8e7)
        (H, A, "shareholding"): pytest.approx(2.1e8),  # 0.7 * (8e8 - 5e8)
        (p2, H, "shareholding"): pytest.approx(4.8e8),  # 0.6 * (1e9 - 2e8)
    }
    buffers = dict(zip(net.ids, net.buffer, strict=True))
    assert buffers[A] == 3e8 and buffers[B] == 5e7 and buffers[H] == 8e8
    assert buffers["ICBC"] == 8e7 and buffers["BOC"] == 5e7  # default rule: ratio 1 x lent
    assert net.diagnostics.assumed_lender_capital == 2
    assert net.diagnostics.unknown_buffers == 3  # the three persons: insulated
    assert not net.buffer_known[net.labels == "Person"].any()
    assert net.weight.sum() == pytest.approx(1.0)
    assert net.weight[net.index_of(A)] == pytest.approx(3e8 / (3e8 + 5e7 + 8e8 + 8e7 + 5e7))
    lam = net.impact().csr
    assert lam[net.index_of(H), net.index_of(A)] == pytest.approx(2.1e8 / 8e8)
    assert lam[net.index_of(A), net.index_of(B)] == pytest.approx(5e7 / 3e8)


def test_a_default_of_the_steel_firm_on_the_graph(tmp_path: Path,
                                                  pseudonymiser: Pseudonymiser) -> None:
    # Λ[ICBC,A] = 1, Λ[B,A] = 1, Λ[H,A] = 0.2625, Λ[BOC,B] = 1, Λ[A,B] = 1/6:
    # round 1: ICBC, B at 1 (default), H at 0.2625; round 2: BOC at 1 via B. Nothing else moves:
    # A is saturated, persons are insulated.
    net = exposure_network_from_snapshot(load(tmp_path, pseudonymiser))
    r = simulate(net, Scenario(defaults=(A,)))
    stress = dict(zip(net.ids, r.stress, strict=True))
    assert stress[B] == 1 and stress["ICBC"] == 1 and stress["BOC"] == 1
    assert stress[H] == pytest.approx(0.2625)
    assert r.summary.rounds == 2 and r.summary.additional_defaults == 3
    assert r.summary.losses == pytest.approx(5e7 + 0.2625 * 8e8 + 8e7 + 5e7)
    assert r.losses_by_lender().to_dict() == {"ICBC": 8e7, "BOC": 5e7}
    via = {(net.ids[i], net.ids[j]) for t in r.trail for i, j in
           zip(t.newly_defaulted, t.defaulted_via, strict=True)}
    assert via == {(B, A), ("ICBC", A), ("BOC", B)}


def test_configured_capital_guarantee_weights_and_person_buffers(
        tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    tables = small_portfolio()
    tables["guarantees"][0]["amount"] = 1e8  # G1 above L1's outstanding: capped at 8e7
    tables["guarantees"][2]["kind"] = ""  # G3 without a kind: general (Civil Code art. 686)
    tables["guarantees"].append({"guarantee_id": "G4", "guarantor_id": H, "loan_id": "L2",
                                 "amount": 4e7, "kind": "collateral"})
    tables["guarantees"].append({"guarantee_id": "G5", "guarantor_id": H, "loan_id": "L1",
                                 "amount": 1e7, "kind": "joint", "end": "2025-01-01"})  # ended
    net = exposure_network_from_snapshot(load(tmp_path, pseudonymiser, tables), ExposureConfig(
        tier1_capital={"ICBC": 2e9, "CCB": 1e9}, general_weight=0.25, collateral_weight=0.8,
        person_buffer=1e7))
    got = amounts(net)
    assert got[(B, A, "guarantee:joint")] == 8e7
    p3 = pseudonymiser.key(small_portfolio()["persons"][2]["person_id"])  # type: ignore[arg-type]
    assert got[(p3, A, "guarantee:general")] == pytest.approx(0.25 * 2e7)
    assert got[(H, B, "guarantee:collateral")] == pytest.approx(0.8 * 4e7)
    assert not any(k[2] == "guarantee:joint" and k[0] == H for k in got)  # G5 not active
    buffers = dict(zip(net.ids, net.buffer, strict=True))
    assert buffers["ICBC"] == 2e9 and buffers[p3] == 1e7
    assert net.diagnostics.unmatched_tier1_ids == ("CCB",)
    assert net.diagnostics.unknown_buffers == 0


def test_unknown_buffers_can_be_refused(tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    tables = small_portfolio()
    tables["enterprises"][1]["total_liabilities"] = 3e8  # B: net assets < 0
    snapshot = load(tmp_path, pseudonymiser, tables)
    net = exposure_network_from_snapshot(snapshot, ExposureConfig(person_buffer=1e6))
    assert net.diagnostics.unknown_buffers == 1 and not net.buffer_known[net.index_of(B)]
    with pytest.raises(ConfigError, match="no known positive capital buffer"):
        exposure_network_from_snapshot(snapshot, ExposureConfig(
            person_buffer=1e6, unknown_buffer=UnknownBuffer.RAISE))


def test_sectors_regions_and_resident_ids_select_nodes(tmp_path: Path,
                                                       pseudonymiser: Pseudonymiser) -> None:
    net = exposure_network_from_snapshot(load(tmp_path, pseudonymiser))
    s = Scenario(sectors=("Steel",), level=0.5).shock_vector(net)
    assert s[net.index_of(A)] == 0.5 and s.sum() == 0.5
    s = Scenario(regions=("zhejiang",)).shock_vector(net)
    assert sorted(net.ids[s == 1].tolist()) == sorted([A, B])
    resident = str(small_portfolio()["persons"][0]["person_id"])
    s = Scenario(defaults=(resident,)).shock_vector(net, key=pseudonymiser.key)
    assert net.ids[s == 1].tolist() == [pseudonymiser.key(resident)]
    with pytest.raises(NotFound, match="mining"):
        Scenario(sectors=("mining",)).shock_vector(net)
    with pytest.raises(NotFound, match="X123"):
        Scenario(defaults=("X123",)).shock_vector(net)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_plain_csv_form(tmp_path: Path) -> None:
    edges = write(tmp_path / "edges.csv",
                  "creditor,debtor,amount\nbank,acme,50\nbank,acme,30\nacme,bolt,20\n")
    nodes = write(tmp_path / "nodes.csv", "id,buffer,weight\nbank,100,3\nacme,40,1\nbolt,,0\n")
    net = read_exposure_csv(edges, nodes)
    assert net.exposure.toarray().tolist() == [[0, 80, 0], [0, 0, 20], [0, 0, 0]]
    assert net.buffer_known.tolist() == [True, True, False]
    assert net.weight.tolist() == [0.75, 0.25, 0.0]
    r = simulate(net, Scenario(defaults=("bolt",)))
    # acme: 20/40 = 0.5; bank: 80/100 * 0.5 = 0.4
    assert r.stress.tolist() == pytest.approx([0.4, 0.5, 1.0])
    assert r.losses_by_lender().to_dict() == pytest.approx({"bank": 40.0, "acme": 20.0})


@pytest.mark.parametrize(("edges", "nodes", "match"), [
    ("creditor,debtor\na,b\n", "id,buffer,weight\na,1,1\nb,1,1\n", "missing column"),
    ("creditor,debtor,amount\na,c,1\n", "id,buffer,weight\na,1,1\nb,1,1\n", "'c' is not in"),
    ("creditor,debtor,amount\na,b,-1\n", "id,buffer,weight\na,1,1\nb,1,1\n", "amount"),
    ("creditor,debtor,amount\na,b,x\n", "id,buffer,weight\na,1,1\nb,1,1\n", "not a number"),
    ("creditor,debtor,amount\na,b,1\n", "id,buffer,weight\na,1,1\na,1,1\n", "more than once"),
])
def test_bad_csv_files_are_refused_with_the_reason(tmp_path: Path, edges: str, nodes: str,
                                                    match: str) -> None:
    with pytest.raises(PortfolioError, match=match):
        read_exposure_csv(write(tmp_path / "e.csv", edges), write(tmp_path / "n.csv", nodes))


def test_weights_fall_back_to_buffers(tmp_path: Path) -> None:
    net = read_exposure_csv(write(tmp_path / "e.csv", "creditor,debtor,amount\n"),
                            write(tmp_path / "n.csv", "id,buffer,weight\na,1,\nb,3,\n"))
    assert net.weight.tolist() == [0.25, 0.75]
    assert np.all(net.impact().csr.toarray() == 0)
