"""``riskgraph alerts [--json] [--since DATE]``, ``riskgraph alerts ack ID``,
``riskgraph alerts push``, ``riskgraph watch add|list|remove|check`` and
``riskgraph leads ID [--json]``: post-loan monitoring (see docs/monitoring.md).

``riskgraph alerts`` first scans the store (each new portfolio against the one before it; the
alerts are merged by id into ``<data dir>/monitoring/alerts.json``), then lists them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from riskgraph.cli_common import AsJson, StoreKind, command_settings
from riskgraph.errors import RiskgraphError
from riskgraph.settings import Settings

__all__ = ["register"]

out = Console()
err = Console(stderr=True)

DataDir = Annotated[Path | None, typer.Option(
    "--data-dir", help="Data folder (the alert file lives in its monitoring/) "
    "[env: RISKGRAPH_DATA_DIR]", show_default=False)]


_settings = command_settings


def _book(settings: Settings):  # type: ignore[no-untyped-def]
    from graph.monitoring import AlertBook

    return AlertBook(settings.data_dir / "monitoring")


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    alerts_app = typer.Typer(help="Early-warning alerts: who else is exposed when a party gets "
                             "into trouble.")

    @alerts_app.callback(invoke_without_command=True)
    def alerts(ctx: typer.Context, store: StoreKind = None, data_dir: DataDir = None,
               as_json: AsJson = False,
               since: Annotated[str | None, typer.Option(
                   "--since", help="Only alerts of portfolios (or created) on/after this date "
                   "YYYY-MM-DD.", show_default=False)] = None,
               severity: Annotated[str | None, typer.Option(
                   "--severity", help="high, medium or low.", show_default=False)] = None,
               open_only: Annotated[bool, typer.Option(
                   "--open", help="Only alerts not acknowledged yet.")] = False,
               no_scan: Annotated[bool, typer.Option(
                   "--no-scan", help="List what is stored; do not scan the store first.")]
               = False) -> None:
        """Scan the store for new credit events and worse loan statuses, then list the alerts."""
        if ctx.invoked_subcommand is not None:
            return
        from graph.monitoring import scan
        from riskgraph.stores import open_store

        settings = _settings(data_dir, store)
        book = _book(settings)
        if not no_scan:
            with open_store(settings) as graph_store:
                result = scan(graph_store, book)
            if not as_json:
                err.print(f"scanned {', '.join(result.scanned) or 'nothing new'}: "
                          f"{result.new} new alert(s), {result.total} in {book.path}")
        items = book.alerts(since=since, severity=severity, include_acked=not open_only)
        if as_json:
            _print_json({"alerts": items, "total": len(items), "file": str(book.path)})
            return
        out.print(f"[b]{len(items)} alert(s)[/b]", highlight=False)
        for a in items:
            ack = (f"  (acknowledged by {a['acked_by']} {a['acked_at']})"
                   if a["acknowledged"] else "")
            _line(f"{a['id']}  {a['severity'].upper()} {a['score']:.1f}  "
                  f"{a['exposed']['name']} ({_shown(a['exposed'])}) exposed: {a['rule']}, "
                  f"outstanding {a['exposure']:,.0f}{ack}")
            _line(f"    trigger: {a['troubled']['name']} ({_shown(a['troubled'])}) "
                  f"{a['trigger']['kind']} {a['trigger']['date'] or ''} "
                  f"(portfolio {a['as_of']} against {a['previous_as_of']})")
            _line(f"    path: {a['path']['text']}")

    @alerts_app.command("ack")
    def ack(alert_id: Annotated[str, typer.Argument(help="The alert's id (A…).")],
            note: Annotated[str | None, typer.Option(help="Why, or what was done.")] = None,
            by: Annotated[str, typer.Option(help="Who acknowledges.")] = "cli",
            data_dir: DataDir = None, as_json: AsJson = False) -> None:
        """Acknowledge an alert (it stays listed, marked acknowledged)."""
        settings = _settings(data_dir, None)
        a = _book(settings).ack(alert_id, by=by, note=note)
        if as_json:
            _print_json(a)
            return
        out.print(f"acknowledged {a['id']} by {a['acked_by']} at {a['acked_at']}")

    @alerts_app.command("push")
    def push_cmd(url: Annotated[str | None, typer.Option(
                     help="Receiver URL [env: RISKGRAPH_WEBHOOK_URL]", show_default=False)] = None,
                 attempts: Annotated[int, typer.Option(help="Tries per alert.")] = 4,
                 base_delay: Annotated[float, typer.Option(
                     help="Seconds before the first retry; doubled each time.")] = 0.5,
                 data_dir: DataDir = None, as_json: AsJson = False) -> None:
        """Deliver the alerts in the webhook outbox (signed with RISKGRAPH_WEBHOOK_SECRET)."""
        import os

        from graph.monitoring.webhook import push

        settings = _settings(data_dir, None)
        target = url or os.environ.get("RISKGRAPH_WEBHOOK_URL")
        secret = os.environ.get("RISKGRAPH_WEBHOOK_SECRET")
        if not target:
            raise RiskgraphError("no receiver: give --url or set RISKGRAPH_WEBHOOK_URL")
        if not secret:
            raise RiskgraphError("set RISKGRAPH_WEBHOOK_SECRET (the HMAC-SHA256 key shared "
                                 "with the receiver)")
        result = push(_book(settings), target, secret.encode(), attempts=attempts,
                      base_delay=base_delay)
        if as_json:
            _print_json(result.__dict__)
        else:
            _line(f"delivered {result.delivered}, pending {result.pending}"
                  + (f" (last error: {result.error})" if result.error else ""))
        if result.pending:
            raise RiskgraphError(f"{result.pending} alert(s) not delivered, kept in the outbox "
                                 "for the next push")

    app.add_typer(alerts_app, name="alerts")

    watch_app = typer.Typer(no_args_is_help=True, help="Watchlists: hear of any change in a "
                            "borrower's linked-party group.")

    def _analysis(settings: Settings):  # type: ignore[no-untyped-def]
        from graph.linked import LinkedAnalysis
        from riskgraph.stores import open_store

        with open_store(settings) as graph_store:
            snap = graph_store.snapshot()
        if snap.num_nodes == 0:
            raise RiskgraphError(f"the {settings.store} store is empty; load a portfolio first")
        return LinkedAnalysis.of(snap)

    @watch_app.command("add")
    def watch_add(ident: Annotated[str, typer.Argument(help="USCC, person key or resident id.")],
                  by: Annotated[str, typer.Option(help="Who watches (a committee's name).")],
                  store: StoreKind = None, data_dir: DataDir = None,
                  as_json: AsJson = False) -> None:
        """Watch a borrower and its linked-party group."""
        from graph.monitoring import add_watch
        from ingest import Pseudonymiser

        settings = _settings(data_dir, store)
        a = _analysis(settings)
        w = add_watch(_book(settings), a,
                      a.resolve(ident, Pseudonymiser(settings.pii_secret()).key), by)
        if as_json:
            _print_json(w)
        else:
            _line(f"watch {w['id']}: {w['party']['name']} for {by}, {len(w['members'])} "
                  "member(s) in its group")

    @watch_app.command("list")
    def watch_list(data_dir: DataDir = None, as_json: AsJson = False) -> None:
        """The watches."""
        from graph.monitoring import watches

        items = watches(_book(_settings(data_dir, None)))
        if as_json:
            _print_json(items)
            return
        for w in items:
            _line(f"{w['id']}  {w['party']['name']} ({_shown(w['party'])})  by {w['by']}  "
                  f"{len(w['members'])} member(s) as of {w['as_of']}")

    @watch_app.command("remove")
    def watch_remove(watch_id: str, data_dir: DataDir = None) -> None:
        """Stop watching."""
        from graph.monitoring import remove_watch

        remove_watch(_book(_settings(data_dir, None)), watch_id)
        _line(f"removed {watch_id}")

    @watch_app.command("check")
    def watch_check(store: StoreKind = None, data_dir: DataDir = None, as_json: AsJson = False,
                    by: Annotated[str | None, typer.Option(help="Only this committee's "
                                                           "watches.")] = None) -> None:
        """Scan for alerts, then report per watch: alerts touching the group, members that
        joined or left since the last check."""
        from graph.monitoring import check, scan
        from riskgraph.stores import open_store

        settings = _settings(data_dir, store)
        book = _book(settings)
        with open_store(settings) as graph_store:
            scan(graph_store, book)
        hits = check(book, _analysis(settings), by=by)
        if as_json:
            _print_json(hits)
            return
        for h in hits:
            w = h["watch"]
            _line(f"{w['id']}  {w['party']['name']} for {w['by']}: {h['members']} member(s), "
                  f"{len(h['alerts'])} alert(s) ({h['open_alerts']} open), joined "
                  f"{', '.join(h['joined']) or '-'}, left {', '.join(h['left']) or '-'}")
            for x in h["alerts"][:10]:
                _line(f"    {x['id']} {x['severity']} {x['exposed']['name']} "
                      f"{x['rule']}: {x['path']['text']}")

    app.add_typer(watch_app, name="watch")

    @app.command("leads")
    def leads_cmd(ident: Annotated[str, typer.Argument(
                      help="The lost-contact borrower: USCC, person key or resident id.")],
                  store: StoreKind = None, data_dir: DataDir = None, as_json: AsJson = False,
                  limit: Annotated[int, typer.Option(help="Leads listed at most.")] = 30,
                  as_of: Annotated[str | None, typer.Option(
                      "--as-of", help="Snapshot date (default: the latest portfolio).",
                      show_default=False)] = None) -> None:
        """Whom to approach to reach a borrower who lost contact: ranked, each with why."""
        from graph.linked import LinkedAnalysis
        from graph.monitoring import leads
        from ingest import Pseudonymiser
        from riskgraph.stores import open_store

        settings = _settings(data_dir, store)
        with open_store(settings) as graph_store:
            snap = graph_store.snapshot(as_of)
        if snap.num_nodes == 0:
            raise RiskgraphError(f"the {settings.store} store is empty; load a portfolio first")
        a = LinkedAnalysis.of(snap)
        key = Pseudonymiser(settings.pii_secret()).key
        result = leads(a, a.resolve(ident, key), limit=limit)
        if as_json:
            _print_json(result)
            return
        s = result["subject"]
        state = "LOST CONTACT" if result["lost_contact"] else "no lost_contact event"
        _line(f"{s['name']} ({_shown(s)}), as of {result['as_of']}: {state}")
        for ev in result["lost_contact_events"]:
            _line(f"  lost contact {ev['date']}: {ev['detail'] or ''}")
        if result["contacts"]:
            _line("  known contacts: " + "; ".join(f"{c['kind']} {c['value']}"
                                                      for c in result["contacts"]))
        _line(f"{len(result['leads'])} of {result['leads_total']} lead(s); "
              f"{result['ranking']}")
        for x in result["leads"]:
            _line(f"{x['rank']:>3}. {x['party']['name']} ({_shown(x['party'])})  "
                  f"score {x['score']:.1f}")
            _line(f"     path: {x['path']['text']}")
            _line(f"     why: {x['why']}")
            if x["contacts"]:
                _line("     contacts: " + "; ".join(f"{c['kind']} {c['value']}"
                                                   for c in x["contacts"]))


def _line(text: str) -> None:
    out.print(text, soft_wrap=True, highlight=False, markup=False)


def _shown(ref: dict[str, Any]) -> str:
    if ref["label"] == "Person":
        return str(ref.get("id_masked") or ref["id"][:9] + "…")
    return str(ref["id"])
