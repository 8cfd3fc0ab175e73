r"""The mini-batch path: neighbour-sampled training batches and layer-wise full inference.

**Sampling** (GraphSAGE, Hamilton et al. 2017): for a batch of seed nodes, hop ``k`` draws up
to ``fanouts[k]`` incoming neighbours per node *and relation*, uniformly without replacement
(all of them when there are fewer), from the frontier of hop ``k - 1``. The batch is the
union of the sampled edges over the reached nodes; rows keep their full-graph degree for the
degree scaler. The seeds' outputs depend only on what ``L`` hops of sampling reached, so an
``L``-layer model trained on these batches sees an unbiased sample of each seed's computation
graph. PyG's ``NeighborLoader`` does the same but needs ``pyg-lib`` or ``torch-sparse``
(compiled extensions not installed here); this sampler is vectorised numpy over the same CSR
the full-graph path uses, and seeded.

**Layer-wise inference** (full neighbourhoods): layer ``l + 1`` is computed for every node,
chunk of rows by chunk of rows, from layer ``l`` of all nodes. Each row sums exactly the same
terms in the same order as the full-graph product, so scores agree with the full-graph path to
float32 rounding (tested at ``1e-5``). Memory is ``O(n H)`` for one layer of embeddings plus
one chunk of the adjacency; the embeddings can live in a memory-mapped file for graphs beyond
RAM, and chunks are independent, so they can be spread over processes or machines (see
``docs/gnn.md``).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from gnn.data.tensors import GraphBatch, RelAdj
from gnn.models.contagion_gnn import ContagionGNN

__all__ = ["NeighbourSampler", "edge_positions", "layerwise_logits", "slice_rows"]


class NeighbourSampler:
    """Samples ``L``-hop computation graphs of seed nodes from a full :class:`GraphBatch`."""

    def __init__(self, full: GraphBatch, fanouts: tuple[int, ...], seed: int) -> None:
        self.full = full
        self.fanouts = fanouts
        self.rng = np.random.default_rng(seed)
        self._np = {name: (adj.crow.numpy(), adj.col.numpy()) for name, adj in full.rels.items()}

    def batches(self, nodes: np.ndarray,
                batch_size: int) -> Iterator[tuple[GraphBatch, np.ndarray, np.ndarray]]:
        """Shuffled batches of ``nodes``: ``(subgraph, local index of the seeds, seeds)``."""
        order = nodes[self.rng.permutation(len(nodes))]
        for start in range(0, len(order), batch_size):
            seeds = np.sort(order[start:start + batch_size])
            sub, local = self.sample(seeds)
            yield sub, local, seeds

    def sample(self, seeds: np.ndarray) -> tuple[GraphBatch, np.ndarray]:
        frontier = np.unique(seeds)
        reached = [frontier]
        picked: dict[str, list[np.ndarray]] = {name: [] for name in self._np}
        for fanout in self.fanouts:
            nxt = []
            for name, (crow, col) in self._np.items():
                pos = _sample_rows(crow, frontier, fanout, self.rng)
                if len(pos):
                    picked[name].append(pos)
                    nxt.append(col[pos])
            if not nxt:
                break
            frontier = np.unique(np.concatenate(nxt))
            reached.append(frontier)
        nodes = np.unique(np.concatenate(reached))
        rels: dict[str, RelAdj] = {}
        for name, parts in picked.items():
            full = self.full.rels[name]
            crow, col = self._np[name]
            pos = np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
            dst = np.searchsorted(crow, pos, side="right") - 1
            src = col[pos]
            rels[name] = _local_adj(full, nodes, src, dst, pos)
        t = torch.from_numpy(nodes)
        batch = GraphBatch(self.full.x.index_select(0, t), self.full.node_type.index_select(0, t),
                           rels)
        return batch, np.searchsorted(nodes, seeds)


def edge_positions(crow: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The positions of every edge of ``rows`` in a CSR (row by row), ``(E,)``."""
    start = crow[rows]
    cnt = crow[rows + 1] - start
    total = int(cnt.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    return np.repeat(start, cnt) + np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)


def _sample_rows(crow: np.ndarray, rows: np.ndarray, fanout: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Edge positions: up to ``fanout`` uniformly chosen edges of each row in ``rows``."""
    pos = edge_positions(crow, rows)
    cnt = crow[rows + 1] - crow[rows]
    total = len(pos)
    if total == 0 or fanout <= 0 or cnt.max() <= fanout:
        return pos
    row_of = np.repeat(np.arange(len(rows)), cnt)
    order = np.lexsort((rng.random(total), row_of))
    rank = np.empty(total, np.int64)
    rank[order] = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    return np.sort(pos[rank < fanout])


def _local_adj(full: RelAdj, nodes: np.ndarray, src: np.ndarray, dst: np.ndarray,
               pos: np.ndarray) -> RelAdj:
    n = len(nodes)
    ls, ld = np.searchsorted(nodes, src), np.searchsorted(nodes, dst)
    order = np.lexsort((ls, ld))
    crow = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(ld, minlength=n), out=crow[1:])
    return RelAdj(torch.from_numpy(crow), torch.from_numpy(ls[order]),
                  full.attr.index_select(0, torch.from_numpy(pos[order])),
                  full.deg.index_select(0, torch.from_numpy(nodes)), n)


def slice_rows(adj: RelAdj, start: int, stop: int) -> RelAdj:
    """Rows ``[start, stop)`` of a relation, columns unchanged."""
    a, b = int(adj.crow[start]), int(adj.crow[stop])
    return RelAdj(adj.crow[start:stop + 1] - a, adj.col[a:b], adj.attr[a:b],
                  adj.deg[start:stop], adj.num_src)


@torch.no_grad()
def layerwise_logits(model: ContagionGNN, full: GraphBatch, chunk: int) -> torch.Tensor:
    """Logits of every node, one layer at a time over chunks of rows (see the docstring)."""
    n = full.num_nodes
    bounds = [(s, min(n, s + chunk)) for s in range(0, n, chunk)]
    h = torch.cat([model.encode(full.x[a:b], full.node_type[a:b]) for a, b in bounds])
    hs = [h]
    for conv in model.convs:
        h = torch.cat([conv(h, {k: slice_rows(v, a, b) for k, v in full.rels.items()},
                            h_dst=h[a:b]) for a, b in bounds])
        hs.append(h)
    return torch.cat([model.readout([x[a:b] for x in hs]) for a, b in bounds])
