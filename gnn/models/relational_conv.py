r"""RelationalSAGEConv: relation-typed GraphSAGE with edge-attribute gates and a degree scaler.

For node :math:`i` and relations :math:`r` (guarantees, holds_shares, ...), with incoming
neighbours :math:`N_r(i)` and edge attributes :math:`e_{ji}`:

.. math::
    g_{ji} &= \mathrm{softplus}(a_r^\top e_{ji} + b_r) \\
    m_{r,i} &= \Big[\, \frac{1}{|N_r(i)|} \sum_{j \in N_r(i)} g_{ji}\, h_j \;\Big\|\;
               \frac{1}{|N_r(i)|} \sum_{j \in N_r(i)} e_{ji} \;\Big\|\;
               \log\big(1 + \textstyle\sum_{j \in N_r(i)} e_{ji}\big) \,\Big] \\
    s_{r,i} &= \log(1 + d_{r,i}) / \delta_r \\
    h_i' &= \mathrm{LayerNorm}\Big(h_i + \mathrm{Dropout}\big(\mathrm{ReLU}\big(W_0 h_i + b
            + \textstyle\sum_{r:\,N_r(i) \neq \emptyset} W_r\, \big(m_{r,i} \odot
            (1 + s_{r,i}\, c_r)\big)\big)\big)\Big)

This is GraphSAGE's mean aggregator (Hamilton et al., NeurIPS 2017) with one weight matrix per
relation as in R-GCN (Schlichtkrull et al., ESWC 2018), a scalar gate per edge computed from its
attributes (a guarantee's size against the guarantor's net assets, an equity ratio, a family
relation; softplus, so unbounded: a guarantee of twice the guarantor's net assets can weigh
more than one of half, not merely "fully"), attributes which also enter the message through
their mean and the log of their sum (the total guaranteed against a party's net assets), and
PNA's logarithmic degree
scaler (Corso et al., NeurIPS 2020), weighted per channel by a learned :math:`c_r` (zero at
start: a plain mean), so that the number of defaulted counterparties, not just their share,
can matter. :math:`d_{r,i}` is the full-graph in-degree and :math:`\delta_r` the mean of
:math:`\log(1 + d)` over nodes with neighbours in the training graph (a buffer), so sampled
and full neighbourhoods are scaled alike.

Aggregation is a sparse CSR times dense product per relation (:math:`O(E_r H)`), and
:math:`W_r` is applied only to rows that have neighbours in ``r``.

Args:
    channels: hidden size :math:`H` (input and output).
    rel_dims: relation name -> edge attribute width (0: no gate, :math:`g = 1`).
    dropout: dropout on the update.

Shapes: ``h`` ``(n_src, H)`` (and ``h_dst`` ``(n, H)``) -> ``(n, H)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from gnn.data.tensors import RelAdj, gated_spmm, scatter_rows

__all__ = ["RelationalSAGEConv"]

_SOFTPLUS_ONE = math.log(math.e - 1)  # softplus(x) = 1


def _unit_gate(width: int) -> nn.Linear:
    """A gate that starts at :math:`g = 1` for every edge (a plain mean)."""
    lin = nn.Linear(width, 1)
    nn.init.zeros_(lin.weight)
    nn.init.constant_(lin.bias, _SOFTPLUS_ONE)
    return lin


class RelationalSAGEConv(nn.Module):
    delta: torch.Tensor

    def __init__(self, channels: int, rel_dims: Mapping[str, int], dropout: float) -> None:
        super().__init__()
        self.channels = channels
        self.rel_names = tuple(rel_dims)
        self.lin_self = nn.Linear(channels, channels)
        self.lin_rel = nn.ModuleDict({r: nn.Linear(channels + 2 * d, channels, bias=False)
                                      for r, d in rel_dims.items()})
        self.amp = nn.ParameterDict({r: nn.Parameter(torch.zeros(channels + 2 * d))
                                     for r, d in rel_dims.items()})
        self.gate = nn.ModuleDict({r: _unit_gate(d) for r, d in rel_dims.items() if d > 0})
        self.register_buffer("delta", torch.ones(len(self.rel_names)))
        self.norm = nn.LayerNorm(channels)
        self.dropout = nn.Dropout(dropout)

    def gates(self, name: str, adj: RelAdj) -> torch.Tensor:
        """:math:`g_{ji}` for every edge of relation ``name``, ``(E,)``."""
        if name in self.gate:
            return F.softplus(self.gate[name](adj.attr)).squeeze(-1)
        return torch.ones(adj.num_edges)

    def aggregate(self, name: str, adj: RelAdj, h: torch.Tensor) -> torch.Tensor:
        """:math:`m_{r,i}` for the rows with neighbours (``adj.nonempty``), ``(k, H)``."""
        crow_c, edge_row = adj.compact
        counts = crow_c.diff().to(h.dtype)
        values = self.gates(name, adj) / counts.index_select(0, edge_row)
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
            m = self.aggregate(name, adj, h)
            if adj.attr.shape[1]:
                m = torch.cat([m, adj.attr_summary], dim=-1)
            scale = torch.log1p(adj.deg.index_select(0, rows)) / self.delta[k]
            updates.append(self.lin_rel[name](m * (1 + scale.unsqueeze(-1) * self.amp[name])))
            at.append(rows)
        if updates:
            out = out + scatter_rows(torch.cat(updates), torch.cat(at), out.shape[0])
        return self.norm(h_dst + self.dropout(torch.relu(out)))
