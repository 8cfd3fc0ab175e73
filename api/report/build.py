"""Gathering the committee report: one service function, :func:`build_report`, and its result.

Every figure comes from the same snapshot (as of the portfolio date asked for, default the
latest): the group and exposure from :class:`graph.linked.LinkedAnalysis`, the scores and
their explanations from the store's score table, the scenario from
:func:`gnn.contagion.simulate` with the borrower in default. A server that already holds these
(the API's :class:`~api.world.World`) passes them in so nothing is computed twice.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from api.report.picture import group_picture
from graph.linked import (
    Circle,
    ExposureReport,
    Group,
    GroupMember,
    GuaranteePosition,
    LinkedAnalysis,
    NodeRef,
    load_rules,
)
from graph.model import Label
from graph.store import GraphStore
from riskgraph.errors import NotFound, QueryLimitError
from riskgraph.settings import Settings

if TYPE_CHECKING:
    from gnn.contagion import ExposureNetwork

__all__ = ["Contributor", "MemberRow", "Report", "ReportData", "ReportOptions",
           "ScenarioOutcome", "StressedRow", "build_report"]

#: One score: (pd, contagion_exposure, model_version, explanation JSON text or None).
ScoreEntry = tuple[float | None, float | None, str | None, str | None]


@dataclass(frozen=True)
class ReportOptions:
    """What the report shows.

    Args:
        method: contagion method of the default scenario (debtrank, single-hit, cascade).
        lgd: loss given default of the scenario, in [0, 1].
        contributors: top contributors listed per member.
        stressed: most stressed parties outside the borrower listed for the scenario.
        picture_max_nodes: the group picture draws at most this many parties.
    """

    method: str = "debtrank"
    lgd: float = 1.0
    contributors: int = 5
    stressed: int = 10
    picture_max_nodes: int = 120


@dataclass(frozen=True)
class Contributor:
    name: str
    shown_id: str
    label: str
    share: float | None  # the change of the member's PD the contributor makes (PD points)
    path: str | None  # the shortest relationship path member -> contributor, in words


@dataclass(frozen=True)
class MemberRow:
    member: GroupMember
    shown_id: str
    pd: float | None
    contagion_exposure: float | None
    outstanding: float
    contributors: tuple[Contributor, ...]
    stress: float | None  # in the default scenario
    defaulted: bool


@dataclass(frozen=True)
class StressedRow:
    name: str
    shown_id: str
    label: str
    stress: float
    defaulted: bool
    loss: float
    member: bool


@dataclass(frozen=True)
class ScenarioOutcome:
    method: str
    lgd: float
    original_stress: float
    additional_stress: float
    losses: float
    additional_defaults: int
    stressed: int
    rounds: int
    round_limit_hit: bool
    losses_by_lender: tuple[tuple[str, float], ...]
    members_stressed: int
    members_defaulted: int
    top: tuple[StressedRow, ...]


@dataclass(frozen=True)
class ReportData:
    subject: NodeRef
    subject_shown_id: str
    subject_props: dict[str, Any]
    as_of: str | None
    generated_at: str
    model_versions: tuple[str, ...]
    rules_source: str
    group: Group
    group_exposure: ExposureReport
    subject_exposure: ExposureReport | None
    members: tuple[MemberRow, ...]
    position: GuaranteePosition | None
    circle: Circle | None
    scenario: ScenarioOutcome | None
    scenario_error: str | None
    picture_svg: str
    picture_note: str | None
    options: ReportOptions = field(default_factory=ReportOptions)

    @property
    def subject_row(self) -> MemberRow | None:
        return next((m for m in self.members if m.member.node.id == self.subject.id), None)


@dataclass(frozen=True, eq=False)
class Report:
    """A built report: :attr:`html` (self-contained) and :meth:`pdf_bytes`."""

    data: ReportData

    @cached_property
    def html(self) -> str:
        from api.report.render import render_html

        return render_html(self.data)

    def pdf_bytes(self, chromium: str | None = None, timeout_s: float = 60.0) -> bytes:
        """The report as PDF (A4), printed by headless Chromium (see :mod:`api.report.pdf`)."""
        from api.report.pdf import html_to_pdf

        title = f"Committee report: {self.data.subject.name} ({self.data.as_of or '-'})"
        return html_to_pdf(self.html, chromium=chromium, timeout_s=timeout_s, title=title)

    @property
    def filename(self) -> str:
        """A file name stem: ``report-<shown id>-<as_of>``."""
        return f"report-{self.data.subject_shown_id}-{self.data.as_of or 'latest'}"


def shown(ref: NodeRef) -> str:
    """A node's id as a report may print it: persons by masked resident id, never by key."""
    if ref.label == Label.PERSON.value:
        return ref.id_masked or "(person)"
    return ref.id


def _num(v: object) -> float | None:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _score_lookup(scores: Any) -> Callable[[str], ScoreEntry | None]:
    """Scores from a store frame (:data:`graph.store.SCORE_COLUMNS`) or an API ScoreTable."""
    if scores is None:
        return lambda _ident: None
    if hasattr(scores, "rows") and hasattr(scores, "explanations"):
        rows, expl = scores.rows, scores.explanations

        def from_table(ident: str) -> ScoreEntry | None:
            row = rows.get(ident)
            return None if row is None else (row[1], row[2], row[3], expl.get(ident))

        return from_table
    frame: pd.DataFrame = scores
    table: dict[str, ScoreEntry] = {}
    if len(frame):
        for ident, p, ce, mv, ex in zip(frame["id"].astype(str), frame["pd"],
                                        frame["contagion_exposure"], frame["model_version"],
                                        frame["explanation"], strict=True):
            table[ident] = (_num(p), _num(ce), mv if isinstance(mv, str) else None,
                            ex if isinstance(ex, str) and ex else None)
    return table.get


def parse_contributors(text: str | None) -> list[tuple[str, float | None, str | None]]:
    """``(id, share, path text)`` of the contributors in a stored explanation.

    The explanation is the model's JSON; contributors are read from ``top_contributors`` (or
    ``contributors``), each with ``id`` and a ``share`` (or ``contribution``/``delta``) and,
    where the model stored one, a ``path`` (text, or an object with ``text``).
    """
    if not text:
        return []
    try:
        doc = json.loads(text)
    except ValueError:
        return []
    items = doc
    if isinstance(doc, dict):
        items = doc.get("top_contributors") or doc.get("contributors") or []
    out: list[tuple[str, float | None, str | None]] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        share = next((_num(item[k]) for k in ("share", "contribution", "delta", "delta_pd")
                      if k in item), None)
        path = item.get("path") or (item.get("paths") or [None])[0]
        if isinstance(path, dict):
            path = path.get("text")
        elif isinstance(path, list):
            path = _steps_text(path)
        out.append((str(item["id"]), share, path if isinstance(path, str) else None))
    return out


def _steps_text(steps: list[Any]) -> str | None:
    """``A —words→ B —words→ C`` from the model's path steps (:class:`gnn.explain.PathStep`)."""
    if not steps or not all(isinstance(x, dict) for x in steps):
        return None
    parts = [str(steps[0].get("src_name") or steps[0].get("src", ""))]
    for step in steps:
        parts.append(f"—{step.get('words') or step.get('relation', '')}→")
        parts.append(str(step.get("dst_name") or step.get("dst", "")))
    return " ".join(parts)


def build_report(store: GraphStore, settings: Settings | None, entity_id: str, *,
                 as_of: str | None = None, options: ReportOptions | None = None,
                 rules_file: Any = None, analysis: LinkedAnalysis | None = None,
                 scores: Any = None, network: ExposureNetwork | None = None,
                 key: Callable[[str], str] | None = None) -> Report:
    """The committee report of ``entity_id`` (a USCC, a person key or a resident id).

    Args:
        store: the graph store (read for the snapshot and the scores unless given).
        settings: for the pseudonymisation key (a person given by resident id); may be None
            when ``key`` is given.
        entity_id: the borrower.
        as_of: portfolio date (default: the latest loaded).
        options: what the report shows (:class:`ReportOptions`).
        rules_file: linked-party rules read on top of the shipped defaults.
        analysis: the snapshot's analysis, if the caller holds one (the API's world).
        scores: a score frame or the API's ScoreTable (default: ``store.scores()``).
        network: the snapshot's exposure network, if the caller holds one.
        key: resident id -> person key (default: from ``settings``).

    Raises:
        NotFound: the id is not a party of the snapshot.
    """
    opts = options or ReportOptions()
    if analysis is None:
        snapshot = store.snapshot(as_of)
        if snapshot.num_nodes == 0:
            raise NotFound("Enterprise/Person", entity_id)
        analysis = LinkedAnalysis.of(snapshot, load_rules(rules_file))
    snap = analysis.snapshot
    if key is None:
        from ingest import Pseudonymiser

        if settings is None:
            raise ValueError("build_report needs settings or key (to hash resident ids)")
        pseudo = Pseudonymiser(settings.pii_secret())
        key = pseudo.key
    lookup = _score_lookup(store.scores() if scores is None else scores)

    node = analysis.resolve(entity_id, key)
    subject_id = str(snap.nodes["id"].iat[node])
    grp = analysis.group(subject_id)
    subject = grp.subject or analysis.party_graph.node(node)

    outstanding: dict[str, float] = {}
    for line in grp.exposure.loans:
        outstanding[line.borrower.id] = outstanding.get(line.borrower.id, 0.0) + line.outstanding

    scenario, scenario_error, stress = _scenario(analysis, subject_id, grp.group, opts, network)
    members = []
    versions: set[str] = set()
    for m in grp.group.members:
        entry = lookup(m.node.id)
        if entry and entry[2]:
            versions.add(entry[2])
        st = stress.get(m.node.id)
        members.append(MemberRow(
            m, shown(m.node), entry[0] if entry else None, entry[1] if entry else None,
            outstanding.get(m.node.id, 0.0),
            _contributors(analysis, m.node.id, entry[3] if entry else None, opts.contributors),
            st[0] if st else None, bool(st and st[1])))

    position, circle = _position(analysis, subject_id)
    pds = {r.member.node.id: r.pd for r in members}
    svg, note = group_picture(grp.group, subject_id, pds, outstanding,
                              max_nodes=opts.picture_max_nodes)
    return Report(ReportData(
        subject=subject, subject_shown_id=shown(subject),
        subject_props=_props(analysis, node), as_of=snap.as_of,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        model_versions=tuple(sorted(versions)), rules_source=str(analysis.rules.source),
        group=grp.group, group_exposure=grp.exposure, subject_exposure=grp.subject_exposure,
        members=tuple(members), position=position, circle=circle, scenario=scenario,
        scenario_error=scenario_error, picture_svg=svg, picture_note=note, options=opts))


_PROPS = ("industry", "region", "status", "established", "registered_capital", "total_assets",
          "total_liabilities", "revenue")


def _props(analysis: LinkedAnalysis, node: int) -> dict[str, Any]:
    snap = analysis.snapshot
    label = Label(str(snap.nodes["label"].iat[node]))
    frame = snap.props.get(label)
    if frame is None or node not in frame.index:
        return {}
    row = frame.loc[node]
    out = {}
    for k in _PROPS:
        if k in row.index:
            v = row[k]
            if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
                continue
            out[k] = v.item() if hasattr(v, "item") else v
    return out


def _contributors(analysis: LinkedAnalysis, member_id: str, text: str | None,
                  top: int) -> tuple[Contributor, ...]:
    out = []
    snap = analysis.snapshot
    for ident, share, path in parse_contributors(text)[:top]:
        if not snap.has(ident):
            out.append(Contributor(ident, ident, "?", share, path))
            continue
        ref = analysis.party_graph.node(snap.index_of(ident))
        if path is None and ident != member_id:
            try:
                found = analysis.paths(member_id, ident, max_hops=4)
                path = found.paths[0].text() if found.paths else None
            except (NotFound, QueryLimitError):
                path = None
        out.append(Contributor(ref.name, shown(ref), ref.label, share, path))
    return tuple(out)


def _position(analysis: LinkedAnalysis, subject_id: str
              ) -> tuple[GuaranteePosition | None, Circle | None]:
    try:
        position = analysis.guarantees(top=0, ident=subject_id).position
    except NotFound:
        return None, None
    circle = None
    if position is not None and position.circle:
        rank = int(position.circle.lstrip("C")) - 1
        circle = analysis.guarantee_network.circle(analysis.party_graph, rank)
    return position, circle


def _scenario(analysis: LinkedAnalysis, subject_id: str, group: Group, opts: ReportOptions,
              network: ExposureNetwork | None
              ) -> tuple[ScenarioOutcome | None, str | None, dict[str, tuple[float, bool]]]:
    """The borrower defaults: who else is stressed or defaults, and what the lenders lose."""
    from gnn.contagion import (
        ExposureConfig,
        Method,
        Scenario,
        SimulationParams,
        exposure_network_from_snapshot,
        simulate,
    )
    from riskgraph.errors import RiskgraphError

    try:
        if network is None:
            capital = dict(getattr(analysis.rules, "capital", None) or {})
            network = exposure_network_from_snapshot(
                analysis.snapshot, ExposureConfig(tier1_capital=capital))
        result = simulate(network, Scenario(defaults=(subject_id,)),
                          SimulationParams(method=Method(opts.method), lgd=opts.lgd),
                          trail=False)
    except (RiskgraphError, ValueError) as exc:
        return None, str(exc), {}
    ids = [str(x) for x in network.ids]
    stress, raw, loss = result.stress, result.raw_stress, result.losses
    members = {m.node.id for m in group.members}
    by_id = {ids[k]: (float(stress[k]), bool(raw[k] >= 1.0)) for k in np.flatnonzero(stress > 0)}
    pg, snap = analysis.party_graph, analysis.snapshot
    order = np.lexsort((np.arange(len(ids)), -loss, -stress))
    top: list[StressedRow] = []
    for k in order.tolist():
        if stress[k] <= 0 or len(top) >= opts.stressed:
            break
        if ids[k] == subject_id or not snap.has(ids[k], (Label.ENTERPRISE, Label.PERSON)):
            continue
        ref = pg.node(snap.index_of(ids[k]))
        top.append(StressedRow(ref.name, shown(ref), ref.label, float(stress[k]),
                               bool(raw[k] >= 1.0), float(loss[k]), ids[k] in members))
    s = result.summary
    hit = [by_id[m] for m in members if m in by_id and m != subject_id]
    names = dict(zip(snap.nodes["id"].astype(str), snap.nodes["name"], strict=True))
    lenders = tuple((str(names.get(str(i), i)), float(v))
                    for i, v in result.losses_by_lender().items())
    outcome = ScenarioOutcome(
        result.params.method.value, result.params.lgd, s.original_stress, s.additional_stress,
        s.losses, s.additional_defaults, s.stressed, s.rounds, s.round_limit_hit, lenders,
        len(hit), sum(1 for _, d in hit if d), tuple(top))
    return outcome, None, by_id
