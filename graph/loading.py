"""Loading a portfolio folder into a store: validate, build graph tables, upsert.

The one service function behind ``riskgraph ingest`` (and the demo, and the API's reload).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from graph.build import graph_tables
from graph.store import GraphStore, Progress
from graph.upsert import LoadOutcome, check_order
from ingest import IngestReport, Pseudonymiser, validate_portfolio
from riskgraph.errors import StrictModeError

__all__ = ["LoadResult", "load_portfolio"]


@dataclass(frozen=True)
class LoadResult:
    report: IngestReport
    outcome: LoadOutcome | None  # None when nothing was loaded (strict mode with rejects)


def load_portfolio(
    store: GraphStore,
    folder: Path,
    pseudonymiser: Pseudonymiser,
    *,
    as_of: date | None = None,
    strict: bool = False,
    report_dir: Path | None = None,
    progress: Progress | None = None,
    step: Callable[[str], None] | None = None,
) -> LoadResult:
    """Validate ``folder`` and upsert its good rows into ``store``.

    Rejected rows never stop the good ones (unless ``strict``: then nothing is loaded and
    :class:`~riskgraph.errors.StrictModeError` is raised). The report is written to
    ``report_dir`` in every case, whole-file errors included.
    """
    try:
        portfolio = validate_portfolio(folder, pseudonymiser, as_of=as_of, progress=step)
    except Exception as exc:
        report = getattr(exc, "report", None)
        if report_dir is not None and report is not None:
            report.write(report_dir)
        raise
    report = portfolio.report
    if report_dir is not None:
        report.write(report_dir)
    if strict and report.rejected:
        raise StrictModeError(
            f"{report.rejected} row(s) rejected and --strict given: nothing "
            "loaded" + (f"; see {report_dir}/rejects.csv" if report_dir else "")
        )
    check_order(store.latest_as_of(), portfolio.as_of.isoformat())
    if step:
        step("building the graph")
    tables = graph_tables(portfolio)
    outcome = store.load(tables, progress)
    return LoadResult(report, outcome)
