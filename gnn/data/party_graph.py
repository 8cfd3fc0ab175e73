r"""The party graph: enterprises and persons joined by typed, directed, attributed edges.

A :class:`~graph.snapshot.Snapshot` holds loans, lenders, contacts and events as nodes of their
own. Contagion runs between *parties* (enterprises and persons), so loans and contacts are
collapsed into party-to-party edges here. Party ``i`` is snapshot node ``i``: the snapshot
numbers nodes by label, enterprises first and persons next, so the parties are exactly the
first ``P`` nodes.

Relations (each a directed edge list ``src -> dst``; messages in the GNN flow along it):

=================  ======================  ===============================================
relation           src -> dst              attributes
=================  ======================  ===============================================
guarantees         guarantor -> borrower   log(1 + amount / guarantor's net assets) and a
                                           missing flag, min(1, amount / outstanding), kind
                                           (joint, general, collateral), the guaranteed
                                           loan's status (overdue, default, closed)
guaranteed_by      borrower -> guarantor   the same (the call runs this way)
holds_shares       holder -> enterprise    ratio, control (ratio >= 1/2)
owned_by           enterprise -> holder    the same
post_in            person -> enterprise    role (legal_rep, director, supervisor, manager)
has_officer        enterprise -> person    the same
relative_of        person -> person        relation (spouse, parent, child, sibling, other),
                                           both directions (parent and child swap)
shares_contact     party -> party          kind (phone, address, email), 1 / (k - 1) and
                                           log k for a contact shared by k parties, both ways
co_borrows         party -> party          (none) borrowers of the same loan, both ways
same_group         ent. -> ent.            (none) enterprises of one business group (a
                                           connected component over shareholdings, of 2
                                           to ``max_group`` enterprises), both ways
=================  ======================  ===============================================

A guarantee of a loan with several borrowers gives one edge per borrower; parallel edges of one
relation (two guaranteed loans of the same borrower, a phone and an address shared) are merged
into one. Edges are sorted by ``(dst, src)``. A contact shared by
more than ``FeatureConfig.max_contact_group`` parties (a call centre, an agent's address) is
dropped and counted in :attr:`PartyGraph.dropped_contact_groups`. Lenders are left out: a
handful of lenders each tied to thousands of borrowers would make hubs that carry the whole
book's average, not a counterparty's risk.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gnn.config import FeatureConfig
from graph.model import Label, RelType
from graph.snapshot import Snapshot

__all__ = ["RELATIONS", "PartyGraph", "Relation", "net_assets", "party_graph", "same_group",
           "shareholding_components", "without_party"]

GUARANTEE_KINDS = ("joint", "general", "collateral")
LOAN_FLAGS = ("overdue", "default", "closed")
ROLES = ("legal_rep", "director", "supervisor", "manager")
FAMILY = ("spouse", "parent", "child", "sibling", "other")
CONTACT_KINDS = ("phone", "address", "email")

#: Relation name -> (its attribute names, the snapshot relationship type it comes from).
RELATIONS: dict[str, tuple[tuple[str, ...], RelType]] = {
    "guarantees": (("burden", "burden_missing", "coverage",
                    *(f"kind_{k}" for k in GUARANTEE_KINDS),
                    *(f"loan_{s}" for s in LOAN_FLAGS)), RelType.GUARANTEES),
    "guaranteed_by": (("burden", "burden_missing", "coverage",
                       *(f"kind_{k}" for k in GUARANTEE_KINDS),
                       *(f"loan_{s}" for s in LOAN_FLAGS)), RelType.GUARANTEES),
    "holds_shares": (("ratio", "control"), RelType.HOLDS_SHARES),
    "owned_by": (("ratio", "control"), RelType.HOLDS_SHARES),
    "post_in": (tuple(f"role_{r}" for r in ROLES), RelType.HOLDS_POST),
    "has_officer": (tuple(f"role_{r}" for r in ROLES), RelType.HOLDS_POST),
    "relative_of": (tuple(f"rel_{r}" for r in FAMILY), RelType.RELATIVE_OF),
    "shares_contact": ((*(f"contact_{k}" for k in CONTACT_KINDS), "inv_group", "log_group"),
                       RelType.HAS_CONTACT),
    "co_borrows": ((), RelType.BORROWS),
    "same_group": ((), RelType.HOLDS_SHARES),
}


@dataclass(frozen=True, eq=False)
class Relation:
    """One relation: ``src[k] -> dst[k]`` (party numbers) with ``attr[k]`` (``(E, d)``,
    float32, unscaled) and ``via[k]`` (the loan or contact id that makes the edge, or None)."""

    name: str
    src: np.ndarray
    dst: np.ndarray
    attr: np.ndarray
    via: np.ndarray

    def __len__(self) -> int:
        return len(self.src)

    @property
    def attr_names(self) -> tuple[str, ...]:
        return RELATIONS[self.name][0]


@dataclass(frozen=True, eq=False)
class PartyGraph:
    """Parties ``0..P-1`` (enterprises first), their ids, labels, names, and the relations."""

    ids: np.ndarray  # object (P,)
    labels: np.ndarray  # object (P,): "Enterprise" or "Person"
    names: np.ndarray  # object (P,)
    relations: dict[str, Relation]
    dropped_contact_groups: int = 0
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def num_parties(self) -> int:
        return len(self.ids)

    @property
    def is_person(self) -> np.ndarray:
        return self.labels == Label.PERSON.value

    def num_edges(self) -> int:
        return sum(len(r) for r in self.relations.values())


def net_assets(snapshot: Snapshot, num_parties: int) -> np.ndarray:
    """``total_assets - total_liabilities`` per party (NaN for persons and missing figures)."""
    out = np.full(num_parties, np.nan)
    ent = snapshot.props.get(Label.ENTERPRISE)
    if ent is not None and len(ent):
        values = (ent["total_assets"] - ent["total_liabilities"]).to_numpy(dtype=float)
        out[ent.index.to_numpy()] = values
    return out


def _parties(snapshot: Snapshot) -> tuple[int, pd.DataFrame]:
    labels = snapshot.nodes["label"].to_numpy()
    is_party = (labels == Label.ENTERPRISE.value) | (labels == Label.PERSON.value)
    num = int(is_party.sum())
    if num and not is_party[:num].all():
        raise AssertionError("snapshot does not number enterprises and persons first")
    return num, snapshot.nodes.iloc[:num]


def _edges(snapshot: Snapshot, rel: RelType) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    e = snapshot.edges.get(rel)
    if e is None:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), pd.DataFrame()
    return e.src, e.dst, e.props


def _onehot(values: pd.Series | np.ndarray, vocab: tuple[str, ...]) -> np.ndarray:
    v = pd.Series(np.asarray(values, dtype=object)).fillna("").to_numpy()
    return np.stack([v == k for k in vocab], axis=1).astype(np.float32) if len(vocab) else \
        np.zeros((len(v), 0), np.float32)


def _rel(name: str, src: np.ndarray, dst: np.ndarray, attr: np.ndarray,
         via: np.ndarray | None = None) -> Relation:
    """One relation with parallel edges merged (see :func:`_merge_parallel`)."""
    names = RELATIONS[name][0]
    src = np.asarray(src, np.int64)
    dst = np.asarray(dst, np.int64)
    attr = np.asarray(attr, dtype=np.float64).reshape(len(src), len(names))
    via_arr = via if via is not None else np.full(len(src), None, dtype=object)
    return _merge_parallel(name, src, dst, attr, via_arr)


def _merge_parallel(name: str, src: np.ndarray, dst: np.ndarray, attr: np.ndarray,
                    via: np.ndarray) -> Relation:
    """Parallel edges ``j -> i`` of one relation become one edge: amounts add up (``burden``
    in linear space, ``ratio`` capped at 1), flags and the rest take their maximum, ``via``
    lists every loan or contact kind (comma separated). One edge per pair keeps the CSR
    pattern free of duplicates and makes "the edge between j and i" one thing to explain."""
    names = RELATIONS[name][0]
    key = np.stack([dst, src], axis=1)
    uniq, inverse, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    if len(uniq) == len(src):
        order = np.lexsort((src, dst))
        return Relation(name, src[order], dst[order], attr[order].astype(np.float32), via[order])
    out = np.full((len(uniq), len(names)), -np.inf)
    for k, col in enumerate(names):
        if col == "burden":
            acc = np.zeros(len(uniq))
            np.add.at(acc, inverse, np.expm1(attr[:, k]))
            out[:, k] = np.log1p(acc)
        elif col == "ratio":
            acc = np.zeros(len(uniq))
            np.add.at(acc, inverse, attr[:, k])
            out[:, k] = np.minimum(acc, 1.0)
        else:
            np.maximum.at(out[:, k], inverse, attr[:, k])
    merged = np.full(len(uniq), None, dtype=object)
    first = np.full(len(uniq), -1, np.int64)
    first[inverse[::-1]] = np.arange(len(src))[::-1]
    merged[:] = via[first]
    multi = (counts[inverse] > 1) & pd.notna(via)
    if multi.any():
        texts = pd.Series(via[multi], dtype=object)
        joined = texts.groupby(inverse[multi]).agg(lambda v: ",".join(dict.fromkeys(map(str, v))))
        merged[joined.index.to_numpy()] = joined.to_numpy(dtype=object)
    return Relation(name, uniq[:, 1].copy(), uniq[:, 0].copy(), out.astype(np.float32), merged)


def _loan_borrowers(snapshot: Snapshot, num_parties: int) -> pd.DataFrame:
    """Loan node -> borrower party, with the loan's id, outstanding and status."""
    src, dst, _ = _edges(snapshot, RelType.BORROWS)
    ok = src < num_parties
    frame = pd.DataFrame({"loan": dst[ok], "borrower": src[ok]})
    loans = snapshot.props.get(Label.LOAN)
    if loans is None or frame.empty:
        return frame.assign(loan_id=pd.Series(dtype=object), outstanding=pd.Series(dtype=float),
                            status=pd.Series(dtype=object))
    info = loans[["id", "outstanding", "status"]].rename(columns={"id": "loan_id"})
    return frame.join(info, on="loan")


def party_graph(snapshot: Snapshot, cfg: FeatureConfig | None = None) -> PartyGraph:
    """Collapse a snapshot into the party graph (see the module docstring)."""
    cfg = cfg or FeatureConfig()
    num, parties = _parties(snapshot)
    labels = parties["label"].to_numpy(dtype=object)
    na = net_assets(snapshot, num)
    rels: dict[str, Relation] = {}
    borrowers = _loan_borrowers(snapshot, num)

    # guarantees: guarantor -> every borrower of the guaranteed loan
    g_src, g_dst, g_props = _edges(snapshot, RelType.GUARANTEES)
    g = pd.DataFrame({"guarantor": g_src, "loan": g_dst})
    if len(g):
        g["amount"] = g_props["amount"].to_numpy(dtype=float)
        g["kind"] = g_props["kind"].to_numpy(dtype=object)
    g = g[g["guarantor"] < num].merge(borrowers, on="loan", how="inner")
    g = g[g["guarantor"] != g["borrower"]].reset_index(drop=True)
    amount = g["amount"].to_numpy(dtype=float) if len(g) else np.zeros(0)
    base = na[g["guarantor"].to_numpy(dtype=np.int64)] if len(g) else np.zeros(0)
    missing = ~(base > 0)
    burden = np.where(missing, 0.0, np.log1p(np.minimum(cfg.ratio_cap, amount / np.where(
        missing, 1.0, base))))
    outstanding = g["outstanding"].to_numpy(dtype=float) if len(g) else np.zeros(0)
    coverage = np.where(outstanding > 0, np.minimum(1.0, amount / np.maximum(outstanding, 1.0)),
                        0.0)
    g_attr = np.column_stack([burden, missing, coverage, _onehot(g.get("kind", []),
                                                                 GUARANTEE_KINDS),
                              _onehot(g.get("status", []), LOAN_FLAGS)])
    via = g["loan_id"].to_numpy(dtype=object) if len(g) else np.zeros(0, object)
    gs, gd = g["guarantor"].to_numpy(np.int64), g["borrower"].to_numpy(np.int64)
    rels["guarantees"] = _rel("guarantees", gs, gd, g_attr, via)
    rels["guaranteed_by"] = _rel("guaranteed_by", gd, gs, g_attr, via)

    # shareholdings
    s_src, s_dst, s_props = _edges(snapshot, RelType.HOLDS_SHARES)
    ok = (s_src < num) & (s_dst < num)
    ratio = s_props["ratio"].to_numpy(dtype=float)[ok] if len(s_src) else np.zeros(0)
    ratio = np.nan_to_num(ratio, nan=0.0)
    s_attr = np.column_stack([ratio, ratio >= 0.5])
    rels["holds_shares"] = _rel("holds_shares", s_src[ok], s_dst[ok], s_attr)
    rels["owned_by"] = _rel("owned_by", s_dst[ok], s_src[ok], s_attr)

    # posts
    p_src, p_dst, p_props = _edges(snapshot, RelType.HOLDS_POST)
    ok = (p_src < num) & (p_dst < num)
    p_attr = _onehot(p_props["role"].to_numpy(dtype=object)[ok] if len(p_src) else [], ROLES)
    rels["post_in"] = _rel("post_in", p_src[ok], p_dst[ok], p_attr)
    rels["has_officer"] = _rel("has_officer", p_dst[ok], p_src[ok], p_attr)

    # family: both directions, parent and child swap on the way back
    f_src, f_dst, f_props = _edges(snapshot, RelType.RELATIVE_OF)
    ok = (f_src < num) & (f_dst < num)
    relation = f_props["relation"].to_numpy(dtype=object)[ok] if len(f_src) else np.zeros(0, object)
    back = pd.Series(relation, dtype=object).replace({"parent": "child", "child": "parent"})
    f_attr = np.vstack([_onehot(relation, FAMILY), _onehot(back.to_numpy(), FAMILY)])
    rels["relative_of"] = _rel("relative_of", np.concatenate([f_src[ok], f_dst[ok]]),
                               np.concatenate([f_dst[ok], f_src[ok]]), f_attr)

    rels["shares_contact"], dropped = _contact_pairs(snapshot, num, cfg.max_contact_group)
    rels["co_borrows"] = _co_borrowers(borrowers)
    rels["same_group"] = same_group(num, rels["holds_shares"], labels == Label.ENTERPRISE.value,
                                    cfg.max_group)
    stats = {name: len(r) for name, r in rels.items()}
    return PartyGraph(parties["id"].to_numpy(dtype=object), labels,
                      parties["name"].to_numpy(dtype=object), rels, dropped, stats)


def _contact_pairs(snapshot: Snapshot, num: int, max_group: int) -> tuple[Relation, int]:
    c_src, c_dst, _ = _edges(snapshot, RelType.HAS_CONTACT)
    frame = pd.DataFrame({"party": c_src, "contact": c_dst})
    frame = frame[frame["party"] < num].drop_duplicates()
    size = frame.groupby("contact")["party"].transform("size")
    dropped = int(frame.loc[size > max_group, "contact"].nunique())
    frame = frame[(size >= 2) & (size <= max_group)]
    pairs = frame.merge(frame, on="contact", suffixes=("_a", "_b"))
    pairs = pairs[pairs["party_a"] != pairs["party_b"]].reset_index(drop=True)
    contacts = snapshot.props.get(Label.CONTACT)
    kind = (contacts["kind"].reindex(pairs["contact"].to_numpy()).to_numpy(dtype=object)
            if contacts is not None else np.full(len(pairs), None, object))
    k = pairs.groupby("contact")["party_a"].transform("nunique").to_numpy(dtype=float)
    attr = np.column_stack([_onehot(kind, CONTACT_KINDS), 1.0 / np.maximum(k - 1, 1),
                            np.log(np.maximum(k, 1))])
    via = kind.astype(object)
    return _rel("shares_contact", pairs["party_a"].to_numpy(), pairs["party_b"].to_numpy(), attr,
                via), dropped


def _co_borrowers(borrowers: pd.DataFrame) -> Relation:
    frame = borrowers[["loan", "borrower", "loan_id"]]
    multi = frame.groupby("loan")["borrower"].transform("nunique") > 1
    frame = frame[multi]
    pairs = frame.merge(frame[["loan", "borrower"]], on="loan", suffixes=("_a", "_b"))
    pairs = pairs[pairs["borrower_a"] != pairs["borrower_b"]]
    return _rel("co_borrows", pairs["borrower_a"].to_numpy(), pairs["borrower_b"].to_numpy(),
                np.zeros((len(pairs), 0)), pairs["loan_id"].to_numpy(dtype=object))


def same_group(num: int, holds: Relation, enterprise: np.ndarray, max_group: int) -> Relation:
    """Every ordered pair of enterprises in one connected component of the shareholding graph
    (persons included in the connecting: a controller ties its holdings together), for groups
    of 2 to ``max_group`` enterprises. A business group reaches further than two hops of
    shareholdings (a subsidiary's subsidiary and a sister company), which a two-layer model
    would not see otherwise; ``max_group = 0`` turns the relation off."""
    if max_group < 2:
        return _rel("same_group", np.zeros(0, np.int64), np.zeros(0, np.int64),
                    np.zeros((0, 0)))
    comp = shareholding_components(num, holds)
    size = np.bincount(comp, weights=enterprise).astype(np.int64)
    members = np.flatnonzero(enterprise & (size[comp] >= 2) & (size[comp] <= max_group))
    frame = pd.DataFrame({"party": members, "group": comp[members]})
    pairs = frame.merge(frame, on="group", suffixes=("_a", "_b"))
    pairs = pairs[pairs["party_a"] != pairs["party_b"]]
    return _rel("same_group", pairs["party_a"].to_numpy(), pairs["party_b"].to_numpy(),
                np.zeros((len(pairs), 0)))


def shareholding_components(num: int, holds: Relation) -> np.ndarray:
    """The connected component of every party over shareholdings (either direction)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    adj = csr_matrix((np.ones(len(holds)), (holds.src, holds.dst)), shape=(num, num))
    return connected_components(adj, directed=False)[1]


def without_party(pg: PartyGraph, node: int) -> PartyGraph:
    """The party graph with every edge of ``node`` removed, and the business-group ties
    (``same_group``) that ran only through it: its shareholdings may have held the group
    together. This is what an explanation's occlusion of ``node`` means."""
    rels = {}
    for name, r in pg.relations.items():
        keep = (r.src != node) & (r.dst != node)
        rels[name] = Relation(name, r.src[keep], r.dst[keep], r.attr[keep], r.via[keep])
    sg = rels["same_group"]
    if len(sg):
        comp = shareholding_components(pg.num_parties, rels["holds_shares"])
        keep = comp[sg.src] == comp[sg.dst]
        rels["same_group"] = Relation("same_group", sg.src[keep], sg.dst[keep], sg.attr[keep],
                                      sg.via[keep])
    return dataclasses.replace(pg, relations=rels)

