"""``riskgraph linked | group | controller | circles | path``: tables, JSON, ids, rules files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kit import write_portfolio
from test_linked_portfolios import (
    CHENG,
    COMMITTEE_RULES,
    GA,
    GB,
    GF,
    GG,
    GH,
    GL1,
    GL2,
    K1,
    LINNA,
    M1,
    QIAN,
    T1,
    committee_portfolio,
    guarantee_portfolio,
)

from graph import EmbeddedStore, load_portfolio
from ingest import Pseudonymiser
from riskgraph.cli import main

SECRET = "test-secret-key-0123456789"
KEY = Pseudonymiser(SECRET.encode()).key


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RISKGRAPH_PII_KEY", SECRET)
    folder = write_portfolio(tmp_path / "committee", committee_portfolio())
    load_portfolio(EmbeddedStore(tmp_path / "data"), folder, Pseudonymiser(SECRET.encode()))
    return tmp_path / "data"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(COMMITTEE_RULES, encoding="utf-8")
    return path


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # exactly one JSON object, nothing else


def test_group_json_has_members_evidence_and_the_breach(
        data_dir: Path, rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "group", GA, "--rules", str(rules), "--data-dir", str(data_dir))
    group = out["group"]
    assert group["key"] == KEY(CHENG) and group["size"] == 7
    assert {m["node"]["id"] for m in group["members"]} == {
        KEY(CHENG), KEY(LINNA), GH, GA, GB, GF, GG}
    gg = next(m for m in group["members"] if m["node"]["id"] == GG)
    (evidence,) = gg["evidence"]
    assert evidence["rule"] == "guarantee_dependence"
    path = evidence["paths"][0]
    assert path["text"] == "广源化工有限公司 —guarantees loan of→ 恒通钢铁有限公司"
    assert path["ids"] == [GG, "LA1", GA]
    assert path["relationships"] == [{"src": GG, "type": "GUARANTEES", "dst": "LA1"},
                                     {"src": GA, "type": "BORROWS", "dst": "LA1"}]
    jia = out["exposure"]["by_lender"][0]
    assert (jia["lender"]["id"], jia["status"], jia["limit"]) == ("甲银行", "breach", 0.2)
    assert jia["share_of_tier1"] == pytest.approx(0.21)
    assert out["subject"]["id"] == GA and out["subject_exposure"]["scope"] == "single"


def test_group_table_shows_the_limit_check(data_dir: Path, rules: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["group", GA, "--rules", str(rules), "--profile", "basel",
                 "--data-dir", str(data_dir)]) == 0
    text = capsys.readouterr().out
    assert "[capital]" in text and "nothing is guessed" in text
    assert "甲银行: 21.00% of tier 1, limit 25%: 4.00 points of headroom" in text
    assert "甲银行: 12.00% of tier 1, limit 25%: 13.00 points of headroom" in text  # GA alone
    assert main(["group", GA, "--rules", str(rules), "--data-dir", str(data_dir)]) == 0
    text = capsys.readouterr().out
    assert "甲银行: 21.00% of tier 1, limit 20%: 1.00 points over the limit" in text
    assert "甲银行: 12.00% of tier 1, limit 15%: 3.00 points of headroom" in text


def test_group_all_lists_every_group(data_dir: Path, rules: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "group", "--all", "--rules", str(rules), "--data-dir", str(data_dir))
    assert out["as_of"] == "2025-12-31"
    groups = out["groups"]
    assert [g["size"] for g in groups] == [7, 2]
    assert groups[0]["key"] == KEY(CHENG) and groups[0]["head"]["name"] == "陈刚"
    assert {m["node"]["id"] for m in groups[1]["members"]} == {GL1, GL2}
    (legal_rep,) = groups[1]["evidence"]
    assert legal_rep["rule"] == "legal_rep" and legal_rep["between"] == sorted([GL1, GL2])
    assert legal_rep["paths"][0]["relationships"] == [[KEY(QIAN), "HOLDS_POST", GL1],
                                                      [KEY(QIAN), "HOLDS_POST", GL2]]
    for g in groups:  # every member points at the evidence that put it in the group
        for m in g["members"]:
            assert m["evidence"]
            assert all(m["node"]["id"] in g["evidence"][k]["between"] for k in m["evidence"])
    assert {x["lender"]["id"] for x in groups[0]["exposure"]["by_lender"]} == {"甲银行", "乙银行"}
    assert groups[0]["exposure"]["by_lender"][0]["status"] == "breach"
    assert main(["group", "--all", "--data-dir", str(data_dir)]) == 0
    assert "2 connected-counterparty groups" in capsys.readouterr().out


def test_group_needs_an_id_or_all(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["group", "--data-dir", str(data_dir)]) == 1
    assert "give a party ID or --all" in capsys.readouterr().err


def test_controller_by_resident_id(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "controller", GA, "--data-dir", str(data_dir))
    assert out["ultimate"]["id"] == KEY(CHENG)
    assert [link["controller"]["id"] for link in out["chain"]] == [GH, KEY(CHENG)]
    assert out["chain"][0]["paths"][0]["text"] == "恒通控股有限公司 —holds 70% of→ 恒通钢铁有限公司"
    assert main(["controller", CHENG, "--data-dir", str(data_dir)]) == 0
    text = capsys.readouterr().out
    assert "controls 3 enterprise(s)" in text and CHENG not in text


def test_linked_neighbourhood_and_its_limits(data_dir: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "linked", LINNA, "--hops", "1", "--data-dir", str(data_dir))
    assert out["center"]["name"] == "林娜" and out["hops"] == 1
    assert {n["node"]["name"] for n in out["nodes"]} == {"林娜", "陈刚", "丰华实业有限公司"}
    assert out["truncated"] is False
    assert main(["linked", GA, "--hops", "9", "--data-dir", str(data_dir)]) == 1
    assert "the limit is 1..3" in capsys.readouterr().err
    assert main(["linked", GA, "--types", "BOGUS", "--data-dir", str(data_dir)]) == 1
    assert "unknown relationship type 'BOGUS'" in capsys.readouterr().err
    assert main(["linked", GA, "--types", "holds_shares", "--data-dir", str(data_dir)]) == 0
    assert "恒通控股有限公司" in capsys.readouterr().out


def test_path_in_words(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "path", LINNA, GH, "--data-dir", str(data_dir))
    assert out["length"] == 2
    assert sorted(p["text"] for p in out["paths"]) == [
        "林娜 ←spouse of— 陈刚 —holds 80% of→ 恒通控股有限公司",
        "林娜 ←spouse of— 陈刚 —legal representative of→ 恒通控股有限公司"]
    assert main(["path", LINNA, GH, "--data-dir", str(data_dir)]) == 0
    assert "2 shortest path(s) of 2 hop(s)" in capsys.readouterr().out


def test_circles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RISKGRAPH_PII_KEY", SECRET)
    folder = write_portfolio(tmp_path / "g", guarantee_portfolio())
    load_portfolio(EmbeddedStore(tmp_path / "gdata"), folder, Pseudonymiser(SECRET.encode()))
    data = str(tmp_path / "gdata")
    out = run_json(capsys, "circles", "--party", K1, "--data-dir", data)
    assert [c["key"] for c in out["circles"]] == ["C1", "C2"]
    assert out["position"]["circle"] == "C1" and out["mutual_pairs_total"] == 1
    assert out["chains"][0]["hops"] == 3 and out["chains"][0]["steps"][0][0]["id"] == T1
    assert main(["circles", "--top", "1", "--party", M1, "--data-dir", data]) == 0
    text = capsys.readouterr().out
    assert "guarantee circles: 2" in text and "mutual with" in text


def test_an_empty_store_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RISKGRAPH_PII_KEY", SECRET)
    assert main(["circles", "--data-dir", str(tmp_path / "empty")]) == 1
    assert "riskgraph ingest" in capsys.readouterr().err
