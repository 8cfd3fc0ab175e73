"""``riskgraph train``, ``score`` and ``explain`` as a risk modeller meets them (journey 5): a
generated portfolio and its labels in, a versioned model, a report, scores and explanations in
the store and a CSV out; the same seed gives the same model."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from graph import EmbeddedStore
from riskgraph.cli import main

pytestmark = pytest.mark.slow

VERSION = re.compile(r"^gnn-\d{8}-[0-9a-f]{8}$")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ingest.generator import GeneratorConfig, generate_portfolio

    return generate_portfolio(tmp_path_factory.mktemp("gnn-cli") / "pf",
                              GeneratorConfig(enterprises=1500, seed=4)).path


def test_train_score_explain_end_to_end(portfolio: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    data, rep = tmp_path / "data", tmp_path / "report"
    labels = portfolio / "labels" / "labels.csv"
    code, out, err = _run(capsys, "train", str(portfolio), "--labels", str(labels), "--report",
                          str(rep), "--epochs", "6", "--data-dir", str(data), "--json")
    assert code == 0, err
    result = json.loads(out)
    version = result["model_version"]
    assert VERSION.match(version)
    folder = data / "models" / version
    assert {p.name for p in folder.iterdir()} == {"model.pt", "features.json", "config.json",
                                                  "calibration.json", "metrics.json",
                                                  "scorecard.pkl", "meta.json"}
    meta = json.loads((folder / "meta.json").read_text())
    assert len(meta["scorecard_sha256"]) == 64 and meta["scorecard"]["folds"] == 5
    assert len(meta["training_data_hash"]) == 64 and meta["as_of"] == "2025-12-31"
    assert (data / "models" / "LATEST").read_text().strip() == version
    assert {"gnn", "gbm_own", "logreg_own", "gbm_graph", "logreg_graph", "ppr"} <= set(
        result["metrics"]["models"])
    assert {p.name for p in rep.iterdir()} >= {"metrics.json", "metrics.md", "reliability.png",
                                                "roc.png", "pr.png"}

    stored = EmbeddedStore(data).scores()
    persons = _rows(portfolio / "persons.csv")
    parties = 1500 + len(persons)
    assert len(stored) == parties and set(stored["model_version"]) == {version}
    assert stored["pd"].between(0, 1).all()
    json.loads(stored["explanation"].iloc[0])

    out_csv = tmp_path / "scores.csv"
    code, out, err = _run(capsys, "score", "--out", str(out_csv), "--no-explain", "--data-dir",
                          str(data))
    assert code == 0, err
    rows = _rows(out_csv)
    assert list(rows[0]) == ["entity_id", "pd", "contagion_exposure", "model_version"]
    assert len(rows) == parties
    keyed = [r for r in rows if r["entity_id"].startswith("P")]
    assert len(keyed) == len(persons) and all(len(r["entity_id"]) == 33 for r in keyed)

    explained = stored[stored["explanation"].str.contains('"contributors":[{', regex=False)]
    ident = str(explained.iloc[0]["id"])
    code, out, err = _run(capsys, "explain", ident, "--json", "--data-dir", str(data))
    assert code == 0, err
    found = json.loads(out)
    assert found["id"] == ident and found["contributors"][0]["paths"]
    code, out, _ = _run(capsys, "explain", ident, "--data-dir", str(data))
    assert code == 0 and "top contributors" in out

    resident = persons[0]["person_id"]
    code, out, err = _run(capsys, "explain", resident, "--json", "--data-dir", str(data))
    assert code == 0, err
    assert json.loads(out)["label"] == "Person"


def test_the_same_seed_gives_the_same_model(portfolio: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKGRAPH_PII_KEY", "a-fixed-test-key-0123456789")  # same person keys
    labels = portfolio / "labels" / "labels.csv"
    runs = []
    for name in ("a", "b"):
        code, out, err = _run(capsys, "train", str(portfolio), "--labels", str(labels),
                              "--epochs", "4", "--no-score", "--seed", "5", "--data-dir",
                              str(tmp_path / name), "--json")
        assert code == 0, err
        runs.append(json.loads(out))
    assert runs[0]["model_version"] == runs[1]["model_version"]
    assert runs[0]["metrics"]["models"] == runs[1]["metrics"]["models"]


def test_errors_are_one_line_and_say_what_to_do(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "score", "--data-dir", str(tmp_path / "empty"))
    assert code == 1 and "train one first" in err
    code, _, err = _run(capsys, "train", "--labels", str(tmp_path / "nope.csv"), "--data-dir",
                        str(tmp_path / "empty"))
    assert code == 1 and "does not exist" in err


def test_a_portfolio_without_a_manifest_trains_with_as_of(
        portfolio: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    bare = tmp_path / "pf"
    shutil.copytree(portfolio, bare)
    (bare / "manifest.json").unlink()
    labels = bare / "labels" / "labels.csv"
    code, _, err = _run(capsys, "train", str(bare), "--labels", str(labels), "--epochs", "2",
                        "--no-score", "--data-dir", str(tmp_path / "a"))
    assert code == 1 and "--as-of" in err
    code, _, err = _run(capsys, "train", str(bare), "--labels", str(labels), "--as-of",
                        "31/12/2025", "--data-dir", str(tmp_path / "b"))
    assert code == 1 and "YYYY-MM-DD" in err
    code, out, err = _run(capsys, "train", str(bare), "--labels", str(labels), "--epochs", "2",
                          "--no-score", "--as-of", "2025-12-31", "--data-dir",
                          str(tmp_path / "c"), "--json")
    assert code == 0, err
    assert json.loads(out)["as_of"] == "2025-12-31"


def test_without_the_scorecard_the_model_reads_the_own_features_alone(
        portfolio: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    code, out, err = _run(capsys, "train", str(portfolio), "--labels",
                          str(portfolio / "labels" / "labels.csv"), "--epochs", "2",
                          "--no-scorecard", "--no-score", "--data-dir", str(data), "--json")
    assert code == 0, err
    folder = data / "models" / json.loads(out)["model_version"]
    assert not (folder / "scorecard.pkl").exists()
    assert json.loads((folder / "meta.json").read_text())["scorecard"] is None
    code, _, err = _run(capsys, "score", "--out", str(tmp_path / "s.csv"), "--no-explain",
                        "--data-dir", str(data))
    assert code == 0, err
    assert len(_rows(tmp_path / "s.csv")) > 1500
