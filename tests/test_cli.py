"""The command line as a user meets it: exit codes, one-line errors, the report files and the
JSON contracts other tools rely on."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from kit import small_portfolio, write_portfolio

from riskgraph.cli import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_generate_ingest_and_stats_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, pf, rep = tmp_path / "data", tmp_path / "pf", tmp_path / "rep"
    code, out, _ = _run(capsys, "generate", str(pf), "--enterprises", "60", "--seed", "3")
    assert code == 0 and (pf / "labels" / "labels.csv").exists()
    code, out, _ = _run(capsys, "ingest", str(pf), "--data-dir", str(data), "--report", str(rep))
    assert code == 0
    summary = json.loads((rep / "summary.json").read_text())
    assert summary["files"]["enterprises"] == {"accepted": 60, "rejected": 0, "by_reason": {}}
    code, out, _ = _run(capsys, "stats", "--json", "--data-dir", str(data))
    stats = json.loads(out)
    assert code == 0 and stats["nodes"]["Enterprise"] == 60
    assert stats["relationships"]["HOLDS_POST"] == summary["files"]["positions"]["accepted"]


def test_rejected_rows_load_the_rest_and_exit_zero_unless_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t = small_portfolio()
    t["loans"][0]["amount"] = -5
    pf = write_portfolio(tmp_path / "pf", t)
    rep = tmp_path / "rep"
    code, _, _ = _run(
        capsys,
        "ingest",
        str(pf),
        "--strict",
        "--data-dir",
        str(tmp_path / "d1"),
        "--report",
        str(rep),
    )
    assert code == 1
    code, out, _ = _run(capsys, "stats", "--json", "--data-dir", str(tmp_path / "d1"))
    assert json.loads(out)["as_of"] is None  # strict: nothing loaded
    code, _, _ = _run(
        capsys, "ingest", str(pf), "--data-dir", str(tmp_path / "d2"), "--report", str(rep)
    )
    assert code == 0
    with open(rep / "rejects.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0] == {
        "file": "loans.csv",
        "line": "2",
        "column": "amount",
        "reason": "negative_amount",
        "key": "L1",
    }
    assert {r["reason"] for r in rows[1:]} == {"rejected_reference"}  # G1, G3 on L1


def test_a_broken_file_fails_with_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t = small_portfolio()
    t["persons"][0]["nickname"] = "x"
    pf = write_portfolio(tmp_path / "pf", t)
    code, _, err = _run(
        capsys,
        "ingest",
        str(pf),
        "--data-dir",
        str(tmp_path / "d"),
        "--report",
        str(tmp_path / "rep"),
    )
    assert code == 1
    assert "persons.csv" in err and "nickname" in err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in err
    summary = json.loads((tmp_path / "rep" / "summary.json").read_text())
    assert summary["errors"][0]["file"] == "persons.csv"


def test_an_older_portfolio_is_refused_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date

    data = str(tmp_path / "d")
    assert (
        _run(
            capsys,
            "ingest",
            str(write_portfolio(tmp_path / "a", small_portfolio())),
            "--data-dir",
            data,
        )[0]
        == 0
    )
    old = write_portfolio(tmp_path / "b", small_portfolio(), as_of=date(2024, 12, 31))
    code, _, err = _run(capsys, "ingest", str(old), "--data-dir", data)
    assert code == 1 and "before the latest one loaded" in err


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in ("generate", "ingest", "stats", "demo", "neo4j"):
        code, out, _ = _run(capsys, cmd, "--help")
        assert code == 0 and "Usage" in out, cmd
