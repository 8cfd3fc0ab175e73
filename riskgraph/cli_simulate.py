"""``riskgraph simulate``: a contagion scenario on the store's snapshot or on a plain edge list.

Thin: it parses the options, builds the exposure network and the scenario, calls
:func:`gnn.contagion.simulate`, and renders a per-round table or one JSON object.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from riskgraph.cli_common import StoreKind, command_settings
from riskgraph.errors import RiskgraphError

if TYPE_CHECKING:
    from gnn.contagion import RoundRecord, ScenarioResult

__all__ = ["register"]

out = Console()

_EXAMPLES = 5  # ids shown per round in the table


def _split(values: list[str] | None) -> tuple[str, ...]:
    """``--default A,B --default C`` -> ``("A", "B", "C")``."""
    return tuple(v.strip() for raw in values or () for v in raw.split(",") if v.strip())


def simulate_command(
    default: Annotated[list[str] | None, typer.Option(
        "--default", help="Entity id(s) that default (comma-separated or repeated); a person "
        "may be given by resident id.", show_default=False)] = None,
    shock: Annotated[Path | None, typer.Option(
        "--shock", help="CSV of partial shocks: id,shock (shock in [0, 1]).",
        show_default=False)] = None,
    shock_all: Annotated[float | None, typer.Option(
        "--shock-all", help="Shock every node by this much (in [0, 1]).",
        show_default=False)] = None,
    sector: Annotated[list[str] | None, typer.Option(
        "--sector", help="Shock every enterprise of this industry (repeatable).",
        show_default=False)] = None,
    region: Annotated[list[str] | None, typer.Option(
        "--region", help="Shock every enterprise of this region (repeatable).",
        show_default=False)] = None,
    level: Annotated[float, typer.Option(
        help="Shock of sector and region members (1: they default).")] = 1.0,
    method: Annotated[str, typer.Option(
        help="debtrank, single-hit or cascade.")] = "debtrank",
    lgd: Annotated[float, typer.Option(help="Loss given default, in [0, 1].")] = 1.0,
    tol: Annotated[float, typer.Option(help="DebtRank stops when no h changes by more.")] = 1e-12,
    max_rounds: Annotated[int, typer.Option(help="Round limit (reported if hit).")] = 10_000,
    edges: Annotated[Path | None, typer.Option(
        "--edges", help="Plain edge list CSV: creditor,debtor,amount (needs --nodes).",
        show_default=False)] = None,
    nodes: Annotated[Path | None, typer.Option(
        "--nodes", help="Node table CSV: id,buffer,weight (with --edges).",
        show_default=False)] = None,
    as_of: Annotated[str | None, typer.Option(
        help="Snapshot date YYYY-MM-DD (default: the latest portfolio).",
        show_default=False)] = None,
    tier1: Annotated[Path | None, typer.Option(
        "--tier1", help="CSV of lenders' tier-1 capital: id,tier1_capital.",
        show_default=False)] = None,
    lender_capital_ratio: Annotated[float, typer.Option(
        help="Tier-1 capital of a lender not in --tier1, as a share of what it lent in the "
        "graph (1: its stress is the share of that lending lost).")] = 1.0,
    person_buffer: Annotated[float | None, typer.Option(
        help="Capital buffer of every person (default: unknown, so persons take no losses).",
        show_default=False)] = None,
    general_weight: Annotated[float, typer.Option(
        help="Share of a general guarantee at stake (joint: 1).")] = 0.5,
    stressed_only: Annotated[bool, typer.Option(
        help="List only stressed nodes in --json output.")] = False,
    store: StoreKind = None,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", help="Embedded store folder [env: RISKGRAPH_DATA_DIR]",
        show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")] = False,
) -> None:
    """Run a contagion scenario: who is hit, round by round, and what it costs."""
    from gnn.contagion import (
        ExposureConfig,
        Method,
        Scenario,
        SimulationParams,
        exposure_network_from_snapshot,
        read_exposure_csv,
        read_shock_csv,
        read_tier1_csv,
        scenario_json,
        simulate,
    )

    try:
        chosen = Method(method)
    except ValueError as exc:
        raise RiskgraphError(f"--method must be debtrank, single-hit or cascade, not {method!r}"
                             ) from exc
    params = SimulationParams(method=chosen, lgd=lgd, tol=tol, max_rounds=max_rounds)
    scenario = Scenario(defaults=_split(default),
                        shocks=read_shock_csv(shock) if shock else (),
                        sectors=tuple(sector or ()), regions=tuple(region or ()),
                        level=level, shock_all=shock_all)
    if (edges is None) != (nodes is None):
        raise RiskgraphError("--edges and --nodes go together: give both files")
    key = None
    if edges is not None and nodes is not None:
        network = read_exposure_csv(edges, nodes)
        source = f"{edges} + {nodes}"
    else:
        from ingest import Pseudonymiser
        from riskgraph.stores import open_store

        settings = command_settings(data_dir, store)
        config = ExposureConfig(tier1_capital=read_tier1_csv(tier1) if tier1 else {},
                                lender_capital_ratio=lender_capital_ratio,
                                person_buffer=person_buffer, general_weight=general_weight)
        with open_store(settings) as graph_store:
            snapshot = graph_store.snapshot(as_of)
        network = exposure_network_from_snapshot(snapshot, config)
        source = f"{settings.store} store, as of {snapshot.as_of or '(empty)'}"

        def key(resident_id: str) -> str:
            return Pseudonymiser(settings.pii_secret()).key(resident_id)

    result = simulate(network, scenario, params, key=key)
    if as_json:
        print(json.dumps(scenario_json(result, stressed_only=stressed_only), ensure_ascii=False))
        return
    _render(result, source)


def _render(result: ScenarioResult, source: str) -> None:
    ids = result.network.ids
    s = result.summary
    table = Table(title=f"{result.params.method.value} (LGD {result.params.lgd:g}) on {source}")
    table.add_column("round", justify="right")
    table.add_column("newly stressed", justify="right")
    table.add_column("newly defaulted", justify="right")
    table.add_column("via (creditor <- debtor)", overflow="fold")
    shocked = np.flatnonzero(result.shock > 0)
    table.add_row("0 (shock)", f"{len(shocked):,}", f"{int((result.shock >= 1).sum()):,}",
                  "\n".join(str(ids[k]) for k in shocked[:_EXAMPLES])
                  + (f"\n(+{len(shocked) - _EXAMPLES:,} more)" if len(shocked) > _EXAMPLES
                     else ""))
    quiet: list[int] = []
    for r in (*result.trail, None):
        if r is not None and not len(r.newly_stressed) and not len(r.newly_defaulted):
            quiet.append(r.round)
            continue
        if quiet:
            span = str(quiet[0]) if len(quiet) == 1 else f"{quiet[0]}-{quiet[-1]}"
            table.add_row(span, "0", "0", "(stress grows on nodes already hit)")
            quiet = []
        if r is not None:
            table.add_row(str(r.round), f"{len(r.newly_stressed):,}",
                          f"{len(r.newly_defaulted):,}", _carried(ids, r))
    out.print(table)
    out.print(f"original stress {s.original_stress:.6g}, additional stress "
              f"{s.additional_stress:.6g}; losses {s.losses:,.0f}; additional defaults "
              f"{s.additional_defaults:,}; {s.stressed:,} stressed; {s.rounds} rounds"
              + (" [red](round limit hit)[/red]" if s.round_limit_hit else ""))
    by_lender = result.losses_by_lender()
    if len(by_lender):
        lenders = Table(title="losses by lender")
        lenders.add_column("lender")
        lenders.add_column("loss", justify="right")
        for ident, loss in by_lender.head(10).items():
            lenders.add_row(str(ident), f"{loss:,.0f}")
        out.print(lenders)


def _carried(ids: np.ndarray, r: RoundRecord) -> str:
    """The first few nodes reached in a round, each with the edge that carried it."""
    defaulted = set(r.newly_defaulted.tolist())
    stressed = set(r.newly_stressed.tolist())
    lines = [f"{ids[i]} <- {ids[j]}" + (" (defaults)" if i in defaulted else "")
             for i, j in zip(r.newly_stressed.tolist(), r.stressed_via.tolist(), strict=True)]
    lines += [f"{ids[i]} <- {ids[j]} (defaults)"
              for i, j in zip(r.newly_defaulted.tolist(), r.defaulted_via.tolist(), strict=True)
              if i not in stressed]
    more = f"\n(+{len(lines) - _EXAMPLES:,} more)" if len(lines) > _EXAMPLES else ""
    return "\n".join(lines[:_EXAMPLES]) + more


def register(app: typer.Typer) -> None:
    """Add ``simulate`` to the ``riskgraph`` command line."""
    app.command("simulate")(simulate_command)
