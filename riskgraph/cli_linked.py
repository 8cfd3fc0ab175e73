"""``riskgraph linked | group | controller | circles | path``: linked-party exposure.

Thin: each command opens the store at the edge, takes the snapshot (``--as-of``), loads the rules
(``--rules FILE`` on top of the shipped defaults), calls one method of
:class:`graph.linked.LinkedAnalysis`, and renders a rich table or one JSON object (``--json``).
An id is an enterprise's USCC or a person's key; a person may also be given by resident id,
which is hashed on the way in (never printed back in clear).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from riskgraph.cli_common import AsJson, DataDir, StoreKind, command_settings
from riskgraph.errors import RiskgraphError

if TYPE_CHECKING:
    from graph.linked import (
        ControllerReport,
        ExposureReport,
        GroupReport,
        GuaranteeReport,
        LinkedAnalysis,
        Neighbourhood,
        NodeRef,
        PathsResult,
    )
    from graph.model import RelType

__all__ = ["register"]

out = Console()

AsOf = Annotated[str | None, typer.Option(
    "--as-of", help="Snapshot date YYYY-MM-DD (default: the latest portfolio).",
    show_default=False)]
RulesFile = Annotated[Path | None, typer.Option(
    "--rules", help="Rules TOML read on top of graph/linked/rules.default.toml.",
    show_default=False)]
Types = Annotated[str | None, typer.Option(
    "--types", help="Relationship types to follow, comma-separated (HOLDS_POST, HOLDS_SHARES, "
    "RELATIVE_OF, GUARANTEES, BORROWS, HAS_CONTACT); default all.", show_default=False)]


class _Session:
    """What every command opens at the edge: settings, the analysis, the id hasher."""

    def __init__(self, store: str | None, data_dir: Path | None, as_of: str | None,
                 rules: Path | None, profile: str | None = None) -> None:
        from graph.linked import LinkedAnalysis, load_rules
        from riskgraph.stores import open_store

        self.settings = command_settings(data_dir, store)
        linked_rules = load_rules(rules).with_profile(profile)
        with open_store(self.settings) as graph_store:
            snapshot = graph_store.snapshot(as_of)
        if snapshot.num_nodes == 0:
            raise RiskgraphError(f"the {self.settings.store} store is empty; load a portfolio "
                                 "first with `riskgraph ingest FOLDER`")
        self.analysis: LinkedAnalysis = LinkedAnalysis.of(snapshot, linked_rules)

    def key(self, resident_id: str) -> str:
        from ingest import Pseudonymiser

        return Pseudonymiser(self.settings.pii_secret()).key(resident_id)


def _types(raw: str | None) -> tuple[RelType, ...] | None:
    from graph.model import RelType

    if not raw:
        return None
    chosen = []
    for name in (v.strip().upper() for v in raw.split(",") if v.strip()):
        try:
            chosen.append(RelType(name))
        except ValueError as exc:
            known = ", ".join(t.value for t in RelType)
            raise RiskgraphError(f"--types: unknown relationship type {name!r}; known: {known}"
                                 ) from exc
    return tuple(chosen)


def _emit(value: object) -> None:
    from graph.linked import to_json

    print(json.dumps(to_json(value), ensure_ascii=False))


def _who(ref: NodeRef | None) -> str:
    if ref is None:
        return "-"
    if ref.label == "Person":
        return f"{ref.name} ({ref.id_masked or ref.id[:9] + '…'})"
    if ref.label == "Enterprise":
        return f"{ref.name} ({ref.id})"
    return ref.name


def _money(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.2%}"


# -- commands ----------------------------------------------------------------------------------
def linked_command(
    ident: Annotated[str, typer.Argument(metavar="ID", help="Enterprise USCC, person key or "
                                         "resident id.")],
    hops: Annotated[int | None, typer.Option(help="Hops around the party (default from the "
                                             "rules: 2; at most limits.max_hops).",
                                             show_default=False)] = None,
    types: Types = None, as_of: AsOf = None, rules: RulesFile = None, store: StoreKind = None,
    data_dir: DataDir = None, as_json: AsJson = False,
) -> None:
    """The parties within k hops of ID, and how each was reached (cut at limits.max_nodes)."""
    s = _Session(store, data_dir, as_of, rules)
    result = s.analysis.neighbourhood(ident, hops, _types(types), key=s.key)
    if as_json:
        _emit(result)
        return
    _render_neighbourhood(result)


def group_command(
    ident: Annotated[str | None, typer.Argument(metavar="[ID]", help="A member of the group.",
                                                show_default=False)] = None,
    all_groups: Annotated[bool, typer.Option("--all", help="Every group of two or more "
                                             "parties.")] = False,
    profile: Annotated[str | None, typer.Option(help="Limit profile: basel or cn2018 (default "
                                                "from the rules).", show_default=False)] = None,
    as_of: AsOf = None, rules: RulesFile = None, store: StoreKind = None,
    data_dir: DataDir = None, as_json: AsJson = False,
) -> None:
    """The connected-counterparty group of ID: members with evidence, exposure by lender."""
    if (ident is None) == (not all_groups):
        raise RiskgraphError("give a party ID or --all (not both)")
    s = _Session(store, data_dir, as_of, rules, profile)
    if all_groups:
        reports = s.analysis.groups()
        if as_json:
            from graph.linked import group_summary_json

            print(json.dumps({"as_of": s.analysis.snapshot.as_of,
                              "rules": s.analysis.rules.source,
                              "groups": [group_summary_json(r) for r in reports]},
                             ensure_ascii=False))
            return
        _render_all_groups(reports)
        return
    assert ident is not None
    report = s.analysis.group(ident, key=s.key)
    if as_json:
        _emit(report)
        return
    _render_group(report)


def controller_command(
    ident: Annotated[str, typer.Argument(metavar="ID", help="Enterprise USCC (or a person, to "
                                         "see what it controls).")],
    as_of: AsOf = None, rules: RulesFile = None, store: StoreKind = None,
    data_dir: DataDir = None, as_json: AsJson = False,
) -> None:
    """The control chain and ultimate controller of ID, and its effective holders."""
    s = _Session(store, data_dir, as_of, rules)
    report = s.analysis.controller(ident, key=s.key)
    if as_json:
        _emit(report)
        return
    _render_controller(report)


def circles_command(
    top: Annotated[int, typer.Option(help="How many circles, pairs and chains to list.")] = 20,
    party: Annotated[str | None, typer.Option(help="Also show where this party sits.",
                                              show_default=False)] = None,
    as_of: AsOf = None, rules: RulesFile = None, store: StoreKind = None,
    data_dir: DataDir = None, as_json: AsJson = False,
) -> None:
    """Guarantee circles, mutual-guarantee pairs and long chains, by outstanding exposure."""
    if top < 1:
        raise RiskgraphError("--top must be at least 1")
    s = _Session(store, data_dir, as_of, rules)
    report = s.analysis.guarantees(top, party, key=s.key)
    if as_json:
        _emit(report)
        return
    _render_circles(report)


def path_command(
    source: Annotated[str, typer.Argument(metavar="A", help="One party.")],
    target: Annotated[str, typer.Argument(metavar="B", help="The other party.")],
    max_hops: Annotated[int | None, typer.Option(help="Longest path searched (default and "
                                                 "limit: limits.max_path_hops).",
                                                 show_default=False)] = None,
    types: Types = None, as_of: AsOf = None, rules: RulesFile = None, store: StoreKind = None,
    data_dir: DataDir = None, as_json: AsJson = False,
) -> None:
    """The shortest relationship paths between A and B, in words."""
    s = _Session(store, data_dir, as_of, rules)
    result = s.analysis.paths(source, target, max_hops, _types(types), key=s.key)
    if as_json:
        _emit(result)
        return
    _render_paths(result)


# -- rendering ---------------------------------------------------------------------------------
def _render_neighbourhood(r: Neighbourhood) -> None:
    table = Table(title=f"{_who(r.center)}: parties within {r.hops} hop(s), as of {r.as_of}")
    for col in ("hops", "party", "reached by"):
        table.add_column(col, justify="right" if col == "hops" else "left", overflow="fold")
    for p in r.nodes[1:]:
        how = "-"
        if p.link is not None and p.reached_from is not None:
            arrow = f"—{p.link.words}→" if p.link.forward else f"←{p.link.words}—"
            how = f"{p.reached_from.name} {arrow} {p.node.name}"
        table.add_row(str(p.hops), _who(p.node), how)
    out.print(table)
    out.print(f"{len(r.nodes) - 1:,} parties, {len(r.ties):,} ties")
    if r.truncated:
        out.print(f"[yellow]truncated[/yellow] at {r.limit:,} nodes: {r.left_out:,} more at the "
                  f"last level (and {r.ties_left_out:,} ties) not shown; ask fewer hops or "
                  "filter --types")


def _render_group(r: GroupReport) -> None:
    g = r.group
    title = (f"group {g.key}: {g.size} member(s), head {_who(g.head)}"
             f" (rules: {', '.join(x.value for x in g.rules)})")
    table = Table(title=title)
    for col in ("member", "ultimate controller", "why it is in the group"):
        table.add_column(col, overflow="fold")
    for m in g.members:
        lines = []
        for ev in m.evidence[:4]:
            lines.append(f"[b]{ev.rule.value}[/b]: {ev.text}")
            lines += [f"  {p.text()}" for p in ev.paths[:2]]
        if len(m.evidence) > 4:
            lines.append(f"(+{len(m.evidence) - 4} more; see --json)")
        table.add_row(_who(m.node), _who(m.ultimate_controller),
                      "\n".join(lines) if lines else "(the party asked about)")
    out.print(table)
    _render_exposure(r.exposure, "exposure of the group" if r.group.size > 1
                     else "exposure (no connected parties)")
    if r.subject_exposure is not None and r.group.size > 1:
        _render_exposure(r.subject_exposure, f"exposure of {_who(r.subject)} alone")


def _render_exposure(e: ExposureReport, title: str) -> None:
    limit = e.profile.group_limit if e.scope == "group" else e.profile.single_limit
    table = Table(title=f"{title}: {e.profile.name} limit {limit:.0%} of tier 1 (millions)")
    for col in ("lender", "direct", "contingent", "tier 1", "share", "headroom", "status"):
        table.add_column(col, justify="left" if col in ("lender", "status") else "right",
                         overflow="fold")
    for x in e.by_lender:
        colour = "red" if x.breach else "yellow" if x.large else ""
        headroom = "-" if x.headroom is None else f"{x.headroom * 100:+.2f}pt"
        status = "no capital" if x.tier1_capital is None else x.status
        table.add_row(x.lender.name, _millions(x.direct), _millions(x.contingent),
                      _millions(x.tier1_capital), _pct(x.share_of_tier1), headroom,
                      f"[{colour}]{status}[/{colour}]" if colour else status)
    out.print(table)
    if any(x.tier1_capital is None for x in e.by_lender):
        out.print("no capital: the lender's tier-1 capital is not configured (\\[capital] "
                  "in the rules file); nothing is guessed")
    basis = "direct + contingent" if e.include_contingent else "direct"
    out.print(f"outstanding {_money(e.total_direct)}, contingent {_money(e.total_contingent)}; "
              f"checked: {basis}; guarantees given {len(e.guarantees_given)}, received from "
              f"outside {len(e.guarantees_received)}")
    for x in e.by_lender:
        if x.share_of_tier1 is not None and (x.breach or x.large):
            verdict = (f"{abs(x.headroom or 0) * 100:.2f} points over the limit" if x.breach
                       else f"{(x.headroom or 0) * 100:.2f} points of headroom")
            out.print(f"{x.lender.name}: {x.share_of_tier1:.2%} of tier 1, limit "
                      f"{x.limit:.0%}: {verdict}")


def _millions(x: float | None) -> str:
    return "-" if x is None else f"{x / 1e6:,.2f}"


def _render_all_groups(reports: tuple[GroupReport, ...]) -> None:
    table = Table(title=f"{len(reports):,} connected-counterparty groups (largest exposure "
                        "first; first 50 shown, all with --json)")
    for col in ("group", "head", "members", "outstanding", "breaches"):
        table.add_column(col, justify="right" if col in ("members", "outstanding") else "left")
    for r in reports[:50]:
        breaches = ", ".join(x.lender.name for x in r.exposure.breaches) or "-"
        table.add_row(r.group.key, _who(r.group.head), str(r.group.size),
                      _money(r.exposure.total_direct), breaches)
    out.print(table)


def _render_controller(r: ControllerReport) -> None:
    out.print(f"[b]{_who(r.subject)}[/b]")
    if r.chain:
        table = Table(title="control chain (immediate controller first)")
        table.add_column("controller", overflow="fold")
        table.add_column("controls", overflow="fold")
        table.add_column("share", justify="right")
        table.add_column("path", overflow="fold")
        for link in r.chain:
            table.add_row(_who(link.controller), _who(link.controlled), _pct(link.share),
                          "\n".join(p.text() for p in link.paths[:2]))
        out.print(table)
    if r.ultimate is not None:
        out.print(f"ultimate controller: [b]{_who(r.ultimate)}[/b]")
    elif r.circular:
        out.print("ultimate controller: none (control goes round an ownership cycle: "
                  + ", ".join(n.name for n in r.cycle) + ")")
    else:
        out.print("ultimate controller: none (nobody holds a controlling majority)")
    if r.relative is not None:
        out.print(f"[yellow]relative control[/yellow] (largest effective holder above "
                  f"{r.relative_threshold:.0%}): {_who(r.relative.holder)} "
                  f"{r.relative.effective:.2%}")
    if r.closed_cycle:
        out.print("[yellow]in a closed ownership cycle: no outside owner[/yellow]")
    if r.holders:
        table = Table(title="effective holders (sum over ownership paths of ratio products)")
        for col in ("holder", "effective", "direct", "largest path"):
            table.add_column(col, justify="right" if col in ("effective", "direct") else "left",
                             overflow="fold")
        for h in r.holders:
            table.add_row(_who(h.holder), _pct(h.effective), _pct(h.direct),
                          h.paths[0].path.text() if h.paths else "-")
        out.print(table)
    if r.controls_count:
        shown = ", ".join(n.name for n in r.controls[:10])
        more = f" (+{r.controls_count - 10} more)" if r.controls_count > 10 else ""
        out.print(f"controls {r.controls_count} enterprise(s): {shown}{more}")


def _render_circles(r: GuaranteeReport) -> None:
    table = Table(title=f"guarantee circles: {r.circles_total:,} (as of {r.as_of})")
    for col in ("circle", "members", "guarantees inside", "guaranteed inside", "outstanding"):
        table.add_column(col, justify="left" if col in ("circle", "members") else "right",
                         overflow="fold")
    for c in r.circles:
        table.add_row(c.key, ", ".join(m.name for m in c.members), str(c.guarantees),
                      _money(c.guaranteed_inside), _money(c.outstanding))
    out.print(table)
    pairs = Table(title=f"mutual-guarantee pairs: {r.mutual_pairs_total:,}")
    for col in ("a", "b", "outstanding", "circle"):
        pairs.add_column(col, justify="right" if col == "outstanding" else "left")
    for p in r.mutual_pairs:
        pairs.add_row(_who(p.a), _who(p.b), _money(p.outstanding), p.circle or "-")
    out.print(pairs)
    chains = Table(title=f"guarantee chains of {r.min_chain_length}+ hops: {r.chains_total:,} "
                         "(guarantor → borrower)")
    chains.add_column("hops", justify="right")
    chains.add_column("chain", overflow="fold")
    chains.add_column("outstanding", justify="right")
    for ch in r.chains:
        steps = [s[0].name if k is None else f"[{k}: {len(s)} firms]"
                 for s, k in zip(ch.steps, ch.circles, strict=True)]
        chains.add_row(str(ch.hops), " → ".join(steps), _money(ch.outstanding))
    out.print(chains)
    if r.position is not None:
        pos = r.position
        out.print(f"{_who(pos.node)}: circle {pos.circle or '-'}"
                  + (f" ({pos.circle_size} members)" if pos.circle else "")
                  + f"; mutual with {', '.join(n.name for n in pos.mutual_with) or '-'}; "
                  f"{pos.chain_up} hop(s) of guarantors above, {pos.chain_down} of borrowers "
                  f"below; guarantees {pos.guarantees_given}, guaranteed by {pos.guarantors}")


def _render_paths(r: PathsResult) -> None:
    if r.length is None:
        out.print(f"no path between {_who(r.source)} and {_who(r.target)} within "
                  f"{r.max_hops} hops")
        return
    out.print(f"{len(r.paths)} shortest path(s) of {r.length} hop(s) between {_who(r.source)} "
              f"and {_who(r.target)}" + (" [yellow](more not listed)[/yellow]"
                                         if r.truncated else ""))
    for k, p in enumerate(r.paths, 1):
        out.print(f"{k}. {p.text()}")


def register(app: typer.Typer) -> None:
    """Add the linked-party commands to the ``riskgraph`` command line."""
    app.command("linked")(linked_command)
    app.command("group")(group_command)
    app.command("controller")(controller_command)
    app.command("circles")(circles_command)
    app.command("path")(path_command)
