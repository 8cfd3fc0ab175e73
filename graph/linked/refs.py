"""The typed pieces every linked-party answer is made of: nodes, hops, and paths in words.

A :class:`GraphPath` is evidence: its :attr:`~GraphPath.relationships` are the stored
relationships it walks (``(src id, type, dst id)`` exactly as in the graph, Loan and Contact
nodes included), and :meth:`~GraphPath.text` renders it for a person, e.g.::

    张伟 —legal representative of→ 华信贸易有限公司 —guarantees loan of→ 华信钢铁有限公司

A hop walked against the relationship's own direction renders with the arrow reversed
(``A ←holds 70% of— B`` reads "B holds 70% of A").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["GraphPath", "Hop", "LinkKind", "NodeRef", "StoredRel"]


class LinkKind(StrEnum):
    """A party-to-party link: one stored relationship, or two through a Loan or Contact."""

    POST = "post"  # Person -HOLDS_POST-> Enterprise
    SHARES = "shares"  # party -HOLDS_SHARES-> Enterprise
    RELATIVE = "relative"  # Person -RELATIVE_OF-> Person
    GUARANTEE = "guarantee"  # guarantor -GUARANTEES-> Loan <-BORROWS- borrower
    LOAN = "loan"  # borrower -BORROWS-> Loan -LENT_BY-> Lender
    CONTACT = "contact"  # party -HAS_CONTACT-> Contact <-HAS_CONTACT- party


@dataclass(frozen=True)
class NodeRef:
    """A node as shown: its label, its id (a person's key, never a resident id) and name."""

    label: str
    id: str
    name: str
    id_masked: str | None = None  # persons: the resident id masked, for display


@dataclass(frozen=True)
class StoredRel:
    """One stored relationship, in its stored direction."""

    src: str
    type: str
    dst: str


@dataclass(frozen=True)
class Hop:
    """One link walked from ``nodes[i]`` to ``nodes[i + 1]`` of a path."""

    kind: LinkKind
    forward: bool  # walked in the link's own direction (holder -> held, guarantor -> borrower)
    words: str  # e.g. "holds 70% of", "guarantees loan of"
    via: NodeRef | None  # the Loan or Contact passed through
    rels: tuple[StoredRel, ...]  # the stored relationships walked


@dataclass(frozen=True)
class GraphPath:
    nodes: tuple[NodeRef, ...]
    hops: tuple[Hop, ...]

    def __len__(self) -> int:
        return len(self.hops)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every node id on the path, Loan and Contact nodes included, in walking order."""
        out = [self.nodes[0].id]
        for hop, node in zip(self.hops, self.nodes[1:], strict=True):
            if hop.via is not None:
                out.append(hop.via.id)
            out.append(node.id)
        return tuple(out)

    @property
    def relationships(self) -> tuple[StoredRel, ...]:
        return tuple(r for hop in self.hops for r in hop.rels)

    def text(self) -> str:
        parts = [self.nodes[0].name]
        for hop, node in zip(self.hops, self.nodes[1:], strict=True):
            parts.append(f"—{hop.words}→" if hop.forward else f"←{hop.words}—")
            parts.append(node.name)
        return " ".join(parts)

    def reversed(self) -> GraphPath:
        hops = tuple(Hop(h.kind, not h.forward, h.words, h.via, h.rels)
                     for h in reversed(self.hops))
        return GraphPath(tuple(reversed(self.nodes)), hops)

    def then(self, other: GraphPath) -> GraphPath:
        """This path followed by ``other`` (which must start where this one ends)."""
        if not self.hops:
            return other
        if not other.hops:
            return self
        if self.nodes[-1].id != other.nodes[0].id:
            raise ValueError("paths do not meet")
        return GraphPath(self.nodes + other.nodes[1:], self.hops + other.hops)
