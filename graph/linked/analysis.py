"""One snapshot's linked-party analysis: the structures built once, and the queries on them.

:meth:`LinkedAnalysis.of` returns the analysis of a snapshot under a rule set, cached (the four
most recently used), so a server (or a benchmark) pays for the party graph, the share tables,
the control fixed point, the groups and the guarantee network once, and each query after that
is a few small gathers. Each structure is built on first use: ``path`` needs only the party
graph, ``group`` needs everything but the guarantee network.

Every answer is computed on the :class:`~graph.snapshot.Snapshot`, so the embedded store and
Neo4j, which give equal snapshots, give identical answers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from graph.linked.control import ControlForest, solve_control
from graph.linked.controller import ControllerReport, ControlPaths, controller_report
from graph.linked.exposure import CreditBook, ExposureReport, exposure_report
from graph.linked.groups import Group, GroupIndex
from graph.linked.guarantees import (
    Chain,
    Circle,
    GuaranteeNetwork,
    GuaranteePosition,
    MutualPair,
)
from graph.linked.neighbourhood import Neighbourhood, neighbourhood
from graph.linked.ownership import ShareTable
from graph.linked.partygraph import LoanBook, PartyGraph, kinds_for
from graph.linked.paths import PathsResult, shortest_paths
from graph.linked.refs import NodeRef
from graph.linked.rules import LinkedRules, load_rules
from graph.model import PARTY_LABELS, RelType
from graph.snapshot import Snapshot
from graph.store import GraphStore
from ingest import is_valid_resident_id, mask_id
from riskgraph.errors import NotFound, QueryLimitError

__all__ = ["GroupReport", "GuaranteeReport", "LinkedAnalysis", "open_analysis"]

KeyFn = Callable[[str], str]  # resident id -> person key


@dataclass(frozen=True)
class GroupReport:
    group: Group
    exposure: ExposureReport  # the whole group, checked against the group limit
    subject: NodeRef | None  # the party asked about
    subject_exposure: ExposureReport | None  # that party alone, against the single limit


@dataclass(frozen=True)
class GuaranteeReport:
    as_of: str | None
    circles: tuple[Circle, ...]  # largest outstanding first
    circles_total: int
    mutual_pairs: tuple[MutualPair, ...]
    mutual_pairs_total: int
    chains: tuple[Chain, ...]
    chains_total: int
    min_chain_length: int
    position: GuaranteePosition | None  # of the party asked about


_CACHE: OrderedDict[tuple[int, LinkedRules], LinkedAnalysis] = OrderedDict()
_CACHE_SIZE = 4  # analyses kept (each keeps its snapshot alive), least recently used dropped
_LOCK = threading.Lock()
_RECENT_GROUPS = 256  # group answers kept per analysis (a group is asked about by each member)


class LinkedAnalysis:
    """The linked-party questions of one snapshot under one rule set."""

    def __init__(self, snapshot: Snapshot, rules: LinkedRules | None = None) -> None:
        self.snapshot = snapshot
        self.rules = rules or load_rules()
        self._lock = threading.Lock()
        self._recent_groups: OrderedDict[int, tuple[Group, ExposureReport]] = OrderedDict()

    @classmethod
    def of(cls, snapshot: Snapshot, rules: LinkedRules | None = None) -> LinkedAnalysis:
        """The cached analysis of ``snapshot`` under ``rules`` (default: the shipped rules)."""
        rules = rules or load_rules()
        key = (id(snapshot), rules)  # the cached analysis keeps the snapshot, so ids stay unique
        with _LOCK:
            found = _CACHE.get(key)
            if found is None or found.snapshot is not snapshot:
                found = _CACHE[key] = cls(snapshot, rules)
            _CACHE.move_to_end(key)
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
            return found

    # -- structures, built on first use ------------------------------------------------------
    @cached_property
    def party_graph(self) -> PartyGraph:
        return PartyGraph.build(self.snapshot, self.rules.limits.contact_max_owners)

    @cached_property
    def shares(self) -> ShareTable:
        return ShareTable.build(self.snapshot)

    @cached_property
    def control(self) -> ControlForest:
        return solve_control(self.shares, self.rules.control.majority)

    @cached_property
    def credit(self) -> CreditBook:
        return CreditBook.build(self.snapshot, LoanBook.build(self.snapshot))

    @cached_property
    def group_index(self) -> GroupIndex:
        return GroupIndex.build(self.party_graph, self.control, self.credit, self.rules.rules)

    @cached_property
    def control_paths(self) -> ControlPaths:
        return ControlPaths(self.party_graph, self.shares, self.control)

    @cached_property
    def guarantee_network(self) -> GuaranteeNetwork:
        return GuaranteeNetwork.build(self.party_graph, self.credit,
                                      self.rules.guarantees.min_chain_length)

    def warm(self) -> LinkedAnalysis:
        """Build every structure now (a server does this at start, not on the first query)."""
        _ = (self.party_graph, self.control, self.group_index, self.guarantee_network,
             self.control_paths, self.snapshot.has(""))  # has(): the id index
        if self.snapshot.num_nodes:
            self.party_graph.node(0)  # the display columns
        return self

    # -- queries -------------------------------------------------------------------------------
    def resolve(self, ident: str, key: KeyFn | None = None) -> int:
        """The node number of an enterprise or person id; a resident id is hashed with ``key``
        when it is not found as given."""
        ident = ident.strip()
        if self.snapshot.has(ident, PARTY_LABELS):
            return self.snapshot.index_of(ident, PARTY_LABELS)
        if key is not None and is_valid_resident_id(ident):
            hashed = key(ident)
            if self.snapshot.has(hashed, PARTY_LABELS):
                return self.snapshot.index_of(hashed, PARTY_LABELS)
            raise NotFound("Enterprise/Person", mask_id(ident))
        raise NotFound("Enterprise/Person", ident)

    def neighbourhood(self, ident: str, hops: int | None = None,
                      types: tuple[RelType, ...] | None = None,
                      key: KeyFn | None = None) -> Neighbourhood:
        lim = self.rules.limits
        k = lim.default_hops if hops is None else hops
        if not 1 <= k <= lim.max_hops:
            raise QueryLimitError(f"{k} hops asked, the limit is 1..{lim.max_hops} "
                                  f"(limits.max_hops in {self.rules.source}); ask fewer hops")
        return neighbourhood(self.party_graph, self.resolve(ident, key), k, kinds_for(types),
                             lim.max_nodes)

    def paths(self, a: str, b: str, max_hops: int | None = None,
              types: tuple[RelType, ...] | None = None, key: KeyFn | None = None) -> PathsResult:
        lim = self.rules.limits
        k = lim.max_path_hops if max_hops is None else max_hops
        if not 1 <= k <= lim.max_path_hops:
            raise QueryLimitError(f"paths of up to {k} hops asked, the limit is "
                                  f"1..{lim.max_path_hops} (limits.max_path_hops in "
                                  f"{self.rules.source})")
        return shortest_paths(self.party_graph, self.resolve(a, key), self.resolve(b, key),
                              kinds_for(types), k, lim.max_paths)

    def controller(self, ident: str, key: KeyFn | None = None) -> ControllerReport:
        return controller_report(self.party_graph, self.shares, self.control,
                                 self.resolve(ident, key), self.rules.control.relative_control)

    def exposure(self, ident: str, key: KeyFn | None = None) -> ExposureReport:
        node = self.resolve(ident, key)
        return exposure_report(self.party_graph, self.credit, self.rules,
                               np.array([node]), "single")

    def group(self, ident: str, key: KeyFn | None = None) -> GroupReport:
        node = self.resolve(ident, key)
        members = self.group_index.members_of(node)
        comp = int(self.group_index.comp[node])
        with self._lock:
            cached = self._recent_groups.get(comp)
            if cached is not None:
                self._recent_groups.move_to_end(comp)
        if cached is None:  # a group's answer is the same for each member: keep the last few
            cached = (self._group(members), self._group_exposure(members))
            with self._lock:
                self._recent_groups[comp] = cached
                while len(self._recent_groups) > _RECENT_GROUPS:
                    self._recent_groups.popitem(last=False)
        group, exposure = cached
        return GroupReport(group, exposure, self.party_graph.node(node),
                           exposure_report(self.party_graph, self.credit, self.rules,
                                           np.array([node]), "single"))

    def groups(self) -> tuple[GroupReport, ...]:
        """Every group of two or more parties, largest direct exposure first."""
        out = [GroupReport(self._group(m), self._group_exposure(m), None, None)
               for m in self.group_index.component_members()]
        out.sort(key=lambda r: (-r.exposure.total_direct, -r.group.size, r.group.key))
        return tuple(out)

    def guarantees(self, top: int = 20, ident: str | None = None,
                   key: KeyFn | None = None) -> GuaranteeReport:
        net, pg = self.guarantee_network, self.party_graph
        position = net.position(pg, self.resolve(ident, key)) if ident else None
        return GuaranteeReport(
            self.snapshot.as_of,
            tuple(net.circle(pg, k) for k in range(min(top, len(net.circle_nodes)))),
            len(net.circle_nodes),
            tuple(net.mutual_pair(pg, k) for k in range(min(top, len(net.pairs)))),
            len(net.pairs),
            tuple(net.chain(pg, k) for k in range(min(top, len(net.chains)))),
            len(net.chains), self.rules.guarantees.min_chain_length, position)

    def _group(self, members: np.ndarray) -> Group:
        return self.group_index.group(self.party_graph, self.control_paths, members)

    def _group_exposure(self, members: np.ndarray) -> ExposureReport:
        scope = "group" if len(members) > 1 else "single"  # a party tied to nobody is single
        return exposure_report(self.party_graph, self.credit, self.rules, members, scope)


def open_analysis(store: GraphStore, as_of: str | None = None,
                  rules: LinkedRules | None = None) -> LinkedAnalysis:
    """The analysis of ``store``'s snapshot as of ``as_of`` (default: the latest portfolio)."""
    return LinkedAnalysis.of(store.snapshot(as_of), rules)
