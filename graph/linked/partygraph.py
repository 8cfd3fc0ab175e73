"""The party graph of a snapshot: every tie between two parties as one typed link.

Enterprises and persons are the parties; a Lender is a leaf (a borrower links to it, nothing
is reached through it). Loans and Contacts are collapsed into the link they make:

=========  ===========================================================  =====================
kind       stored relationships                                         words (forward)
=========  ===========================================================  =====================
post       ``Person -HOLDS_POST-> Enterprise``                           legal representative
                                                                         of, director of, ...
shares     ``party -HOLDS_SHARES-> Enterprise``                          holds 70% of
relative   ``Person -RELATIVE_OF-> Person`` (the relative is the        spouse of, child of,
           person's ``relation``)                                        parent of, sibling of
guarantee  ``guarantor -GUARANTEES-> Loan <-BORROWS- borrower``          guarantees loan of
loan       ``borrower -BORROWS-> Loan -LENT_BY-> Lender``                borrows from
contact    ``party -HAS_CONTACT-> Contact <-HAS_CONTACT- party``         shares phone with
=========  ===========================================================  =====================

Loans in status ``closed`` make no link (a repaid loan ties nobody any more); a contact shared
by more than ``contact_max_owners`` parties makes none either (an agent's address is not a
tie). The links sit in flat arrays (``src``, ``dst``, ``kind``, the stored rows behind them) with
an undirected CSR incidence index, so that a hop from a set of nodes is one vectorised gather.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from graph.linked.refs import Hop, LinkKind, NodeRef, StoredRel
from graph.model import Label, RelType
from graph.snapshot import Snapshot

__all__ = ["KINDS", "PartyGraph", "kinds_for", "LINK_TYPES"]

KINDS: tuple[LinkKind, ...] = tuple(LinkKind)
_CODE = {k: i for i, k in enumerate(KINDS)}

# which stored relationship types a link kind is made of (for --types filters)
LINK_TYPES: dict[LinkKind, tuple[RelType, ...]] = {
    LinkKind.POST: (RelType.HOLDS_POST,),
    LinkKind.SHARES: (RelType.HOLDS_SHARES,),
    LinkKind.RELATIVE: (RelType.RELATIVE_OF,),
    LinkKind.GUARANTEE: (RelType.GUARANTEES,),
    LinkKind.LOAN: (RelType.BORROWS, RelType.LENT_BY),
    LinkKind.CONTACT: (RelType.HAS_CONTACT,),
}

_ROLE_WORDS = {"legal_rep": "legal representative of", "director": "director of",
               "supervisor": "supervisor of", "manager": "manager of"}
# (p, q, relation): q is p's <relation>, so p is q's ...
_RELATION_WORDS = {"spouse": "spouse of", "parent": "child of", "child": "parent of",
                   "sibling": "sibling of", "other": "relative of"}


def kinds_for(types: tuple[RelType, ...] | None) -> tuple[LinkKind, ...]:
    """The link kinds a relationship-type filter lets through (None: all)."""
    if not types:
        return KINDS
    chosen = set(types)
    return tuple(k for k in KINDS if chosen & set(LINK_TYPES[k]))


def share_words(ratio: float) -> str:
    return f"holds {ratio * 100:.2f}".rstrip("0").rstrip(".") + "% of"


@dataclass(frozen=True, eq=False)
class PartyGraph:
    """Links between parties of one snapshot (node numbers are the snapshot's)."""

    snapshot: Snapshot
    src: np.ndarray  # int64, link source (holder, guarantor, borrower, person, ...)
    dst: np.ndarray  # int64, link target
    kind: np.ndarray  # int8, index into KINDS
    row: np.ndarray  # int64, row of the first stored relationship in its EdgeTable
    row2: np.ndarray  # int64, row of the second one (guarantee/loan/contact), else -1
    via: np.ndarray  # int64, the Loan or Contact node, else -1
    indptr: np.ndarray  # CSR over node numbers: incidences of node i are indptr[i]:indptr[i+1]
    nbr: np.ndarray  # the other end of each incidence
    link: np.ndarray  # the link index of each incidence

    @classmethod
    def build(cls, snapshot: Snapshot, contact_max_owners: int = 50) -> PartyGraph:
        n = snapshot.num_nodes
        parts: list[tuple[np.ndarray, ...]] = []

        def add(kind: LinkKind, src: np.ndarray, dst: np.ndarray, row: np.ndarray,
                row2: np.ndarray | None = None, via: np.ndarray | None = None) -> None:
            k = len(src)
            minus = np.full(k, -1, dtype=np.int64)
            parts.append((src.astype(np.int64), dst.astype(np.int64),
                          np.full(k, _CODE[kind], dtype=np.int8), row.astype(np.int64),
                          minus if row2 is None else row2.astype(np.int64),
                          minus if via is None else via.astype(np.int64)))

        e = snapshot.edges
        for rel, kind in ((RelType.HOLDS_POST, LinkKind.POST),
                          (RelType.HOLDS_SHARES, LinkKind.SHARES),
                          (RelType.RELATIVE_OF, LinkKind.RELATIVE)):
            if rel in e and len(e[rel]):
                t = e[rel]
                keep = t.src != t.dst
                add(kind, t.src[keep], t.dst[keep], np.flatnonzero(keep))

        book = LoanBook.build(snapshot)
        if RelType.GUARANTEES in e and len(e[RelType.GUARANTEES]):
            g = e[RelType.GUARANTEES]
            borrower = book.borrower[g.dst]
            keep = (borrower >= 0) & (borrower != g.src) & book.open[g.dst]
            rows = np.flatnonzero(keep)
            add(LinkKind.GUARANTEE, g.src[keep], borrower[keep], rows,
                book.borrows_row[g.dst[keep]], g.dst[keep])
        if RelType.BORROWS in e and len(e[RelType.BORROWS]):
            b = e[RelType.BORROWS]
            lender = book.lender[b.dst]
            keep = (lender >= 0) & book.open[b.dst]
            add(LinkKind.LOAN, b.src[keep], lender[keep], np.flatnonzero(keep),
                book.lent_row[b.dst[keep]], b.dst[keep])
        if RelType.HAS_CONTACT in e and len(e[RelType.HAS_CONTACT]):
            add_contacts = _contact_pairs(e[RelType.HAS_CONTACT].src, e[RelType.HAS_CONTACT].dst,
                                          contact_max_owners)
            if add_contacts is not None:
                add(LinkKind.CONTACT, *add_contacts)

        if parts:
            src, dst, kinds, row, row2, via = (np.concatenate(c)
                                               for c in zip(*parts, strict=True))
        else:
            src = dst = row = row2 = via = np.zeros(0, dtype=np.int64)
            kinds = np.zeros(0, dtype=np.int8)
        lender_lo, lender_hi = snapshot.label_range(Label.LENDER)
        # incidences: both ends, except none *from* a lender (a lender is a leaf)
        links = np.arange(len(src), dtype=np.int64)
        back = ~((dst >= lender_lo) & (dst < lender_hi))
        at = np.concatenate([src, dst[back]])
        other = np.concatenate([dst, src[back]])
        link = np.concatenate([links, links[back]])
        order = np.lexsort((link, at))
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(at, minlength=n), out=indptr[1:])
        return cls(snapshot, src, dst, kinds, row, row2, via, indptr, other[order], link[order])

    # -- nodes ---------------------------------------------------------------------------
    @cached_property
    def labels(self) -> np.ndarray:
        return self.snapshot.nodes["label"].to_numpy(dtype=object)

    @cached_property
    def ids(self) -> np.ndarray:
        return self.snapshot.nodes["id"].to_numpy(dtype=object)

    @cached_property
    def names(self) -> np.ndarray:
        return self.snapshot.nodes["name"].to_numpy(dtype=object)

    @cached_property
    def is_lender(self) -> np.ndarray:
        return self.labels == Label.LENDER.value

    @cached_property
    def _masked(self) -> dict[int, str]:
        p = self.snapshot.props.get(Label.PERSON)
        if p is None or "id_masked" not in p.columns:
            return {}
        return {int(i): str(v) for i, v in zip(p.index, p["id_masked"], strict=True)
                if v is not None and v == v}

    @cached_property
    def _refs(self) -> dict[int, NodeRef]:
        return {}

    def node(self, i: int) -> NodeRef:
        """The node as shown (made once per node and kept)."""
        i = int(i)
        ref = self._refs.get(i)
        if ref is None:
            name = self.names[i]
            ref = NodeRef(str(self.labels[i]), str(self.ids[i]),
                          str(name) if name is not None else str(self.ids[i]),
                          self._masked.get(i))
            self._refs[i] = ref
        return ref

    def link_of_row(self, kind: LinkKind) -> np.ndarray:
        """Stored row -> link index, for the one-relationship kinds (post, shares, relative);
        -1 where a row makes no link (a self-loop)."""
        return self._row_links[_CODE[kind]]

    @cached_property
    def _row_links(self) -> dict[int, np.ndarray]:
        out = {}
        for kind, rel in ((LinkKind.POST, RelType.HOLDS_POST),
                          (LinkKind.SHARES, RelType.HOLDS_SHARES),
                          (LinkKind.RELATIVE, RelType.RELATIVE_OF)):
            t = self.snapshot.edges.get(rel)
            table = np.full(len(t) if t is not None else 0, -1, dtype=np.int64)
            mine = np.flatnonzero(self.kind == _CODE[kind])
            table[self.row[mine]] = mine
            out[_CODE[kind]] = table
        return out

    # -- links ---------------------------------------------------------------------------
    def link_kind(self, e: int) -> LinkKind:
        return KINDS[int(self.kind[e])]

    def _column(self, rel: RelType, col: str) -> np.ndarray:
        t = self.snapshot.edges.get(rel)
        return t.props[col].to_numpy() if t is not None else np.zeros(0, dtype=object)

    @cached_property
    def roles(self) -> np.ndarray:
        """``HOLDS_POST.role`` by stored row."""
        return self._column(RelType.HOLDS_POST, "role")

    @cached_property
    def ratios(self) -> np.ndarray:
        """``HOLDS_SHARES.ratio`` by stored row."""
        return self._column(RelType.HOLDS_SHARES, "ratio").astype(float)

    @cached_property
    def relations(self) -> np.ndarray:
        """``RELATIVE_OF.relation`` by stored row."""
        return self._column(RelType.RELATIVE_OF, "relation")

    @cached_property
    def _contact_kind(self) -> dict[int, str]:
        c = self.snapshot.props.get(Label.CONTACT)
        return {} if c is None else dict(zip(c.index.tolist(), c["kind"].tolist(), strict=True))

    def words(self, e: int) -> str:
        kind = self.link_kind(e)
        if kind is LinkKind.POST:
            role = self.roles[self.row[e]]
            return _ROLE_WORDS.get(str(role), f"{role} of")
        if kind is LinkKind.SHARES:
            return share_words(float(self.ratios[self.row[e]]))
        if kind is LinkKind.RELATIVE:
            return _RELATION_WORDS.get(str(self.relations[self.row[e]]), "relative of")
        if kind is LinkKind.GUARANTEE:
            return "guarantees loan of"
        if kind is LinkKind.LOAN:
            return "borrows from"
        return f"shares {self._contact_kind.get(int(self.via[e]), 'contact')} with"

    def find(self, x: int, y: int, kind: LinkKind) -> list[int]:
        """Links of ``kind`` between ``x`` and ``y`` (either direction), in index order."""
        lo, hi = self.indptr[x], self.indptr[x + 1]
        hits = self.link[lo:hi][(self.nbr[lo:hi] == y)]
        return sorted(int(e) for e in hits if self.kind[e] == _CODE[kind])

    def stored(self, e: int) -> tuple[StoredRel, ...]:
        s, d, v = self.ids[self.src[e]], self.ids[self.dst[e]], self.via[e]
        kind = self.link_kind(e)
        if kind is LinkKind.POST:
            return (StoredRel(s, RelType.HOLDS_POST.value, d),)
        if kind is LinkKind.SHARES:
            return (StoredRel(s, RelType.HOLDS_SHARES.value, d),)
        if kind is LinkKind.RELATIVE:
            return (StoredRel(s, RelType.RELATIVE_OF.value, d),)
        via = str(self.ids[v])
        if kind is LinkKind.GUARANTEE:
            return (StoredRel(s, RelType.GUARANTEES.value, via),
                    StoredRel(d, RelType.BORROWS.value, via))
        if kind is LinkKind.LOAN:
            return (StoredRel(s, RelType.BORROWS.value, via),
                    StoredRel(via, RelType.LENT_BY.value, d))
        return (StoredRel(s, RelType.HAS_CONTACT.value, via),
                StoredRel(d, RelType.HAS_CONTACT.value, via))

    def hop(self, e: int, start: int) -> Hop:
        """Link ``e`` walked from node ``start`` (one of its ends)."""
        forward = int(self.src[e]) == int(start)
        via = int(self.via[e])
        return Hop(self.link_kind(e), forward, self.words(e),
                   self.node(via) if via >= 0 else None, self.stored(e))

    def other_end(self, e: int, start: int) -> int:
        s, d = int(self.src[e]), int(self.dst[e])
        return d if s == int(start) else s

    def allowed(self, kinds: tuple[LinkKind, ...]) -> np.ndarray:
        mask = np.zeros(len(KINDS), dtype=bool)
        mask[[_CODE[k] for k in kinds]] = True
        return mask

    def incident(self, nodes: np.ndarray, kind_mask: np.ndarray) -> tuple[np.ndarray, ...]:
        """Incidences of ``nodes`` through allowed kinds: (node, neighbour, link) arrays."""
        if len(nodes) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        starts, stops = self.indptr[nodes], self.indptr[nodes + 1]
        counts = stops - starts
        total = int(counts.sum())
        if total == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        pos = np.arange(total, dtype=np.int64) + offsets
        owner = np.repeat(nodes, counts)
        link = self.link[pos]
        ok = kind_mask[self.kind[link]]
        return owner[ok], self.nbr[pos][ok], link[ok]


@dataclass(frozen=True, eq=False)
class LoanBook:
    """Per loan node: borrower, lender, outstanding, open (status not ``closed``)."""

    borrower: np.ndarray  # node -> borrower node (loans only), else -1
    borrows_row: np.ndarray
    lender: np.ndarray
    lent_row: np.ndarray
    outstanding: np.ndarray  # float, 0 where missing
    open: np.ndarray  # bool

    @classmethod
    def build(cls, snapshot: Snapshot) -> LoanBook:
        n = snapshot.num_nodes
        borrower = np.full(n, -1, dtype=np.int64)
        borrows_row = np.full(n, -1, dtype=np.int64)
        lender = np.full(n, -1, dtype=np.int64)
        lent_row = np.full(n, -1, dtype=np.int64)
        e = snapshot.edges
        if RelType.BORROWS in e:
            b = e[RelType.BORROWS]
            borrower[b.dst] = b.src
            borrows_row[b.dst] = np.arange(len(b))
        if RelType.LENT_BY in e:
            lb = e[RelType.LENT_BY]
            lender[lb.src] = lb.dst
            lent_row[lb.src] = np.arange(len(lb))
        outstanding = np.zeros(n)
        is_open = np.zeros(n, dtype=bool)
        loans = snapshot.props.get(Label.LOAN)
        if loans is not None and len(loans):
            idx = loans.index.to_numpy()
            outstanding[idx] = pd.to_numeric(loans["outstanding"], errors="coerce").fillna(0.0)
            is_open[idx] = (loans["status"].astype(object) != "closed").to_numpy()
        return cls(borrower, borrows_row, lender, lent_row, outstanding, is_open)


def _contact_pairs(owner: np.ndarray, contact: np.ndarray,
                   max_owners: int) -> tuple[np.ndarray, ...] | None:
    """Every pair of owners of one contact (2..max_owners owners): src, dst, row, row2, via."""
    order = np.lexsort((owner, contact))
    c_sorted = contact[order]
    starts = np.flatnonzero(np.r_[True, c_sorted[1:] != c_sorted[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    out: list[tuple[np.ndarray, ...]] = []
    for size in np.unique(sizes):
        if size < 2 or size > max_owners:
            continue
        first = starts[sizes == size]
        members = order[first[:, None] + np.arange(size)[None, :]]  # rows, (groups, size)
        i, j = np.triu_indices(int(size), 1)
        r1, r2 = members[:, i].ravel(), members[:, j].ravel()
        out.append((owner[r1], owner[r2], r1, r2, contact[r1]))
    if not out:
        return None
    src, dst, row, row2, via = (np.concatenate(c) for c in zip(*out, strict=True))
    keep = src != dst
    return src[keep], dst[keep], row[keep], row2[keep], via[keep]
