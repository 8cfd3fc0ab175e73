"""``riskgraph report ID``: files written, exit codes, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_api_kit import P1, P1_RID, PII_KEY, A, load_small

from graph import EmbeddedStore
from riskgraph import cli, cli_report


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report-cli")
    load_small(EmbeddedStore(tmp / "data"), tmp / "portfolio")
    if not any(c.name == "report" for c in cli.app.registered_commands):
        cli_report.register(cli.app)  # until riskgraph.cli registers it itself
    return tmp / "data"


@pytest.fixture(autouse=True)
def _pii(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKGRAPH_PII_KEY", PII_KEY)


def test_html_report_is_written(data_dir: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    rc = cli.main(["report", A, "--out", str(tmp_path / "out"), "--format", "html",
                   "--data-dir", str(data_dir)])
    assert rc == 0
    files = list((tmp_path / "out").iterdir())
    assert [f.name for f in files] == [f"report-{A}-2025-12-31.html"]
    html = files[0].read_text(encoding="utf-8")
    assert "华信钢铁有限公司" in html and "Exposure by lender" in html
    assert "group of" in capsys.readouterr().out


def test_a_person_given_by_resident_id_is_never_written_in_clear(data_dir: Path,
                                                                 tmp_path: Path) -> None:
    rc = cli.main(["report", P1_RID, "--out", str(tmp_path), "--format", "html",
                   "--data-dir", str(data_dir)])
    assert rc == 0
    (path,) = tmp_path.iterdir()
    assert P1_RID not in path.name and P1 not in path.name
    text = path.read_text(encoding="utf-8")
    assert P1_RID not in text and P1 not in text


@pytest.mark.browser
def test_both_formats(data_dir: Path, tmp_path: Path) -> None:
    rc = cli.main(["report", A, "--out", str(tmp_path), "--data-dir", str(data_dir)])
    assert rc == 0
    names = sorted(f.suffix for f in tmp_path.iterdir())
    assert names == [".html", ".pdf"]
    assert (tmp_path / f"report-{A}-2025-12-31.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("args, message", [
    (["91330100MA0000999X"], "no Enterprise/Person"),
    ([A, "--format", "docx"], "--format must be html, pdf or both"),
    ([A, "--lgd", "2"], "--lgd must lie in [0, 1]"),
    ([A, "--method", "magic"], "--method must be"),
])
def test_errors_are_one_line_and_exit_1(data_dir: Path, tmp_path: Path, args: list[str],
                                        message: str, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    rc = cli.main(["report", *args, "--out", str(tmp_path), "--data-dir", str(data_dir)])
    assert rc == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) <= 2  # rich may wrap one long line
    assert not list(tmp_path.iterdir())


def test_an_empty_store_says_what_to_do(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    rc = cli.main(["report", A, "--out", str(tmp_path / "o"),
                   "--data-dir", str(tmp_path / "empty")])
    assert rc == 1
    assert "riskgraph ingest" in capsys.readouterr().err
