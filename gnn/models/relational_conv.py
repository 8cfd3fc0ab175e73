r"""RelationalSAGEConv: relation-typed GraphSAGE with edge-attribute gates and a degree scaler.

For node :math:`i` and relations :math:`r` (guarantees, holds_shares, ...), with incoming
neighbours :math:`N_r(i)` and edge attributes :math:`e_{ji}`:

.. math::
    g_{ji} &= \sigma(a_r^\top e_{ji} + b_r) \\
    m_{r,i} &= \frac{1}{|N_r(i)|} \sum_{j \in N_r(i)} g_{ji}\, h_j \\
    s_{r,i} &= \log(1 + d_{r,i}) / \delta_r \\
    h_i' &= \mathrm{LayerNorm}\Big(h_i + \mathrm{Dropout}\big(\mathrm{ReLU}\big(W_0 h_i + b
            + \textstyle\sum_{r:\,N_r(i) \neq \emptyset} W_r\, \big(m_{r,i} \odot
            (1 + s_{r,i}\, c_r)\big)
            \big)\big)\Big)

This is GraphSAGE's mean aggregator (Hamilton et al., NeurIPS 2017) with one weight matrix per
relation as in R-GCN (Schlichtkrull et al., ESWC 2018), a scalar gate per edge computed from its
attributes (a guarantee's size against the guarantor's net assets, an equity ratio, a family
relation), and PNA's logarithmic degree scaler (Corso et al., NeurIPS 2020), weighted per
channel by a learned :math:`c_r \in \mathbb{R}^H` (zero at start: a plain mean), so that the
number of defaulted counterparties, not just their share, can matter. :math:`d_{r,i}` is the
full-graph in-degree and :math:`\delta_r` the mean of :math:`\log(1 + d)` over nodes with
neighbours in the training graph (a buffer), so sampled and full neighbourhoods are scaled
alike.

Aggregation is a sparse CSR times dense product per relation (:math:`O(E_r H)`), and
:math:`W_r` is applied only to rows that have neighbours in ``r``.

Args:
    channels: hidden size :math:`H` (input and output).
    rel_dims: relation name -> edge attribute width (0: no gate, :math:`g = 1`).
    dropout: dropout on the update.

Shapes: ``h`` ``(n_src, H)`` (and ``h_dst`` ``(n, H)``) -> ``(n, H)``.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from gnn.data.tensors import RelAdj, gated_spmm, scatter_rows

__all__ = ["RelationalSAGEConv"]


class RelationalSAGEConv(nn.Module):
    def __init__(self, channels: int, rel_dims: Mapping[str, int], dropout: float) -> None:
        super().__init__()
        self.channels = channels
        self.rel_names = tuple(rel_dims)
        self.lin_self = nn.Linear(channels, channels)
        self.lin_rel = nn.ModuleDict({r: nn.Linear(channels, channels, bias=False)
                                      for r in self.rel_names})
        self.amp = nn.ParameterDict({r: nn.Parameter(torch.zeros(channels))
                                     for r in self.rel_names})
        self.gate = nn.ModuleDict({r: nn.Linear(d, 1) for r, d in rel_dims.items() if d > 0})
        self.register_buffer("delta", torch.ones(len(self.rel_names)))
        self.norm = nn.LayerNorm(channels)
        self.dropout = nn.Dropout(dropout)

    def gates(self, name: str, adj: RelAdj) -> torch.Tensor:
        """:math:`g_{ji}` for every edge of relation ``name``, ``(E,)``."""
        if name in self.gate:
            return torch.sigmoid(self.gate[name](adj.attr)).squeeze(-1)
        return torch.ones(adj.num_edges)

    def aggregate(self, name: str, adj: RelAdj, h: torch.Tensor) -> torch.Tensor:
        """:math:`m_{r,i}` for every row, ``(n, H)`` (zero rows where no neighbours)."""
        counts = adj.counts.clamp(min=1.0)
        values = self.gates(name, adj) / counts.index_select(0, adj.rows)
        return gated_spmm(values, h, adj)

    def forward(self, h: torch.Tensor, rels: Mapping[str, RelAdj],
                h_dst: torch.Tensor | None = None) -> torch.Tensor:
        """``h``: every source row; ``h_dst``: the destination rows when they are a subset
        (layer-wise inference over a chunk of rows), else ``h`` itself."""
        h_dst = h if h_dst is None else h_dst
        out = self.lin_self(h_dst)
        updates, at = [], []
        for k, name in enumerate(self.rel_names):
            adj = rels.get(name)
            if adj is None or adj.num_edges == 0:
                continue
            rows = adj.nonempty
            m = self.aggregate(name, adj, h).index_select(0, rows)
            scale = torch.log1p(adj.deg.index_select(0, rows)) / self.delta[k]
            updates.append(self.lin_rel[name](m * (1 + scale.unsqueeze(-1) * self.amp[name])))
            at.append(rows)
        if updates:
            out = out + scatter_rows(torch.cat(updates), torch.cat(at), out.shape[0])
        return self.norm(h_dst + self.dropout(torch.relu(out)))
