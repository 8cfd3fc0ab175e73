"""Loading a portfolio folder into a store: validate, build graph tables, upsert.

The one service function behind ``riskgraph ingest`` (and the demo, and the API's reload).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from graph.build import graph_tables
from graph.model import Label
from graph.store import GraphStore, Progress
from graph.tables import GraphTables
from graph.upsert import LoadOutcome, check_order
from ingest import IngestReport, Pseudonymiser, validate_portfolio
from riskgraph.errors import ConfigError, NotFound, StrictModeError

__all__ = ["LoadResult", "check_same_key", "load_portfolio"]


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
    check_same_key(store, tables)
    outcome = store.load(tables, progress)
    return LoadResult(report, outcome)


_KEY_SAMPLE = 50  # enterprises and persons looked up to tell whether the key changed


def check_same_key(store: GraphStore, tables: GraphTables) -> None:
    """Refuse a load whose persons were pseudonymised with another key than the store's.

    Person ids are keyed hashes (:mod:`ingest.pseudonymise`): under another secret the same
    resident id gives another key, and a re-load would add every person a second time (with
    all their posts, shareholdings and family ties) instead of updating them. The sign: most
    of the portfolio's enterprises (whose ids are not hashed) are already in the store, but
    none of its persons are. Up to 50 of each are looked up (point reads, cheap on both
    stores)."""
    ents, pers = tables.nodes.get(Label.ENTERPRISE), tables.nodes.get(Label.PERSON)
    if ents is None or pers is None or len(pers) < 3 or not len(ents):
        return
    rng = np.random.default_rng(0)

    def known(frame: pd.DataFrame, label: Label) -> tuple[int, int]:
        ids = frame["id"].to_numpy(dtype=object)
        pick = ids[rng.choice(len(ids), min(_KEY_SAMPLE, len(ids)), replace=False)]
        found = 0
        for ident in pick:
            try:
                store.node(str(ident), (label,))
                found += 1
            except NotFound:
                pass
        return found, len(pick)

    e_found, e_total = known(ents, Label.ENTERPRISE)
    if e_found < 0.8 * e_total:
        return  # a new portfolio for this store: nothing to compare
    p_found, p_total = known(pers, Label.PERSON)
    if p_found == 0:
        raise ConfigError(
            f"refusing to load: the store already holds {e_found} of {e_total} sampled "
            f"enterprises of this portfolio but none of {p_total} sampled persons, so the "
            "persons were pseudonymised with another key than the loads that built this store "
            "(RISKGRAPH_PII_KEY, or DATA_DIR/pii.key in development, has changed); loading "
            "would add every person a second time. Load with the store's original key, or "
            "into an empty store.")
