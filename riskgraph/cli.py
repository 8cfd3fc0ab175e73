"""The ``riskgraph`` command line: thin commands that parse, call one service, and render.

Every command exits 0 on success and non-zero with a one-line reason on failure.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from riskgraph.cli_common import AsJson, DataDir, StoreKind, command_settings
from riskgraph.errors import RiskgraphError
from riskgraph.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="riskgraph: relationship-graph risk engine for post-loan management.",
)
neo4j_app = typer.Typer(no_args_is_help=True, help="Run a local Neo4j server (no Docker needed).")
app.add_typer(neo4j_app, name="neo4j")

out = Console()
err = Console(stderr=True)



_settings = command_settings


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<32}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
        disable=not err.is_terminal,
    )


@app.command()
def generate(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the portfolio into.")],
    enterprises: Annotated[int, typer.Option(help="Number of enterprises.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 7,
    as_of: Annotated[str | None, typer.Option(help="Snapshot date YYYY-MM-DD.")] = None,
    file_format: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
) -> None:
    """Write a realistic sample portfolio (and its labels file) in the interchange format."""
    from ingest.generator import GeneratorConfig, generate_portfolio

    cfg = GeneratorConfig(
        enterprises=enterprises,
        seed=seed,
        file_format=file_format,  # type: ignore[arg-type]
    )
    if as_of:
        cfg = dataclasses.replace(cfg, as_of=date.fromisoformat(as_of))
    result = generate_portfolio(out_dir, cfg, progress=lambda m: err.print(f"[dim]{m}[/dim]"))
    table = Table(title=f"portfolio written to {result.path}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in result.rows.items():
        table.add_row(name, f"{n:,}")
    out.print(table)
    out.print(
        f"labels: {result.labels_path} ({result.defaults_in_horizon} defaults in the horizon; "
        f"{result.defaults_before_as_of} before as_of, in the portfolio)"
    )


@app.command()
def ingest(
    portfolio: Annotated[Path, typer.Argument(help="Portfolio folder (CSV or Parquet tables).")],
    store: StoreKind = None,
    report: Annotated[
        Path | None, typer.Option(help="Write rejects.csv, rejects.json and summary.json here.")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Snapshot date, if the folder has no manifest.json.")
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Load nothing and fail if any row is rejected.")
    ] = False,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Validate a portfolio folder and load its good rows into the store."""
    from graph import load_portfolio
    from ingest import Pseudonymiser
    from riskgraph.stores import open_store

    settings = _settings(data_dir, store)
    pseudonymiser = Pseudonymiser(settings.pii_secret())
    with _progress() as bar, open_store(settings) as graph_store:
        tasks: dict[str, TaskID] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        def step(msg: str) -> None:
            progress(msg, 1, 1)

        result = load_portfolio(
            graph_store,
            portfolio,
            pseudonymiser,
            as_of=date.fromisoformat(as_of) if as_of else None,
            strict=strict,
            report_dir=report,
            progress=progress,
            step=step,
        )
        counts = graph_store.counts()
    rep = result.report
    if as_json:
        payload = rep.summary()
        payload["store"] = settings.store
        payload["loaded"] = result.outcome.__dict__ if result.outcome else None
        out.print_json(json.dumps(payload, ensure_ascii=False))
        return
    table = Table(title=f"{rep.portfolio} as of {rep.as_of} -> {settings.store} store")
    for col in ("file", "accepted", "rejected", "reasons"):
        table.add_column(col, justify="right" if col in ("accepted", "rejected") else "left")
    for name, s in rep.files.items():
        reasons = ", ".join(f"{k} {v}" for k, v in s.by_reason.items())
        table.add_row(name, f"{s.accepted:,}", f"{s.rejected:,}", reasons)
    table.add_row("[b]total[/b]", f"[b]{rep.accepted:,}[/b]", f"[b]{rep.rejected:,}[/b]", "")
    out.print(table)
    for w in rep.warnings[:10]:
        out.print(f"[yellow]warning[/yellow] {w.file}: {w.detail}")
    if len(rep.warnings) > 10:
        out.print(
            f"[yellow]... and {len(rep.warnings) - 10} more warnings (see the report)[/yellow]"
        )
    if result.outcome:
        o = result.outcome
        out.print(
            f"loaded: nodes {o.nodes_created:,} new, {o.nodes_updated:,} updated; "
            f"relationships {o.rels_created:,} new, {o.rels_updated:,} updated, "
            f"{o.rels_ended:,} ended"
        )
    out.print(
        f"graph now: {sum(counts.nodes.values()):,} nodes, "
        f"{sum(counts.relationships.values()):,} current relationships"
    )
    if report:
        out.print(f"report: {report}/summary.json, {report}/rejects.csv")


@app.command()
def stats(store: StoreKind = None, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Node counts by label and relationship counts by type."""
    from riskgraph.stores import open_store

    settings = _settings(data_dir, store)
    with open_store(settings) as graph_store:
        counts = graph_store.counts()
    if as_json:
        print(
            json.dumps(
                {
                    "store": settings.store,
                    "as_of": counts.as_of,
                    "nodes": counts.nodes,
                    "relationships": counts.relationships,
                    "ended_relationships": counts.ended_relationships,
                },
                indent=2,
            )
        )
        return
    table = Table(title=f"{settings.store} store, as of {counts.as_of or '(empty)'}")
    table.add_column("label / type")
    table.add_column("count", justify="right")
    table.add_column("ended", justify="right")
    for k, v in counts.nodes.items():
        table.add_row(k, f"{v:,}", "")
    for k, v in counts.relationships.items():
        table.add_row(k, f"{v:,}", f"{counts.ended_relationships[k]:,}")
    out.print(table)


@app.command()
def demo(
    enterprises: Annotated[int, typer.Option(help="Size of the sample portfolio.")] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed of the sample.")] = 7,
    data_dir: DataDir = None,
    fresh: Annotated[bool, typer.Option(help="Start from an empty data folder.")] = False,
    serve: Annotated[bool, typer.Option(help="Serve the API and UI at the end.")] = True,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
) -> None:
    """The main job on the embedded store: generate a sample portfolio, ingest it, train and
    score, then serve the API and UI."""
    import shutil

    from ingest.generator import GeneratorConfig, generate_portfolio

    settings = _settings(data_dir, "embedded")
    sample = settings.data_dir / "sample" / f"portfolio-{enterprises}-{seed}"
    if fresh and settings.data_dir.exists():
        for sub in ("graph", "sample", "reports"):
            shutil.rmtree(settings.data_dir / sub, ignore_errors=True)
    if not (sample / "enterprises.csv").exists():
        err.print(
            f"[b]1. generating[/b] a sample portfolio of {enterprises:,} enterprises in {sample}"
        )
        generate_portfolio(
            sample,
            GeneratorConfig(enterprises=enterprises, seed=seed),
            progress=lambda m: err.print(f"   [dim]{m}[/dim]"),
        )
    else:
        err.print(f"[b]1. sample portfolio[/b] already in {sample}")
    err.print("[b]2. ingesting[/b] into the embedded store at " + str(settings.data_dir))
    ingest(
        sample,
        store="embedded",
        report=settings.data_dir / "reports" / "last-ingest",
        as_of=None,
        strict=False,
        data_dir=settings.data_dir,
        as_json=False,
    )
    _demo_train_and_score(settings, sample)
    if not serve:
        return
    from api.keys import ensure_demo_key
    from api.serve import run

    key = ensure_demo_key(settings)
    out.print(f"\n[b]4. serving[/b] the API and UI on http://{host}:{port}")
    out.print(f"   UI:       http://{host}:{port}/ui")
    out.print(f"   API docs: http://{host}:{port}/docs")
    out.print(f"   demo API key (investigator): [b]{key}[/b]")
    out.print(f"   try: curl -G -H 'X-API-Key: {key}' --data-urlencode 'q=钢铁' "
              f"http://{host}:{port}/v1/search")
    out.print("   stop with Ctrl-C")
    run(settings, host=host, port=port)


def _demo_train_and_score(settings: Settings, sample: Path) -> None:
    """Step 3 of the demo: train the GNN on the sample's labels and write scores to the store."""
    from gnn.service import train_model
    from ingest import Pseudonymiser
    from riskgraph.stores import open_store

    err.print("[b]3. training and scoring[/b] the GNN against its baselines on the sample's labels")
    report_dir = settings.data_dir / "reports" / "last-training"
    pseudonymiser = Pseudonymiser(settings.pii_secret())
    with _progress() as bar, open_store(settings, "embedded") as graph_store:
        tasks: dict[str, TaskID] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        result = train_model(
            graph_store,
            sample / "labels" / "labels.csv",
            settings.data_dir / "models",
            person_key=pseudonymiser.key,
            report_dir=report_dir,
            step=lambda m: progress(m, 1, 1),
            progress=progress,
        )
    table = Table(title=f"model {result.artifact.version}: test split")
    for col in ("model", "ROC-AUC", "PR-AUC", "Brier"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for r in result.comparison.results:
        m = r.metrics
        table.add_row(r.name, f"{m.roc_auc:.3f}", f"{m.pr_auc:.3f}", f"{m.brier:.4f}")
    out.print(table)
    written = result.scored.written if result.scored else 0
    out.print(f"scores written for {written:,} parties; report: {report_dir}")


def _server_config(home: Path | None, bolt_port: int | None, http_port: int | None):  # type: ignore[no-untyped-def]
    from riskgraph import neo4j_server

    cfg = neo4j_server.Neo4jServerConfig()
    changes = {
        k: v
        for k, v in {"home": home, "bolt_port": bolt_port, "http_port": http_port}.items()
        if v is not None
    }
    if changes:
        cfg = dataclasses.replace(cfg, **changes)  # type: ignore[arg-type]
    return cfg


Home = Annotated[Path | None, typer.Option(help="Server home folder.", show_default=False)]
BoltPort = Annotated[int | None, typer.Option(help="Bolt port (default 7687).", show_default=False)]
HttpPort = Annotated[int | None, typer.Option(help="HTTP port (default 7474).", show_default=False)]


@neo4j_app.command("start")
def neo4j_start(home: Home = None, bolt_port: BoltPort = None, http_port: HttpPort = None) -> None:
    """Fetch Neo4j Community 5.26 from Maven Central (first time only) and start it on 127.0.0.1."""
    from riskgraph import neo4j_server

    st = neo4j_server.start(_server_config(home, bolt_port, http_port))
    out.print(
        f"Neo4j running (pid {st.pid}) at {st.uri}; browser: http://127.0.0.1:"
        f"{_server_config(home, bolt_port, http_port).http_port}/browser"
    )


@neo4j_app.command("stop")
def neo4j_stop(home: Home = None, bolt_port: BoltPort = None, http_port: HttpPort = None) -> None:
    """Stop the local Neo4j server."""
    from riskgraph import neo4j_server

    neo4j_server.stop(_server_config(home, bolt_port, http_port))
    out.print("Neo4j stopped")


@neo4j_app.command("status")
def neo4j_status(home: Home = None, bolt_port: BoltPort = None, http_port: HttpPort = None) -> None:
    """Is the local Neo4j server running and answering?"""
    from riskgraph import neo4j_server

    st = neo4j_server.status(_server_config(home, bolt_port, http_port))
    out.print(
        f"running={st.running} answering={st.answering} pid={st.pid} uri={st.uri} home={st.home}"
    )
    if not st.answering:
        raise typer.Exit(3)


def _register_command_modules() -> None:
    """Commands of the analytics layers live in their own modules, each with ``register(app)``."""
    import importlib
    import importlib.util

    for name in (
        "riskgraph.cli_linked",
        "riskgraph.cli_simulate",
        "riskgraph.cli_gnn",
        "riskgraph.cli_serve",
        "riskgraph.cli_report",
        "riskgraph.cli_monitor",
    ):
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(app)


_register_command_modules()


def main(argv: list[str] | None = None) -> int:
    """Entry point: RiskgraphError becomes one line on stderr and exit code 1."""
    try:
        app(args=argv, standalone_mode=False)
    except RiskgraphError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        return 1
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        return 130
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
