"""``riskgraph alerts``, ``riskgraph alerts ack`` and ``riskgraph leads`` on the embedded store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from kit import write_portfolio
from test_monitoring_alerts import A, B, C, first, second
from test_monitoring_leads import S, portfolio

from ingest import Pseudonymiser
from riskgraph.cli import main

SECRET = "test-secret-key-0123456789"
KEY = Pseudonymiser(SECRET.encode()).key


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RISKGRAPH_PII_KEY", SECRET)
    monkeypatch.setenv("RISKGRAPH_STORE", "embedded")
    return tmp_path / "data"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_alerts_cli(tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = str(data_dir)
    p1 = write_portfolio(tmp_path / "p1", first(), as_of=date(2025, 12, 31))
    p2 = write_portfolio(tmp_path / "p2", second(), as_of=date(2026, 3, 31))
    assert main(["ingest", str(p1), "--data-dir", d]) == 0
    capsys.readouterr()
    code, text = _run(capsys, "alerts", "--json", "--data-dir", d)
    assert code == 0 and json.loads(text)["alerts"] == []
    assert main(["ingest", str(p2), "--data-dir", d]) == 0
    capsys.readouterr()
    code, text = _run(capsys, "alerts", "--json", "--data-dir", d)
    body = json.loads(text)
    assert code == 0 and body["total"] == 6
    assert {a["exposed"]["id"] for a in body["alerts"]} == {B, C}
    assert (data_dir / "monitoring" / "alerts.json").exists()
    # re-ingest the same portfolio: no duplicates
    assert main(["ingest", str(p2), "--data-dir", d]) == 0
    capsys.readouterr()
    code, text = _run(capsys, "alerts", "--json", "--data-dir", d, "--since", "2026-01-01")
    assert json.loads(text)["total"] == 6
    first_id = body["alerts"][0]["id"]
    code, text = _run(capsys, "alerts", "ack", first_id, "--data-dir", d, "--note", "seen")
    assert code == 0 and first_id in text
    code, text = _run(capsys, "alerts", "--json", "--open", "--data-dir", d)
    assert json.loads(text)["total"] == 5
    code, text = _run(capsys, "alerts", "--data-dir", d)
    assert code == 0 and "guaranteed_by_troubled" in text and A in text
    assert main(["alerts", "ack", "Anope", "--data-dir", d]) == 1
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    os_env = pytest.MonkeyPatch()
    os_env.setenv("RISKGRAPH_WEBHOOK_SECRET", "s")
    try:  # the receiver is down: nothing delivered, everything kept, exit 1
        code, text = _run(capsys, "alerts", "push", "--url", f"http://127.0.0.1:{port}/",
                          "--attempts", "1", "--json", "--data-dir", d)
    finally:
        os_env.undo()
    assert code == 1 and json.loads(text)["pending"] == 6


def test_leads_cli(tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = str(data_dir)
    folder = write_portfolio(tmp_path / "p", portfolio(), as_of=date(2025, 12, 31))
    assert main(["ingest", str(folder), "--data-dir", d]) == 0
    capsys.readouterr()
    code, text = _run(capsys, "leads", S, "--json", "--data-dir", d)
    body = json.loads(text)
    assert code == 0 and body["lost_contact"] and body["leads"][0]["rank"] == 1
    code, text = _run(capsys, "leads", S, "--data-dir", d)
    assert code == 0 and "LOST CONTACT" in text and "0571-11112222" in text


def test_watch_cli(tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = str(data_dir)
    assert main(["ingest", str(write_portfolio(tmp_path / "p1", first(),
                                               as_of=date(2025, 12, 31))), "--data-dir", d]) == 0
    capsys.readouterr()
    code, text = _run(capsys, "watch", "add", B, "--by", "committee-1", "--json", "--data-dir", d)
    wid = json.loads(text)["id"]
    assert code == 0 and B in json.loads(text)["members"]
    assert main(["ingest", str(write_portfolio(tmp_path / "p2", second(),
                                               as_of=date(2026, 3, 31))), "--data-dir", d]) == 0
    capsys.readouterr()
    code, text = _run(capsys, "watch", "check", "--json", "--data-dir", d)
    (hit,) = json.loads(text)
    assert code == 0 and hit["watch"]["id"] == wid and len(hit["alerts"]) == 6
    code, text = _run(capsys, "watch", "list", "--data-dir", d)
    assert wid in text
    assert main(["watch", "remove", wid, "--data-dir", d]) == 0
