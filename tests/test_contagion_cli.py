"""``riskgraph simulate``: the store's snapshot or a plain edge list, a table or one JSON object."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kit import rid, small_portfolio, uscc, write_portfolio

from graph import EmbeddedStore, load_portfolio
from ingest import Pseudonymiser
from riskgraph.cli import main

SECRET = "test-secret-key-0123456789"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RISKGRAPH_PII_KEY", SECRET)
    folder = write_portfolio(tmp_path / "portfolio", small_portfolio())
    load_portfolio(EmbeddedStore(tmp_path / "data"), folder, Pseudonymiser(SECRET.encode()))
    return tmp_path / "data"


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    assert main(["simulate", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # exactly one JSON object, nothing else


def test_json_has_nodes_summary_and_rounds(data_dir: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "--default", uscc(1), "--data-dir", str(data_dir))
    assert {"nodes", "summary", "rounds"} <= set(out)
    assert set(out["nodes"][0]) >= {"id", "stress", "raw_stress", "defaulted"}
    assert len(out["nodes"]) == 8  # 3 enterprises, 3 persons, 2 lenders
    summary = out["summary"]
    assert set(summary) >= {"original_stress", "additional_stress", "losses",
                            "additional_defaults", "rounds"}
    assert summary["additional_defaults"] == 3 and summary["rounds"] == 2
    assert summary["losses_by_lender"] == {"ICBC": 8e7, "BOC": 5e7}
    assert [sorted(r["newly_defaulted"]) for r in out["rounds"]] == [
        sorted([uscc(2), "ICBC"]), ["BOC"]]
    assert out["rounds"][1]["defaulted_via"] == [{"id": "BOC", "creditor": "BOC",
                                                  "debtor": uscc(2)}]
    stress = {n["id"]: n["stress"] for n in out["nodes"]}
    assert stress[uscc(3)] == pytest.approx(0.2625)


def test_method_lgd_and_partial_shocks(data_dir: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    shock = tmp_path / "shock.csv"
    shock.write_text(f"id,shock\n{uscc(1)},0.5\n", encoding="utf-8")
    out = run_json(capsys, "--shock", str(shock), "--method", "cascade", "--lgd", "0.5",
                   "--data-dir", str(data_dir))
    assert out["method"] == "cascade" and out["lgd"] == 0.5
    assert out["summary"]["rounds"] == 0 and out["summary"]["additional_defaults"] == 0
    out = run_json(capsys, "--shock-all", "0.1", "--data-dir", str(data_dir), "--stressed-only")
    assert all(n["stress"] >= 0.1 for n in out["nodes"])


def test_a_person_by_resident_id_and_a_sector(data_dir: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "--default", rid(3, "19700303"), "--data-dir", str(data_dir))
    key = Pseudonymiser(SECRET.encode()).key(rid(3, "19700303"))
    assert out["shocked"] == [{"id": key, "shock": 1.0}]
    out = run_json(capsys, "--sector", "trade", "--level", "0.4", "--data-dir", str(data_dir))
    assert out["shocked"] == [{"id": uscc(2), "shock": 0.4}]


def test_the_plain_edge_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edges = tmp_path / "edges.csv"
    nodes = tmp_path / "nodes.csv"
    edges.write_text("creditor,debtor,amount\nb1,b2,60\nb2,b3,50\nb3,b1,40\n", encoding="utf-8")
    nodes.write_text("id,buffer,weight\nb1,100,1\nb2,100,1\nb3,100,2\n", encoding="utf-8")
    out = run_json(capsys, "--edges", str(edges), "--nodes", str(nodes), "--default", "b3")
    # b3 defaults: b2 (creditor of b3) at 0.5, then b1 (creditor of b2) at 0.6 * 0.5 = 0.3
    stress = {n["id"]: n["stress"] for n in out["nodes"]}
    assert stress == pytest.approx({"b1": 0.3, "b2": 0.5, "b3": 1.0})
    assert out["rounds"][0]["newly_stressed"] == ["b2"]
    assert out["summary"]["original_stress"] == pytest.approx(0.5)
    assert main(["simulate", "--edges", str(edges), "--nodes", str(nodes),
                 "--default", "b3"]) == 0
    assert "losses by lender" in capsys.readouterr().out


def test_the_table_shows_each_round(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--default", uscc(1), "--data-dir", str(data_dir)]) == 0
    text = capsys.readouterr().out
    assert "BOC <- " + uscc(2) in text and "additional defaults 3" in text


@pytest.mark.parametrize(("args", "message"), [
    (["--default", "NOPE"], "'NOPE'"),
    (["--default", "330106199901010000"], "'330106199901010000'"),
    (["--region", "Mars"], "'Mars'"),
    (["--default", "ICBC", "--method", "magic"], "--method"),
    (["--default", "ICBC", "--lgd", "2"], "LGD"),
    ([], "shocks no node"),
])
def test_mistakes_exit_non_zero_with_a_reason(data_dir: Path, capsys: pytest.CaptureFixture[str],
                                              args: list[str], message: str) -> None:
    assert main(["simulate", *args, "--data-dir", str(data_dir)]) == 1
    assert message in capsys.readouterr().err


def test_edges_without_nodes_is_refused(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--edges", str(tmp_path / "e.csv"), "--default", "x"]) == 1
    assert "--nodes" in capsys.readouterr().err
