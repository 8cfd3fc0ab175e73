"""The deployment files, checked as far as a machine without a Docker engine allows: the compose
file names the official Neo4j image and our API with health checks, volumes and the fixed
environment names; the Dockerfile ships every package, the built UI, and starts the command the
compose file runs; that command exists with those flags."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from riskgraph.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_compose_runs_the_official_neo4j_image_with_a_health_check(compose: dict) -> None:  # type: ignore[type-arg]
    neo4j = compose["services"]["neo4j"]
    assert re.fullmatch(r"neo4j:5\.26(\.\d+)?-community", neo4j["image"])
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"])
    mounts = {v.split(":")[1] for v in neo4j["volumes"]}
    assert {"/data", "/logs"} <= mounts
    assert all(p.startswith("127.0.0.1:") for p in neo4j["ports"])  # loopback only


def test_compose_runs_the_api_after_neo4j_is_healthy(compose: dict) -> None:  # type: ignore[type-arg]
    api = compose["services"]["riskgraph"]
    assert api["build"] == "."
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    env = api["environment"]
    assert {"RISKGRAPH_PII_KEY", "RISKGRAPH_DATA_DIR", "NEO4J_URI", "NEO4J_USER",
            "NEO4J_PASSWORD"} <= set(env)
    assert env["RISKGRAPH_STORE"] == "neo4j" and env["NEO4J_URI"] == "bolt://neo4j:7687"
    assert "/health" in " ".join(api["healthcheck"]["test"])
    assert any(v.endswith(":/data") for v in api["volumes"])
    for name in set(compose["volumes"]):
        assert name in " ".join(compose["services"]["neo4j"]["volumes"] + api["volumes"])


def test_secrets_are_required_not_defaulted(compose: dict) -> None:  # type: ignore[type-arg]
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "${RISKGRAPH_PII_KEY:?" in text and "${NEO4J_PASSWORD:?" in text


def test_the_image_ships_every_package_and_the_built_ui(dockerfile: str) -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = [p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]
                ["include"]]
    copied = set(re.findall(r"^COPY (\w+) \1$", dockerfile, re.MULTILINE))
    assert set(packages) <= copied
    assert "COPY --from=web /web/dist web/dist" in dockerfile
    assert "npm ci" in dockerfile and "requirements.lock" in dockerfile


def test_the_image_starts_the_command_compose_runs(compose: dict, dockerfile: str,  # type: ignore[type-arg]
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    cmd = compose["services"]["riskgraph"]["command"]
    assert f"CMD {str(cmd).replace(chr(39), chr(34))}" in dockerfile
    assert cmd[:2] == ["riskgraph", "serve"]
    assert main(["serve", "--help"]) == 0
    help_text = capsys.readouterr().out
    assert "--host" in help_text and "--port" in help_text
