"""The exposure network: who loses what when whom is stressed, with capital buffers and weights.

An edge ``creditor -> debtor`` with ``amount`` means the creditor loses money when the debtor is
stressed or fails. ``A[i, j]`` sums every edge from creditor ``i`` to debtor ``j`` (parallel
edges add up), and the relative impact matrix is

.. math::

    \\Lambda_{ij} = LGD \\, \\frac{A_{ij}}{E_i}

the fraction of ``i``'s capital ``E_i`` lost per unit of ``j``'s stress; it is NOT capped at 1.
A node whose buffer is unknown or not positive (``buffer_known`` false) has ``E_i = 0`` and a
zero row in :math:`\\Lambda`: it absorbs no loss, so it is never stressed by others, but it can
still be shocked and pass stress on to its own creditors (see
:class:`UnknownBuffer`). Weights ``w_i >= 0`` sum to 1 and only enter
the summaries (``original_stress``, ``additional_stress``).

Build one from the graph with :func:`~gnn.contagion.from_graph.exposure_network_from_snapshot`,
from two CSV files with :func:`~gnn.contagion.from_csv.read_exposure_csv`, or from arrays with
:meth:`ExposureNetwork.from_arrays`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp

from gnn.contagion.rounds import ImpactMatrix
from riskgraph.errors import ConfigError, NotFound

__all__ = ["ExposureDiagnostics", "ExposureEdges", "ExposureNetwork", "UnknownBuffer",
           "normalised_weights"]

PLAIN_LABEL = "node"  # label of a node read from a plain edge list
LENDER_LABEL = "Lender"


class UnknownBuffer(StrEnum):
    """What to do with a node whose capital buffer is unknown or not positive."""

    INSULATE = "insulate"  # keep it with E_i = 0 and a zero row of Λ: it takes no losses
    RAISE = "raise"  # refuse to build the network


@dataclass(frozen=True, eq=False)
class ExposureEdges:
    """The edges before summing: ``creditor[k] -> debtor[k]`` for ``amount[k]`` (node numbers).

    ``relation`` says where an edge comes from (``loan``, ``guarantee:joint``, ``shareholding``,
    ...) and ``ref`` the loan, guarantee or holding it was derived from; both are ``None`` for
    a plain edge list.
    """

    creditor: np.ndarray
    debtor: np.ndarray
    amount: np.ndarray
    relation: np.ndarray | None = None
    ref: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.creditor)

    def frame(self, ids: np.ndarray) -> pd.DataFrame:
        """The edges as a table of ids (``creditor, debtor, amount[, relation, ref]``)."""
        out = pd.DataFrame({"creditor": ids[self.creditor], "debtor": ids[self.debtor],
                            "amount": self.amount})
        if self.relation is not None:
            out["relation"] = self.relation
        if self.ref is not None:
            out["ref"] = self.ref
        return out


@dataclass(frozen=True)
class ExposureDiagnostics:
    """What the derivation had to leave out or assume, so that nothing is guessed silently."""

    unknown_buffers: int = 0  # nodes with unknown or nonpositive buffer (insulated)
    unknown_buffer_examples: tuple[str, ...] = ()
    assumed_lender_capital: int = 0  # lenders whose tier-1 capital came from the default rule
    unmatched_tier1_ids: tuple[str, ...] = ()  # configured lenders not in the snapshot
    loans_without_lender: int = 0
    loans_without_borrower: int = 0
    shareholdings_without_net_assets: int = 0
    self_edges_dropped: int = 0
    zero_edges_dropped: int = 0


def normalised_weights(raw: np.ndarray, fallback: np.ndarray | None = None) -> np.ndarray:
    """``raw / raw.sum()``; if that sum is 0, the same of ``fallback``; else uniform."""
    for cand in (raw, fallback):
        if cand is not None and len(cand) and float(cand.sum()) > 0.0:
            return np.asarray(cand, dtype=np.float64) / float(cand.sum())
    n = len(raw)
    return np.full(n, 1.0 / n) if n else np.zeros(0)


@dataclass(frozen=True, eq=False)
class ExposureNetwork:
    """A directed, weighted exposure network over ``n`` nodes numbered ``0..n-1``.

    Attributes:
        ids: ``(n,)`` entity ids (object array).
        labels: ``(n,)`` ``Enterprise``, ``Person``, ``Lender``, or ``node`` for a plain list.
        buffer: ``(n,)`` capital buffers ``E_i`` (0 where unknown).
        buffer_known: ``(n,)`` whether ``E_i`` is known and positive.
        weight: ``(n,)`` economic weights, summing to 1.
        edges: the edges before summing (the audit trail's source).
        attributes: per node ``industry`` and ``region`` (missing where not an enterprise).
        diagnostics: what the derivation left out or assumed.
    """

    ids: np.ndarray
    labels: np.ndarray
    buffer: np.ndarray
    buffer_known: np.ndarray
    weight: np.ndarray
    edges: ExposureEdges
    attributes: pd.DataFrame
    diagnostics: ExposureDiagnostics = field(default_factory=ExposureDiagnostics)
    _impact_cache: dict[float, ImpactMatrix] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.ids)
        for name in ("labels", "buffer", "buffer_known", "weight"):
            if len(getattr(self, name)) != n:
                raise ConfigError(f"exposure network: {name} has {len(getattr(self, name))} "
                                  f"entries for {n} nodes")
        if len(self.edges) and (self.edges.creditor.max() >= n or self.edges.debtor.max() >= n
                                or self.edges.creditor.min() < 0 or self.edges.debtor.min() < 0):
            raise ConfigError("exposure network: an edge refers to a node number out of range")
        if np.any(self.edges.amount < 0) or not np.all(np.isfinite(self.edges.amount)):
            raise ConfigError("exposure network: edge amounts must be finite and >= 0")
        if np.any(self.buffer_known & ~(self.buffer > 0)):
            raise ConfigError("exposure network: a known buffer must be positive")

    @classmethod
    def from_arrays(cls, creditor: np.ndarray, debtor: np.ndarray, amount: np.ndarray,
                    buffer: np.ndarray, weight: np.ndarray | None = None,
                    ids: np.ndarray | None = None) -> ExposureNetwork:
        """A plain network from arrays: node numbers, amounts and buffers (``<= 0``: unknown).

        ``weight`` defaults to buffers, normalised; ``ids`` to the node numbers as text.
        """
        buf = np.asarray(buffer, dtype=np.float64)
        known = np.isfinite(buf) & (buf > 0)
        buf = np.where(known, buf, 0.0)
        n = len(buf)
        w = normalised_weights(np.asarray(weight, dtype=np.float64) if weight is not None
                               else buf, buf)
        return cls(
            ids=np.asarray(ids, dtype=object) if ids is not None
            else np.arange(n).astype(str).astype(object),
            labels=np.full(n, PLAIN_LABEL, dtype=object), buffer=buf, buffer_known=known,
            weight=w,
            edges=ExposureEdges(np.asarray(creditor, dtype=np.int64),
                                np.asarray(debtor, dtype=np.int64),
                                np.asarray(amount, dtype=np.float64)),
            attributes=pd.DataFrame(index=pd.RangeIndex(n)),
        )

    @property
    def num_nodes(self) -> int:
        return len(self.ids)

    @property
    def num_edges(self) -> int:
        return len(self.edges)

    @cached_property
    def exposure(self) -> sp.csr_matrix:
        """``A`` (``n x n``, CSR): amount creditor ``i`` has at stake on debtor ``j``, summed."""
        n = self.num_nodes
        a = sp.csr_matrix((self.edges.amount, (self.edges.creditor, self.edges.debtor)),
                          shape=(n, n), dtype=np.float64)
        a.sum_duplicates()
        a.eliminate_zeros()
        return a

    def impact(self, lgd: float = 1.0) -> ImpactMatrix:
        """:math:`\\Lambda = LGD \\cdot \\mathrm{diag}(1/E) \\, A`, rows of unknown buffers zero."""
        cached = self._impact_cache.get(lgd)
        if cached is None:
            inv = np.zeros(self.num_nodes)
            np.divide(lgd, self.buffer, out=inv, where=self.buffer_known)
            lam = sp.diags_array(inv, format="csr") @ self.exposure
            lam = sp.csr_matrix(lam)
            lam.eliminate_zeros()
            lam.sort_indices()
            cached = ImpactMatrix(lam)
            self._impact_cache[lgd] = cached
        return cached

    @cached_property
    def _lookup(self) -> dict[str, int]:
        return {str(ident): k for k, ident in enumerate(self.ids)}

    def has(self, ident: str) -> bool:
        return ident in self._lookup

    def index_of(self, ident: str, key: Callable[[str], str] | None = None) -> int:
        """The node number of ``ident``; a resident id (18 characters) not found as given is
        looked up by its person key ``key(ident)``."""
        found = self._lookup.get(ident)
        if found is None and key is not None and len(ident) == 18:
            found = self._lookup.get(key(ident))
        if found is None:
            raise NotFound("entity", ident)
        return found

    def lender_mask(self) -> np.ndarray:
        """Nodes whose losses are reported by lender: ``Lender`` nodes, or every node of a plain
        edge list (which has no lender label)."""
        if self.num_nodes and bool(np.all(self.labels == PLAIN_LABEL)):
            return np.ones(self.num_nodes, dtype=bool)
        return np.asarray(self.labels == LENDER_LABEL, dtype=bool)
