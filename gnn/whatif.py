r"""What-if: re-score after marking chosen parties as defaulted, to see a default spread.

:func:`mark_defaulted` returns a copy of the snapshot in which each chosen party is in default
at ``as_of`` exactly as a real default shows in a portfolio: every loan it borrows that is not
closed gets status ``default`` with ``default_date = as_of``, and it gets a ``default`` event
dated ``as_of`` (so a party without running loans is marked too). Nothing else changes.
:func:`what_if` scores both snapshots with the same model and feature spec and reports, per
party, :math:`\Delta_i = \mathrm{PD}_i^{\text{after}} - \mathrm{PD}_i^{\text{before}}`.

The marked parties' PDs become 1 (they are in default). One re-scoring propagates the shock
through the model's receptive field: the scorecard's graph features of the marked parties'
neighbours and business groups change, and the GNN carries that ``layers`` hops further (two
by default); ``rounds > 1`` repeats
it, marking in each round the parties whose PD after the previous round reached
``threshold``, a simple cascade that reaches further.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gnn.artifacts import ModelArtifact
from gnn.scoring import prepare_for, score_graph
from graph.model import PARTY_LABELS, Label, RelType
from graph.snapshot import EdgeTable, Snapshot
from riskgraph.errors import RiskgraphError

__all__ = ["WhatIf", "mark_defaulted", "what_if"]


@dataclass(frozen=True, eq=False)
class WhatIf:
    """``frame``: id, label, name, pd_before, pd_after, delta, marked (bool), round marked
    (0: not marked); sorted by delta, largest first. ``marked``: the ids marked, per round."""

    model_version: str
    frame: pd.DataFrame
    marked: list[list[str]]


def mark_defaulted(snapshot: Snapshot, ids: Iterable[str]) -> Snapshot:
    """A copy of ``snapshot`` with the given parties in default at ``as_of``."""
    day = snapshot.as_of
    if day is None:
        raise RiskgraphError("what-if needs a snapshot with an as_of date")
    nodes = sorted({snapshot.index_of(i, PARTY_LABELS) for i in ids})
    props = dict(snapshot.props)
    edges = dict(snapshot.edges)
    borrows = snapshot.edges.get(RelType.BORROWS)
    loans = snapshot.props.get(Label.LOAN)
    if borrows is not None and loans is not None and nodes:
        hit = np.unique(borrows.dst[np.isin(borrows.src, nodes)])
        loans = loans.copy()
        running = loans.loc[hit, "status"].fillna("") != "closed"
        chosen = running.index[running.to_numpy()]
        loans.loc[chosen, "status"] = "default"
        no_date = loans.loc[chosen, "default_date"].isna()
        loans.loc[chosen[no_date.to_numpy()], "default_date"] = day
        props[Label.LOAN] = loans
    new_nodes = snapshot.nodes
    if nodes:
        start = snapshot.num_nodes
        numbers = pd.RangeIndex(start, start + len(nodes))
        ev_ids = [f"E-whatif-{snapshot.nodes.at[v, 'id']}" for v in nodes]
        events = pd.DataFrame({"id": ev_ids, "name": "default", "date": day, "kind": "default",
                               "detail": "what-if: marked as defaulted"}, index=numbers)
        old = snapshot.props.get(Label.EVENT)
        props[Label.EVENT] = events if old is None else pd.concat([old, events])
        new_nodes = pd.concat([snapshot.nodes, pd.DataFrame(
            {"label": Label.EVENT.value, "id": ev_ids, "name": "default"}, index=numbers)])
        has = snapshot.edges.get(RelType.HAS_EVENT)
        src = np.asarray(nodes, dtype=np.int64)
        dst = numbers.to_numpy(dtype=np.int64)
        extra = pd.DataFrame({"since": [day] * len(nodes), "until": [None] * len(nodes)})
        if has is None:
            edges[RelType.HAS_EVENT] = EdgeTable(RelType.HAS_EVENT, src, dst, extra)
        else:
            edges[RelType.HAS_EVENT] = EdgeTable(
                RelType.HAS_EVENT, np.concatenate([has.src, src]), np.concatenate([has.dst, dst]),
                pd.concat([has.props, extra], ignore_index=True))
    return Snapshot(snapshot.as_of, new_nodes, props, edges, dict(snapshot.features))


def what_if(artifact: ModelArtifact, snapshot: Snapshot, defaulted_ids: Iterable[str],
            rounds: int = 1, threshold: float = 0.5) -> WhatIf:
    """Per-party PD changes when ``defaulted_ids`` default (see the module docstring)."""
    marked_now = list(dict.fromkeys(defaulted_ids))
    if not marked_now:
        raise RiskgraphError("name at least one party to mark as defaulted")
    before = score_graph(artifact, prepare_for(artifact, snapshot))
    round_of = np.zeros(len(before.ids), dtype=np.int64)
    all_marked: list[str] = []
    history: list[list[str]] = []
    after = before
    for r in range(1, max(1, rounds) + 1):
        all_marked += marked_now
        history.append(marked_now)
        for i in marked_now:
            round_of[snapshot.index_of(i, PARTY_LABELS)] = r
        after = score_graph(artifact, prepare_for(artifact, mark_defaulted(snapshot, all_marked)))
        crossed = (after.pd >= threshold) & ~after.prior_default & (round_of == 0)
        marked_now = [str(v) for v in after.ids[crossed]]
        if not marked_now:
            break
    frame = pd.DataFrame({"id": before.ids, "label": before.labels, "name": before.names,
                          "pd_before": before.pd, "pd_after": after.pd,
                          "delta": after.pd - before.pd, "marked": round_of > 0,
                          "round": round_of})
    frame = frame.sort_values(["delta", "id"], ascending=[False, True], kind="stable")
    return WhatIf(artifact.version, frame.reset_index(drop=True), history)
