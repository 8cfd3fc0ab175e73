"""``riskgraph apikey create|list|revoke`` and ``riskgraph serve --help``, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.keys import KeyRing, ensure_demo_key, hash_key, list_keys
from riskgraph.cli import main
from riskgraph.settings import Settings


def test_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path / "data")
    assert main(["apikey", "create", "--role", "service", "--name", "loan-system",
                 "--data-dir", data]) == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith("rg_") and len(key) == 46
    stored = (tmp_path / "data" / "api-keys.json").read_text()
    assert key not in stored and hash_key(key) in stored
    assert (tmp_path / "data" / "api-keys.json").stat().st_mode & 0o777 == 0o600
    ring = KeyRing(tmp_path / "data" / "api-keys.json")
    ring.refresh()
    who = ring.principal(key)
    assert who is not None and (who.name, who.role) == ("loan-system", "service")

    assert main(["apikey", "create", "--role", "service", "--name", "loan-system",
                 "--data-dir", data]) == 1  # the name is taken
    assert main(["apikey", "create", "--role", "root", "--name", "x", "--data-dir", data]) == 1
    capsys.readouterr()
    assert main(["apikey", "list", "--json", "--data-dir", data]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(k["name"], k["role"], k["revoked"]) for k in listed] == \
        [("loan-system", "service", None)]
    assert "sha256" not in listed[0]
    assert main(["apikey", "revoke", "loan-system", "--data-dir", data]) == 0
    ring.refresh()
    assert ring.principal(key) is None
    assert main(["apikey", "revoke", "loan-system", "--data-dir", data]) == 1


def test_the_demo_key_is_created_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", pii_key="test-secret-key-0123456789")
    first = ensure_demo_key(settings)
    assert ensure_demo_key(settings) == first
    keys = list_keys(tmp_path / "d" / "api-keys.json")
    assert [(k.name, k.role) for k in keys] == [("demo", "investigator")]


def test_serve_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--host" in text and "--port" in text and "--workers" in text
