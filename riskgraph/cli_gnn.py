"""``riskgraph train``, ``score`` and ``explain``: the GNN contagion model on the command line.

Thin: each command parses its options, calls one service function of :mod:`gnn.service`, and
renders a table or one JSON object. Models live in ``$DATA_DIR/models/<version>/``.

``train PORTFOLIO`` ingests the folder into the configured store first (as ``riskgraph
ingest`` would: validated, pseudonymised, upserted) and trains on the store's snapshot at the
portfolio's date; ``train`` without a folder trains on the store's current snapshot.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from riskgraph.cli_common import AsJson, DataDir, StoreKind, command_settings
from riskgraph.errors import NotFound, RiskgraphError
from riskgraph.settings import Settings

__all__ = ["register"]

out = Console()
err = Console(stderr=True)

_RESIDENT_ID = re.compile(r"^\d{17}[\dXx]$")
_TOP = 10  # rows shown in the movers and top-score tables

ModelVersion = Annotated[str | None, typer.Option(
    "--model", help="Model version (default: the latest trained).", show_default=False)]


_settings = command_settings


def _progress() -> Progress:
    return Progress(TextColumn("{task.description:<32}"), BarColumn(),
                    TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                    console=err, transient=False, disable=not err.is_terminal)


class _Bars:
    """Progress callbacks (``step`` and ``progress``) drawing rich bars on stderr."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.tasks: dict[str, TaskID] = {}

    def progress(self, name: str, done: int, total: int) -> None:
        if name not in self.tasks:
            self.tasks[name] = self.bar.add_task(name, total=total)
        self.bar.update(self.tasks[name], completed=done, total=total)

    def step(self, name: str) -> None:
        self.progress(name, 1, 1)


def _models_dir(settings: Settings) -> Path:
    return settings.data_dir / "models"


def train_command(
    labels: Annotated[Path, typer.Option(
        "--labels", help="Default history: CSV entity_id,defaulted,default_date.")],
    portfolio: Annotated[Path | None, typer.Argument(
        help="Portfolio folder to ingest first; leave out to train on the store's current "
        "snapshot.", show_default=False)] = None,
    report: Annotated[Path | None, typer.Option(
        help="Write metrics.json, metrics.md and the plots here.", show_default=False)] = None,
    seed: Annotated[int, typer.Option(help="Seed of the split, the weights and sampling.")] = 7,
    epochs: Annotated[int | None, typer.Option(help="Most training epochs.",
                                               show_default=False)] = None,
    mode: Annotated[str, typer.Option(
        help="minibatch (neighbour sampling) or full (full-graph steps).")] = "minibatch",
    threads: Annotated[int | None, typer.Option(help="Torch threads.", show_default=False)] = None,
    score: Annotated[bool, typer.Option(help="Score and explain every party afterwards.")] = True,
    scorecard: Annotated[bool, typer.Option(
        help="Give the GNN the cross-fitted scorecard (own and local graph features) as an input "
        "(docs/gnn.md).")] = True,
    as_of: Annotated[str | None, typer.Option(
        help="Snapshot date YYYY-MM-DD of the portfolio, if its folder has no manifest.json "
        "with one.", show_default=False)] = None,
    store: StoreKind = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Train the GNN and the baselines on one split, report, version the model, and score."""
    from gnn.config import GnnConfig
    from gnn.service import train_model
    from ingest import Pseudonymiser
    from riskgraph.stores import open_store

    if mode not in ("full", "minibatch"):
        raise RiskgraphError(f"--mode must be minibatch or full, not {mode!r}")
    if not labels.is_file():
        raise RiskgraphError(f"labels file {labels} does not exist")
    settings = _settings(data_dir, store)
    cfg = GnnConfig().with_seed(seed)
    changes: dict[str, object] = {"mode": mode}
    if epochs is not None:
        changes["epochs"] = epochs
    if threads is not None:
        changes["threads"] = threads
    cfg = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, **changes),  # type: ignore[arg-type]
                              scorecard=dataclasses.replace(cfg.scorecard, enabled=scorecard))
    pseudonymiser = Pseudonymiser(settings.pii_secret())
    with _progress() as bar, open_store(settings) as graph_store:
        bars = _Bars(bar)
        if portfolio is not None:
            from graph import load_portfolio

            if not portfolio.is_dir():
                raise RiskgraphError(f"{portfolio} is not a portfolio folder")
            try:
                day = date.fromisoformat(as_of) if as_of else None
            except ValueError as exc:
                raise RiskgraphError(f"--as-of must be a date YYYY-MM-DD, not {as_of!r}") from exc
            load_portfolio(graph_store, portfolio, pseudonymiser, as_of=day,
                           progress=bars.progress, step=bars.step)
        result = train_model(graph_store, labels, _models_dir(settings), cfg,
                             person_key=pseudonymiser.key, report_dir=report,
                             score=score, step=bars.step, progress=bars.progress)
    art = result.artifact
    if as_json:
        payload = {"model_version": art.version, "path": str(art.path),
                   "as_of": art.meta.get("as_of"), "labels": result.targets.counts,
                   "metrics": result.comparison.to_dict(),
                   "report": [str(p) for p in result.report_paths],
                   "seconds": result.seconds,
                   "scored": result.scored.written if result.scored else 0}
        print(json.dumps(payload, ensure_ascii=False, default=float))
        return
    c = result.targets.counts
    out.print(f"labels: {c['listed']:,} listed, {c['matched']:,} in the graph, "
              f"{c['prior_default']:,} left out (defaulted before as_of), {c['targets']:,} "
              f"targets with {c['positives']:,} new defaults")
    table = Table(title=f"test split ({result.comparison.split_sizes['test']:,} targets, "
                        f"{result.comparison.split_sizes['test_positives']:,} defaults)")
    for col in ("model", "ROC-AUC", "PR-AUC", "Brier", "ECE"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for r in result.comparison.results:
        m = r.metrics
        table.add_row(r.name, f"{m.roc_auc:.4f}", f"{m.pr_auc:.4f}", f"{m.brier:.5f}",
                      f"{m.ece:.4f}")
    out.print(table)
    for k, v in result.comparison.checks().items():
        out.print(f"  {k}: {v:.4f}" if isinstance(v, float) else f"  {k}: {v}")
    out.print(f"model {art.version} ({art.meta.get('mode')}, best epoch "
              f"{art.meta.get('best_epoch')}, {art.meta.get('train_seconds')} s) -> {art.path}")
    if result.report_paths:
        out.print("report: " + ", ".join(str(p) for p in result.report_paths))
    if result.scored is not None:
        _render_scored(result.scored)


def _render_scored(scored) -> None:  # type: ignore[no-untyped-def]
    out.print(f"scores written: {scored.written:,} parties ({scored.explained:,} with named "
              "contributors)")
    if len(scored.movers):
        table = Table(title="top movers against the scores stored before")
        for col in ("id", "name", "before", "now", "change"):
            table.add_column(col, justify="right" if col in ("before", "now", "change")
                             else "left")
        for row in scored.movers.head(_TOP).itertuples():
            table.add_row(str(row.id), str(row.name), f"{row.pd_before:.4f}", f"{row.pd:.4f}",
                          f"{row.delta:+.4f}")
        out.print(table)


def score_command(
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Also write CSV entity_id,pd,contagion_exposure,model_version.",
        show_default=False)] = None,
    model: ModelVersion = None,
    explain: Annotated[bool, typer.Option(help="Compute and store explanations.")] = True,
    store: StoreKind = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Score every enterprise and person with a trained model and store the scores."""
    from gnn.artifacts import load_artifact
    from gnn.service import score_store
    from riskgraph.stores import open_store

    settings = _settings(data_dir, store)
    artifact = load_artifact(_models_dir(settings), model)
    with _progress() as bar, open_store(settings) as graph_store:
        bars = _Bars(bar)
        scored = score_store(graph_store, artifact, explain=explain, step=bars.step,
                             progress=bars.progress)
    frame = scored.frame
    if out_file is not None:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        frame.rename(columns={"id": "entity_id"})[
            ["entity_id", "pd", "contagion_exposure", "model_version"]].to_csv(out_file,
                                                                               index=False)
    if as_json:
        print(json.dumps({"model_version": artifact.version, "written": scored.written,
                          "explained": scored.explained,
                          "out": str(out_file) if out_file else None,
                          "mean_pd": float(frame["pd"].mean()),
                          "seconds": scored.seconds}, ensure_ascii=False))
        return
    out.print(f"model {artifact.version}: {scored.written:,} parties scored "
              f"({scored.explained:,} with named contributors)"
              + (f"; CSV: {out_file}" if out_file else ""))
    live = frame[frame["pd"] < 1.0]
    table = Table(title="highest contagion exposure")
    for col in ("id", "label", "name", "pd", "exposure"):
        table.add_column(col, justify="right" if col in ("pd", "exposure") else "left")
    for row in live.nlargest(_TOP, "contagion_exposure").itertuples():
        table.add_row(str(row.id), str(row.label), str(row.name), f"{row.pd:.4f}",
                      f"{row.contagion_exposure:+.4f}")
    out.print(table)
    _render_scored(dataclasses.replace(scored, movers=scored.movers.iloc[0:0]))


def explain_command(
    ident: Annotated[str, typer.Argument(
        help="Enterprise USCC, person key, or a person's resident id.")],
    model: ModelVersion = None,
    store: StoreKind = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Why a party has its PD: its top contributing counterparties and the paths to them."""
    from gnn.service import explain_entity
    from ingest import Pseudonymiser
    from riskgraph.stores import open_store

    settings = _settings(data_dir, store)
    with open_store(settings) as graph_store:
        try:
            found = explain_entity(graph_store, _models_dir(settings), ident, model)
        except NotFound:
            if not _RESIDENT_ID.match(ident):
                raise
            key = Pseudonymiser(settings.pii_secret()).key(ident.upper())
            found = explain_entity(graph_store, _models_dir(settings), key, model)
    if as_json:
        print(json.dumps(found, ensure_ascii=False))
        return
    out.print(f"[b]{found['name']}[/b] ({found['label']} {found['id']}), model "
              f"{found['model_version']}")
    out.print(f"PD {found['pd']:.4f}; without its network {found['pd_isolated']:.4f}; "
              f"contagion exposure {found['contagion_exposure']:+.4f}")
    if found.get("note"):
        out.print(f"[dim]{found['note']}[/dim]")
    contributors: list[dict[str, Any]] = found.get("contributors") or []  # type: ignore[assignment]
    if contributors:
        table = Table(title="top contributors (PD change if the contributor's edges were removed)")
        for col in ("contributor", "hops", "contribution", "path"):
            table.add_column(col, justify="right" if col in ("hops", "contribution") else "left",
                             overflow="fold")
        for c in contributors:
            paths = ["; ".join(f"{s['src_name']} {s['words']} {s['dst_name']}"
                               + (f" ({s['via']})" if s.get("via") else "") for s in path)
                     for path in c["paths"]]
            who = f"{c['name']} ({c['id']})" + (" [red]defaulted[/red]"
                                                if c["defaulted_before_as_of"] else "")
            table.add_row(who, str(c["hops"]), f"{c['contribution']:+.4f}", "\n".join(paths))
        out.print(table)
    out.print(f"[dim]{found['method']}[/dim]")


def register(app: typer.Typer) -> None:
    """Add ``train``, ``score`` and ``explain`` to the ``riskgraph`` command line."""
    app.command("train")(train_command)
    app.command("score")(score_command)
    app.command("explain")(explain_command)
