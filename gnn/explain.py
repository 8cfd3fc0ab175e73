r"""Explanations: which counterparties move a party's PD, by how much, and through which paths.

**Method: occlusion of a counterparty's edges.** For target :math:`t` and a counterparty
:math:`c` within the model's :math:`L` hops, the contribution of :math:`c` is

.. math::
    \phi_t(c) = \mathrm{PD}_t(G) - \mathrm{PD}_t(G \setminus E(c)),

the change in :math:`t`'s calibrated PD when every edge of :math:`c` (every relation, both
directions) is removed from the party graph, together with the business-group ties that ran
only through :math:`c` (:func:`~gnn.data.party_graph.without_party`). Own features stay; the
scorecard's graph features (defaulted neighbours, guarantee calls, circle, business group) are
what they would be without those edges, for every party whose neighbourhood the removal
changes (:mod:`gnn.data.occlusion`), and the scorecard is rerun on them. Positive: :math:`c`
raises :math:`t`'s PD. The explanation *is* the model's response to that removal, so it is
faithful by construction, and the test suite checks it the hard way: it removes the named
contributor's edges from the full graph, rescores everything, and finds :math:`t`'s PD moved by
:math:`-\phi_t(c)`. Contributions are not additive (the model is non-linear); the sum of
contributions need not equal the contagion exposure.

Only nodes within :math:`L` hops can matter (the receptive field). Each target is evaluated
on its exact ego graph (the :math:`L`-hop neighbourhood with every edge into nodes within
:math:`L - 1` hops), replicated once per candidate with that candidate's edges removed; all
copies of many targets go through the model in one batched forward pass. Candidates are all
direct counterparties first, then two-hop ones (defaulted, then overdue, then the most
connected first), up to ``ExplainConfig.max_candidates`` (fewer, down to ``min_candidates``,
for very large neighbourhoods, where each probe costs more).

Paths: for each contributor, the relations that tie it to the target (one hop), or through
which intermediaries (two hops), with the loans or contact kinds the edges stand for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import cached_property

import numpy as np
import torch
from scipy.sparse.csgraph import reverse_cuthill_mckee

from gnn.artifacts import ModelArtifact
from gnn.data.occlusion import GroupSplitter, OcclusionFeatures
from gnn.data.prepare import PreparedGraph
from gnn.data.tensors import GraphBatch, rel_adj
from gnn.sampling import edge_positions
from gnn.scorecard import fold_of
from gnn.scoring import Scores
from gnn.train import torch_session

__all__ = ["Contributor", "Explainer", "Explanation", "PathStep", "RELATION_WORDS"]

RELATION_WORDS = {
    "guarantees": "guarantees a loan of",
    "guaranteed_by": "has a loan guaranteed by",
    "holds_shares": "holds shares of",
    "owned_by": "has as shareholder",
    "post_in": "holds a post in",
    "has_officer": "has as officer",
    "relative_of": "is a relative of",
    "shares_contact": "shares a contact with",
    "co_borrows": "borrows jointly with",
}
METHOD = ("occlusion: every edge of the contributor removed from the party graph and the "
          "target rescored; contribution = PD - PD without those edges")


@dataclass(frozen=True)
class PathStep:
    src: str
    src_label: str
    src_name: str
    relation: str
    words: str
    dst: str
    dst_label: str
    dst_name: str
    via: str | None


@dataclass(frozen=True)
class Contributor:
    id: str
    label: str
    name: str
    hops: int
    contribution: float
    pd_without: float
    defaulted_before_as_of: bool
    paths: tuple[tuple[PathStep, ...], ...] = ()


@dataclass(frozen=True)
class Explanation:
    id: str
    label: str
    name: str
    model_version: str
    pd: float
    pd_isolated: float
    contagion_exposure: float
    contributors: tuple[Contributor, ...] = ()
    candidates_probed: int = 0
    candidates_total: int = 0
    method: str = METHOD
    note: str | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, eq=False)
class _Ego:
    target: int  # global
    nodes: np.ndarray  # global, sorted
    hop: np.ndarray  # per node
    t_local: int
    edges: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # rel -> (pos, src_l, dst_l)
    candidates: np.ndarray  # local, ranked
    total: int  # candidates before the cap
    split: np.ndarray | None = None  # (candidates, same_group edges): ties cut with the group

    @property
    def num_edges(self) -> int:
        return sum(len(p) for p, _, _ in self.edges.values())


class Explainer:
    """Occlusion explanations of the parties of one prepared graph under one model."""

    def __init__(self, artifact: ModelArtifact, data: PreparedGraph, scores: Scores) -> None:
        self.artifact = artifact
        self.data = data
        self.scores = scores
        self.cfg = artifact.config.explain
        self.layers = artifact.model.num_layers
        adj = data.adjacency
        self._indptr, self._indices = adj.indptr, adj.indices
        self._rels = {name: (a.crow.numpy(), a.col.numpy(), a.attr)
                      for name, a in data.batch.rels.items()}
        self._overdue = data.raw.prior_overdue
        card = artifact.scorecard
        self._occlusion = (OcclusionFeatures(data.party, data.prior_default, self._overdue)
                           if card is not None and card.graph else None)
        self._groups = (GroupSplitter(data.party) if self._occlusion is None
                        else self._occlusion.groups)
        self._own = (data.x[:, data.own_columns].astype(np.float64)
                     if self._occlusion is not None else None)
        self._folds = (fold_of(data.party.ids, card.folds)
                       if card is not None and self._occlusion is not None else None)

    @cached_property
    def _locality(self) -> np.ndarray:
        """Each party's rank in a reverse Cuthill-McKee order of the graph (neighbours close
        together)."""
        order = reverse_cuthill_mckee(self.data.adjacency, symmetric_mode=True)
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank

    # ---- ego graphs -------------------------------------------------------------------
    def _ego(self, t: int) -> _Ego:
        seen = np.array([t])
        found, hops = [seen], [np.zeros(1, np.int64)]
        frontier = seen
        for k in range(1, self.layers + 1):
            nb = np.unique(self._indices[edge_positions(self._indptr, frontier)])
            new = np.setdiff1d(nb, seen, assume_unique=True)
            found.append(new)
            hops.append(np.full(len(new), k, np.int64))
            seen = np.union1d(seen, new)
            frontier = new
        every = np.concatenate(found)
        order = np.argsort(every)
        nodes, hop = every[order], np.concatenate(hops)[order]
        inner = nodes[hop <= self.layers - 1]
        edges = {}
        for name, (crow, col, _) in self._rels.items():
            pos = edge_positions(crow, inner)
            if not len(pos):
                continue
            dst = np.repeat(inner, crow[inner + 1] - crow[inner])
            edges[name] = (pos, np.searchsorted(nodes, col[pos]), np.searchsorted(nodes, dst))
        t_local = int(np.searchsorted(nodes, t))
        cand = np.flatnonzero(hop > 0)
        links = np.zeros(len(nodes))
        for _, s, _ in edges.values():
            links += np.bincount(s, minlength=len(nodes))
        g = nodes[cand]
        key = np.lexsort((g, -links[cand], ~self._overdue[g], ~self.data.prior_default[g],
                          hop[cand]))
        ranked = cand[key]
        size = max(1, sum(len(p) for p, _, _ in edges.values()))
        cap = int(np.clip(self.cfg.variant_edges // size, self.cfg.min_candidates,
                          self.cfg.max_candidates))
        chosen = ranked[:cap]
        return _Ego(t, nodes, hop, t_local, edges, chosen, len(cand),
                    self._group_splits(nodes, chosen, edges.get("same_group")))

    def _group_splits(self, nodes: np.ndarray, chosen: np.ndarray,
                      group: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> np.ndarray | None:
        """For each candidate, the ego's ``same_group`` edges whose two ends are no longer
        connected over shareholdings once the candidate's edges are gone (see
        :func:`gnn.data.party_graph.without_party`)."""
        if group is None or not len(group[0]):
            return None
        _, s, d = group
        a, b = nodes[s], nodes[d]
        split = np.zeros((len(chosen), len(s)), dtype=bool)
        labels = self._groups.labels
        for k, c in enumerate(nodes[chosen]):
            parts = self._groups.parts(int(c))
            if parts is None:
                continue  # holds no shares and is held by nobody: it ties no group together
            rest, part = parts
            g = labels[c]
            inside = (labels[a] == g) & (labels[b] == g) & (a != c) & (b != c)
            pa = part[np.searchsorted(rest, a[inside])]
            pb = part[np.searchsorted(rest, b[inside])]
            split[k, np.flatnonzero(inside)] = pa != pb
        return split

    # ---- batched occlusion ------------------------------------------------------------
    def _run(self, egos: list[_Ego]) -> list[np.ndarray]:
        """PD of each target in each variant (``[full, without cand 0, ...]``) per ego."""
        xs, types, offsets, outs = [], [], 0, []
        per_rel: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        x_all, t_all = self.data.batch.x, self.data.batch.node_type
        changed: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        inner: list[list[np.ndarray]] = [[] for _ in range(self.layers - 1)]
        for ego in egos:
            n = len(ego.nodes)
            k = len(ego.candidates) + 1
            g = torch.from_numpy(ego.nodes)
            xs.append(x_all.index_select(0, g).repeat(k, 1))
            types.append(t_all.index_select(0, g).repeat(k))
            if self._occlusion is not None:
                changed += self._changed_inputs(ego, offsets)
            removed = np.concatenate([[-1], ego.candidates])
            for name, (pos, s, d) in ego.edges.items():
                keep = (s[None, :] != removed[:, None]) & (d[None, :] != removed[:, None])
                if name == "same_group" and ego.split is not None:
                    keep[1:] &= ~ego.split
                var, e = np.nonzero(keep)
                base = offsets + var * n
                per_rel.setdefault(name, []).append((s[e] + base, d[e] + base, pos[e]))
            outs.append(offsets + np.arange(k) * n + ego.t_local)
            for depth in range(self.layers - 1):  # layer l + 1 runs on hops <= L - 1 - l
                local = np.flatnonzero(ego.hop <= self.layers - 1 - depth)
                inner[depth].append((offsets + np.arange(k)[:, None] * n + local).ravel())
            offsets += k * n
        rels = {}
        for name, parts in per_rel.items():
            src = np.concatenate([p[0] for p in parts])
            dst = np.concatenate([p[1] for p in parts])
            pos = np.concatenate([p[2] for p in parts])
            attr = self._rels[name][2].index_select(0, torch.from_numpy(pos)).numpy()
            rels[name] = rel_adj(src, dst, attr, offsets, offsets)
        x = torch.cat(xs)
        if changed:
            self._rescore_changed(x, changed)
        batch = GraphBatch(x, torch.cat(types), rels)
        # only the targets' logits are read: each layer runs on the rows the next one reads
        # (layer l + 1 on the nodes within L - 1 - l hops of a target), the head on the targets
        wanted = np.concatenate(outs)
        rows = [torch.from_numpy(np.concatenate(r)) for r in inner]
        z = self._target_logits(batch, [*rows, torch.from_numpy(wanted)]).numpy()
        bounds = np.cumsum([0] + [len(o) for o in outs])
        return [self.artifact.calibrator(z[a:b].astype(np.float64))
                for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def _changed_inputs(self, ego: _Ego,
                        offset: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per candidate, the ego's parties whose scorecard inputs change when the candidate's
        edges go: (their rows in the batch, their party numbers, their graph features then)."""
        assert self._occlusion is not None
        n = len(ego.nodes)
        out = []
        for j, c_local in enumerate(ego.candidates):
            rem = self._occlusion.without(int(ego.nodes[c_local]))
            at = np.minimum(np.searchsorted(ego.nodes, rem.rows), n - 1)
            inside = ego.nodes[at] == rem.rows
            out.append((offset + (j + 1) * n + at[inside], rem.rows[inside],
                        rem.values[inside]))
        return out

    def _rescore_changed(self, x: torch.Tensor,
                         changed: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
        """Write the scorecard's columns of the changed parties into the batch's inputs."""
        card = self.artifact.scorecard
        assert card is not None and self._own is not None and self._folds is not None
        at = np.concatenate([c[0] for c in changed])
        if not len(at):
            return
        party = np.concatenate([c[1] for c in changed])
        person = self.data.party.is_person[party]
        inputs = np.column_stack([self._own[party], person.astype(np.float64),
                                  np.concatenate([c[2] for c in changed])])
        cols = card.columns_of(inputs, self._folds[party], person)
        x[torch.from_numpy(at), x.shape[1] - card.width:] = torch.from_numpy(
            cols.astype(np.float32))

    def _target_logits(self, batch: GraphBatch, layer_rows: list[torch.Tensor]) -> torch.Tensor:
        """The model's logits of ``layer_rows[-1]``, layer ``l`` computed on ``layer_rows[l]``
        only (each a superset of the rows the next layer aggregates from; the rest stay 0 and
        are never read). Equal to the full forward at those rows."""
        model = self.artifact.model
        with torch.no_grad():
            h0 = model.encode(batch.x, batch.node_type)
            hs, h = [h0], h0
            for conv, rows in zip(model.convs, layer_rows, strict=True):
                sub = {name: adj.select_rows(rows) for name, adj in batch.rels.items()}
                out = conv(h, sub, h_dst=h.index_select(0, rows))
                h = torch.zeros_like(h0).index_copy(0, rows, out)
                hs.append(h)
            targets = layer_rows[-1]
            return model.readout([x.index_select(0, targets) for x in hs])

    # ---- paths ------------------------------------------------------------------------
    def _relations(self, a: int, b: int) -> list[tuple[str, str | None]]:
        """Relations with an edge ``a -> b``, with what each edge stands for."""
        found = []
        for name, (crow, col, _) in self._rels.items():
            lo, hi = crow[b], crow[b + 1]
            k = lo + np.searchsorted(col[lo:hi], a)
            if k < hi and col[k] == a:
                via = self.data.party.relations[name].via[k]
                found.append((name, None if via is None else str(via)))
        return found

    def _step(self, a: int, b: int) -> PathStep:
        rel, via = (self._relations(a, b) or [("unknown", None)])[0]
        pg = self.data.party
        return PathStep(str(pg.ids[a]), str(pg.labels[a]), str(pg.names[a]), rel,
                        RELATION_WORDS.get(rel, rel), str(pg.ids[b]), str(pg.labels[b]),
                        str(pg.names[b]), via)

    def _paths(self, c: int, t: int, hops: int, max_paths: int) -> tuple[tuple[PathStep, ...], ...]:
        if hops == 1:
            steps = []
            pg = self.data.party
            for rel, via in self._relations(c, t):
                steps.append((PathStep(str(pg.ids[c]), str(pg.labels[c]), str(pg.names[c]), rel,
                                       RELATION_WORDS.get(rel, rel), str(pg.ids[t]),
                                       str(pg.labels[t]), str(pg.names[t]), via),))
            return tuple(steps[:max_paths])
        nb_c = self._indices[self._indptr[c]:self._indptr[c + 1]]
        nb_t = self._indices[self._indptr[t]:self._indptr[t + 1]]
        mids = np.intersect1d(nb_c, nb_t)[:max_paths]
        return tuple((self._step(c, int(m)), self._step(int(m), t)) for m in mids)

    # ---- public -----------------------------------------------------------------------
    def explain(self, nodes: Iterable[int],
                progress: Callable[[int, int], None] | None = None) -> list[Explanation]:
        """Explanations of the given parties (party numbers), in order."""
        nodes = [int(v) for v in nodes]
        out: dict[int, Explanation] = {}
        todo: list[int] = []
        for v in nodes:
            quick = self._quick(v)
            if quick is not None:
                out[v] = quick
            else:
                todo.append(v)
        done = len(out)
        if len(todo) > 1:
            # neighbours one after the other: their egos share candidates, whose occlusion
            # features (cached) are then computed once for all of them
            todo.sort(key=self._locality.__getitem__)
        with torch_session(self.artifact.config.train.threads):
            batch: list[_Ego] = []
            size = 0
            for v in todo:
                ego = self._ego(v)
                batch.append(ego)
                size += ego.num_edges * (len(ego.candidates) + 1)
                if size >= self.cfg.batch_edges:
                    out.update(self._finish(batch))
                    done += len(batch)
                    if progress:
                        progress(done, len(nodes))
                    batch, size = [], 0
            if batch:
                out.update(self._finish(batch))
        if progress:
            progress(len(nodes), len(nodes))
        return [out[v] for v in nodes]

    def _base(self, v: int, note: str | None = None) -> Explanation:
        s = self.scores
        return Explanation(str(s.ids[v]), str(s.labels[v]), str(s.names[v]), s.version,
                           float(s.pd[v]), float(s.pd_isolated[v]), float(s.exposure[v]),
                           note=note)

    def _quick(self, v: int) -> Explanation | None:
        if self.scores.prior_default[v]:
            return self._base(v, "defaulted before as_of: in default, not scored for a new "
                                 "default")
        if self._indptr[v] == self._indptr[v + 1]:
            return self._base(v, "no counterparties in the graph")
        if abs(self.scores.exposure[v]) < self.cfg.min_exposure:
            return self._base(v, f"network evidence moves the PD by less than "
                                 f"{self.cfg.min_exposure:g}: no contributors listed")
        return None

    def _finish(self, egos: list[_Ego]) -> dict[int, Explanation]:
        result = {}
        for ego, pds in zip(egos, self._run(egos), strict=True):
            t = ego.target
            contrib = pds[0] - pds[1:]
            order = np.argsort(-np.abs(contrib), kind="stable")
            chosen = [i for i in order[:self.cfg.top_k]
                      if abs(contrib[i]) >= self.cfg.min_contribution]
            people = []
            for i in chosen:
                c_local = int(ego.candidates[i])
                c = int(ego.nodes[c_local])
                hops = int(ego.hop[c_local])
                people.append(Contributor(
                    str(self.scores.ids[c]), str(self.scores.labels[c]),
                    str(self.scores.names[c]), hops, float(contrib[i]), float(pds[1 + i]),
                    bool(self.data.prior_default[c]),
                    self._paths(c, t, hops, self.cfg.max_paths)))
            base = self._base(t)
            result[t] = Explanation(
                base.id, base.label, base.name, base.model_version, float(pds[0]),
                base.pd_isolated, float(pds[0] - base.pd_isolated), tuple(people),
                len(ego.candidates), ego.total,
                note=None if people else "no counterparty moves the PD by "
                f"{self.cfg.min_contribution:g} or more on its own")
        return result
