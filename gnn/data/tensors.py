r"""The tensors a model reads: node features, node types and per-relation CSR adjacencies.

One relation is stored as the CSR of its *incoming* adjacency: row ``i`` lists the sources
``j`` of the edges ``j -> i`` (sorted by ``(dst, src)``), with the edges' attributes in the same
order, so that aggregating messages is one sparse-dense product
:math:`\mathrm{mean}_{j \to i}\, g_{ji} h_j = (\tilde A_r H)_i` with
:math:`\tilde A_r[i, j] = g_{ji} / |N_r(i)|`. ``deg`` carries each row's degree *in the full
graph*, which the degree scaler of the convolution uses, so that a sampled or occluded
neighbourhood is scaled like the full one it stands for.

The same :class:`GraphBatch` holds the whole graph, a neighbour-sampled subgraph, or a batch of
ego-graph copies for explanations: the model cannot tell them apart.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch

__all__ = ["GraphBatch", "RelAdj", "build_batch", "csr", "gated_spmm", "rel_adj", "scatter_rows"]


def csr(crow: torch.Tensor, col: torch.Tensor, values: torch.Tensor,
        shape: tuple[int, int]) -> torch.Tensor:
    """A sparse CSR tensor (torch flags CSR support as beta; the warning is noise here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(crow, col, values, shape)


@dataclass(frozen=True, eq=False)
class RelAdj:
    """One relation's incoming adjacency over ``n`` destination rows and ``num_src`` columns."""

    crow: torch.Tensor  # (n + 1,) int64
    col: torch.Tensor  # (E,) int64
    attr: torch.Tensor  # (E, d) float32
    deg: torch.Tensor  # (n,) float32: the full-graph in-degree of each row
    num_src: int

    @property
    def num_edges(self) -> int:
        return int(self.col.numel())

    @property
    def counts(self) -> torch.Tensor:
        """Edges present per row (may be fewer than ``deg`` after sampling or dropping)."""
        return (self.crow[1:] - self.crow[:-1]).to(torch.float32)

    @cached_property
    def rows(self) -> torch.Tensor:
        """The row of every edge, ``(E,)``."""
        return torch.repeat_interleave(torch.arange(self.crow.numel() - 1), self.crow.diff())

    @cached_property
    def nonempty(self) -> torch.Tensor:
        """The rows that have at least one edge, ``(k,)`` sorted."""
        return torch.nonzero(self.crow.diff() > 0).squeeze(-1)

    @cached_property
    def compact(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(crow_c, edge_row_c)``: the CSR over the non-empty rows only (``(k + 1,)``) and
        each edge's row in it (``(E,)``); products then yield ``(k, H)``, not ``(n, H)``."""
        k = self.nonempty.numel()
        crow_c = torch.cat([self.crow.index_select(0, self.nonempty),
                            self.crow[-1:]]) if k else torch.zeros(1, dtype=torch.int64)
        return crow_c, torch.repeat_interleave(torch.arange(k), crow_c.diff())

    @cached_property
    def row_degree(self) -> tuple[torch.Tensor, torch.Tensor]:
        r"""Per non-empty row, ``(d, log(1 + d))`` of its full-graph in-degree, ``(k, 1)`` each
        (the degree scalers' inputs, computed once per adjacency)."""
        d = self.deg.index_select(0, self.nonempty).unsqueeze(-1)
        return d, torch.log1p(d)

    @cached_property
    def attr_summary(self) -> torch.Tensor:
        r"""Per non-empty row, the mean of its edges' attributes and :math:`\log(1 + \sum)` of
        them (a total, e.g. all guarantees against a guarantor's net assets), ``(k, 2d)``."""
        crow_c, edge_row = self.compact
        k, e, d = crow_c.numel() - 1, self.num_edges, self.attr.shape[1]
        if d == 0 or k == 0:
            return torch.zeros(k, 2 * d)
        ones = torch.ones(e)
        total = csr(crow_c, torch.arange(e), ones, (k, e)) @ self.attr
        mean = total / crow_c.diff().to(torch.float32).unsqueeze(-1)
        return torch.cat([mean, torch.log1p(total.clamp(min=0))], dim=-1)

    @cached_property
    def transpose(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(perm, crow_t, col_t)``: the CSR of the transposed compact pattern (``num_src``
        rows, columns = compact rows), with ``perm`` mapping its entries to this relation's
        edges (for the backward pass)."""
        _, edge_row = self.compact
        perm = torch.from_numpy(np.lexsort((edge_row.numpy(), self.col.numpy())))
        crow_t = torch.zeros(self.num_src + 1, dtype=torch.int64)
        crow_t[1:] = torch.cumsum(torch.bincount(self.col, minlength=self.num_src), 0)
        return perm, crow_t, edge_row.index_select(0, perm)

    def select_rows(self, rows: torch.Tensor) -> RelAdj:
        """The relation restricted to destination ``rows`` (in that order), columns unchanged."""
        crow = self.crow.numpy()
        r = rows.numpy()
        start = crow[r]
        cnt = crow[r + 1] - start
        pos = np.repeat(start, cnt) + np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt,
                                                                              cnt)
        new = np.zeros(len(r) + 1, dtype=np.int64)
        np.cumsum(cnt, out=new[1:])
        p = torch.from_numpy(pos)
        return RelAdj(torch.from_numpy(new), self.col.index_select(0, p),
                      self.attr.index_select(0, p), self.deg.index_select(0, rows), self.num_src)

    def keep(self, mask: torch.Tensor) -> RelAdj:
        """The same relation with only the edges where ``mask`` is true."""
        rows = self.rows[mask]
        crow = torch.zeros_like(self.crow)
        crow[1:] = torch.cumsum(torch.bincount(rows, minlength=self.crow.numel() - 1), 0)
        return RelAdj(crow, self.col[mask], self.attr[mask], self.deg, self.num_src)


@dataclass(frozen=True, eq=False)
class GraphBatch:
    """``x`` (``(n, F)``), ``node_type`` (``(n,)``, 0 enterprise, 1 person) and relations."""

    x: torch.Tensor
    node_type: torch.Tensor
    rels: Mapping[str, RelAdj]

    @property
    def num_nodes(self) -> int:
        return int(self.x.shape[0])

    def without_edges(self) -> GraphBatch:
        """Every node isolated: what the model says from a node's own features alone."""
        return GraphBatch(self.x, self.node_type, {})

    def drop_edges(self, p: float, generator: torch.Generator) -> GraphBatch:
        """DropEdge: each edge kept with probability ``1 - p`` (independently)."""
        if p <= 0:
            return self
        rels = {name: adj.keep(torch.rand(adj.num_edges, generator=generator) >= p)
                for name, adj in self.rels.items()}
        return GraphBatch(self.x, self.node_type, rels)


def rel_adj(src: np.ndarray, dst: np.ndarray, attr: np.ndarray, num_dst: int, num_src: int,
            deg: np.ndarray | None = None) -> RelAdj:
    """Build one relation's incoming CSR from edge arrays (any order)."""
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    order = np.lexsort((src, dst))
    counts = np.bincount(dst, minlength=num_dst)
    crow = np.zeros(num_dst + 1, dtype=np.int64)
    np.cumsum(counts, out=crow[1:])
    full = counts if deg is None else deg
    return RelAdj(torch.from_numpy(crow), torch.from_numpy(src[order]),
                  torch.from_numpy(np.ascontiguousarray(attr[order], dtype=np.float32)),
                  torch.from_numpy(np.asarray(full, dtype=np.float32)), num_src)


def build_batch(x: np.ndarray, node_type: np.ndarray,
                edges: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
                deg: Mapping[str, np.ndarray] | None = None) -> GraphBatch:
    """A batch over ``len(x)`` nodes from per-relation ``(src, dst, attr)`` arrays."""
    n = len(x)
    rels = {name: rel_adj(s, d, a, n, n, None if deg is None else deg[name])
            for name, (s, d, a) in edges.items()}
    return GraphBatch(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)),
                      torch.from_numpy(np.asarray(node_type, dtype=np.int64)), rels)


class _GatedSpmm(torch.autograd.Function):
    """``A(values) @ h`` over the non-empty rows of a fixed CSR pattern, differentiable in
    ``values`` and ``h``.

    torch's own CSR backward for ``values`` builds a dense ``n x n`` intermediate; here the
    gradient is :math:`\\partial L / \\partial v_e = \\langle G_{row(e)}, h_{col(e)} \rangle` per
    edge and :math:`\\partial L / \\partial h = A^\top G` through the transposed pattern."""

    @staticmethod
    def forward(ctx, values: torch.Tensor, h: torch.Tensor,  # type: ignore[override]
                adj: RelAdj) -> torch.Tensor:
        ctx.adj = adj
        ctx.save_for_backward(values, h)
        crow_c, _ = adj.compact
        return csr(crow_c, adj.col, values, (crow_c.numel() - 1, adj.num_src)) @ h

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        values, h = ctx.saved_tensors
        adj: RelAdj = ctx.adj
        grad_values = grad_h = None
        crow_c, edge_row = adj.compact
        if ctx.needs_input_grad[0]:
            grad_values = (grad.index_select(0, edge_row) * h.index_select(0, adj.col)).sum(-1)
        if ctx.needs_input_grad[1]:
            perm, crow_t, col_t = adj.transpose
            k = crow_c.numel() - 1
            grad_h = csr(crow_t, col_t, values.index_select(0, perm), (adj.num_src, k)) @ grad
        return grad_values, grad_h, None


def gated_spmm(values: torch.Tensor, h: torch.Tensor, adj: RelAdj) -> torch.Tensor:
    r""":math:`(A_v h)_i = \sum_{e: row(e) = i} v_e h_{col(e)}` for the non-empty rows
    ``adj.nonempty`` only: ``(k, H)``."""
    if not (values.requires_grad or h.requires_grad):
        crow_c, _ = adj.compact
        return csr(crow_c, adj.col, values, (crow_c.numel() - 1, adj.num_src)) @ h
    return _GatedSpmm.apply(values, h, adj)  # type: ignore[no-any-return]


class _ScatterRows(torch.autograd.Function):
    """``out[rows[k]] += upd[k]`` as one CSR product (thread-friendly; index_add is not)."""

    @staticmethod
    def forward(ctx, upd: torch.Tensor, rows: torch.Tensor,  # type: ignore[override]
                n: int) -> torch.Tensor:
        ctx.save_for_backward(rows)
        order = torch.sort(rows, stable=True).indices
        crow = torch.zeros(n + 1, dtype=torch.int64)
        crow[1:] = torch.cumsum(torch.bincount(rows, minlength=n), 0)
        ones = torch.ones(rows.numel(), dtype=upd.dtype)
        return csr(crow, order, ones, (n, upd.shape[0])) @ upd

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        (rows,) = ctx.saved_tensors
        return grad.index_select(0, rows), None, None


def scatter_rows(upd: torch.Tensor, rows: torch.Tensor, n: int) -> torch.Tensor:
    """An ``(n, H)`` tensor with ``upd[k]`` added into row ``rows[k]`` (rows may repeat)."""
    return _ScatterRows.apply(upd, rows, n)  # type: ignore[no-any-return]
