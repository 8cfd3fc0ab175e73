"""``riskgraph report ID``: the credit committee report of a borrower, as HTML and PDF.

Thin: opens the store at the edge, calls :func:`api.report.build_report`, and writes
``report-<id>-<as_of>.html`` and/or ``.pdf`` into ``--out``. The PDF is printed by headless
Chromium (Debian's ``chromium``; ``$RISKGRAPH_CHROMIUM`` names another).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from riskgraph.cli_common import StoreKind, command_settings
from riskgraph.errors import RiskgraphError

__all__ = ["register"]

out = Console()
err = Console(stderr=True)

_FORMATS = ("html", "pdf", "both")


def report_command(
    entity_id: Annotated[str, typer.Argument(
        metavar="ID", help="The borrower: a USCC, a person key, or a resident id (hashed).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the report into.")] =
    Path("."),
    file_format: Annotated[str, typer.Option(
        "--format", help="html, pdf or both.")] = "both",
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Snapshot date YYYY-MM-DD (default: the latest portfolio).",
        show_default=False)] = None,
    rules: Annotated[Path | None, typer.Option(
        "--rules", help="Linked-party rules TOML (limits, lenders' tier-1 capital) read on top "
        "of graph/linked/rules.default.toml.", show_default=False)] = None,
    method: Annotated[str, typer.Option(
        help="Contagion method of the default scenario: debtrank, single-hit or cascade.")] =
    "debtrank",
    lgd: Annotated[float, typer.Option(help="Loss given default of the scenario, in [0, 1].")] =
    1.0,
    store: StoreKind = None,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", help="Embedded store folder [env: RISKGRAPH_DATA_DIR]",
        show_default=False)] = None,
) -> None:
    """The committee report of ID: its group with evidence, exposure by lender against the
    limits, scores and contributors, the group graph, and what happens if it defaults."""
    from api.report import ReportOptions, build_report
    from riskgraph.stores import open_store

    if file_format not in _FORMATS:
        raise RiskgraphError(f"--format must be html, pdf or both, not {file_format!r}")
    if method not in ("debtrank", "single-hit", "cascade"):
        raise RiskgraphError(f"--method must be debtrank, single-hit or cascade, not {method!r}")
    if not 0.0 <= lgd <= 1.0:
        raise RiskgraphError(f"--lgd must lie in [0, 1], not {lgd}")
    if store is not None and store not in ("embedded", "neo4j"):
        raise RiskgraphError(f"--store must be embedded or neo4j, not {store!r}")
    settings = command_settings(data_dir, store)
    with open_store(settings) as graph_store:
        if graph_store.latest_as_of() is None:
            raise RiskgraphError(f"the {settings.store} store is empty; load a portfolio first "
                                 "with `riskgraph ingest FOLDER`")
        report = build_report(graph_store, settings, entity_id.strip(), as_of=as_of,
                              rules_file=rules,
                              options=ReportOptions(method=method, lgd=lgd))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RiskgraphError(f"cannot create {out_dir}: {exc.strerror}") from exc
    written = []
    if file_format in ("html", "both"):
        path = out_dir / f"{report.filename}.html"
        path.write_text(report.html, encoding="utf-8")
        written.append(path)
    if file_format in ("pdf", "both"):
        path = out_dir / f"{report.filename}.pdf"
        path.write_bytes(report.pdf_bytes(chromium=os.environ.get("RISKGRAPH_CHROMIUM")))
        written.append(path)
    d = report.data
    out.print(f"[b]{d.subject.name}[/b]: group of {d.group.size}, as of {d.as_of}")
    for path in written:
        out.print(f"  {path}")


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``riskgraph`` command line."""
    app.command("report")(report_command)
