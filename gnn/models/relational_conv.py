r"""RelationalSAGEConv: relation-typed GraphSAGE with edge-attribute gates and a degree scaler.

For node :math:`i` and relations :math:`r` (guarantees, holds_shares, ...), with incoming
neighbours :math:`N_r(i)` and edge attributes :math:`e_{ji}`:

.. math::
    g_{ji} &= \mathrm{softplus}(a_r^\top e_{ji} + b_r) \\
    m_{r,i} &= \Big[\, \frac{1}{|N_r(i)|} \sum_{j \in N_r(i)} g_{ji}\, h_j \;\Big\|\;
               \frac{1}{|N_r(i)|} \sum_{j \in N_r(i)} e_{ji} \;\Big\|\;
               \log\big(1 + \textstyle\sum_{j \in N_r(i)} e_{ji}\big) \,\Big] \\
    s_{r,i} &= \log(1 + d_{r,i}) / \delta_r, \qquad \ell_{r,i} = d_{r,i} / \bar d_r \\
    h_i' &= \mathrm{LayerNorm}\Big(h_i + \mathrm{Dropout}\big(\mathrm{ReLU}\big(W_0 h_i + b
            + \textstyle\sum_{r:\,N_r(i) \neq \emptyset} W_r\, \big(m_{r,i} \odot
            (1 + s_{r,i}\, c_r + \ell_{r,i}\, c'_r)\big)\big)\big)\Big)

This is GraphSAGE's mean aggregator (Hamilton et al., NeurIPS 2017) with one weight matrix per
relation as in R-GCN (Schlichtkrull et al., ESWC 2018), a scalar gate per edge computed from its
attributes (a guarantee's size against the guarantor's net assets, an equity ratio, a family
relation; softplus, so unbounded: a guarantee of twice the guarantor's net assets can weigh
more than one of half, not merely "fully"), attributes which also enter the message through
their mean and the log of their sum (the total guaranteed against a party's net assets), and
PNA's logarithmic degree
scaler (Corso et al., NeurIPS 2020), weighted per channel by a learned :math:`c_r` (zero at
start: a plain mean), so that the number of defaulted counterparties, not just their share,
can matter; with ``linear_degree`` also a linear one, :math:`c'_r` (zero at start), so that
a message can read as a sum (three defaulted group members against one). :math:`d_{r,i}` is
the full-graph in-degree, :math:`\delta_r` the mean of :math:`\log(1 + d)` and :math:`\bar d_r`
the mean of :math:`d` over nodes with neighbours in the training graph (buffers), so sampled
and full neighbourhoods are scaled alike.

Aggregation is a sparse CSR times dense product per relation (:math:`O(E_r H)`), and
:math:`W_r` is applied only to rows that have neighbours in ``r``.

Args:
    channels: hidden size :math:`H` (input and output).
    rel_dims: relation name -> edge attribute width (0: no gate, :math:`g = 1`).
    dropout: dropout on the update.
    linear_degree: add the linear degree scaler :math:`\ell_{r,i}\, c'_r`.

Shapes: ``h`` ``(n_src, H)`` (and ``h_dst`` ``(n, H)``) -> ``(n, H)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from gnn.data.tensors import RelAdj, gated_spmm

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
    delta_lin: torch.Tensor

    def __init__(self, channels: int, rel_dims: Mapping[str, int], dropout: float,
                 linear_degree: bool = False) -> None:
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
        self.linear_degree = linear_degree
        if linear_degree:
            self.amp_lin = nn.ParameterDict({r: nn.Parameter(torch.zeros(channels + 2 * d))
                                             for r, d in rel_dims.items()})
            self.register_buffer("delta_lin", torch.ones(len(self.rel_names)))
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
        c = self.channels
        for k, name in enumerate(self.rel_names):
            adj = rels.get(name)
            if adj is None or adj.num_edges == 0:
                continue
            deg, log_deg = adj.row_degree
            amp = torch.addcmul(torch.ones(()), log_deg / self.delta[k], self.amp[name])
            if self.linear_degree:
                amp = torch.addcmul(amp, deg / self.delta_lin[k], self.amp_lin[name])
            weight: torch.Tensor = self.lin_rel[name].weight  # type: ignore[assignment]
            # W_r (m ⊙ amp) with m = [aggregate ‖ attribute summary], as two products so the
            # (k, H + 2d) concatenation is never built
            upd = F.linear(self.aggregate(name, adj, h) * amp[:, :c], weight[:, :c])
            if adj.attr.shape[1]:
                upd = upd + F.linear(adj.attr_summary * amp[:, c:], weight[:, c:])
            out.index_add_(0, adj.nonempty, upd)
        return self.norm(h_dst + self.dropout(torch.relu(out)))
