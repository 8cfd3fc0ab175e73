"""The relational GNN: exact gradients through the sparse products, and the same scores on the
full-graph path, the layer-wise (beyond-memory) path, trimmed outputs and sampled subgraphs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import gnn.train
from gnn.config import ModelConfig
from gnn.data import build_batch, relation_dims
from gnn.data.tensors import GraphBatch, gated_spmm, rel_adj, scatter_rows
from gnn.models import ContagionGNN
from gnn.sampling import NeighbourSampler, layerwise_logits

#: float32 agreement of the full-graph and the layer-wise / sampled paths (stated in docs/gnn.md)
TOLERANCE = 1e-5


def random_graph(n: int = 300, m: int = 1200, seed: int = 0) -> GraphBatch:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 12)).astype(np.float32)
    node_type = (np.arange(n) >= n * 2 // 3).astype(np.int64)
    edges = {}
    for k, (name, width) in enumerate(relation_dims().items()):
        e = m // (k + 1)
        src, dst = rng.integers(0, n, e), rng.integers(0, n, e)
        ok = src != dst
        pairs = np.unique(np.stack([src[ok], dst[ok]], 1), axis=0)
        edges[name] = (pairs[:, 0], pairs[:, 1], rng.random((len(pairs), width)))
    return build_batch(x, node_type, edges)


def model_for(batch: GraphBatch, seed: int = 0) -> ContagionGNN:
    torch.manual_seed(seed)
    model = ContagionGNN(batch.x.shape[1], relation_dims(), ModelConfig(hidden=16, head_hidden=16))
    model.fit_degree_scale(batch.rels)
    for conv in model.convs:  # non-zero degree scalers, so the test exercises them
        for p in conv.amp.values():
            torch.nn.init.normal_(p, std=0.5)
    return model.eval()


def test_gated_sparse_product_has_exact_gradients() -> None:
    adj = rel_adj(np.array([0, 1, 2, 2, 0, 3]), np.array([1, 1, 0, 2, 3, 3]), np.zeros((6, 0)),
                  5, 5)
    v = torch.rand(6, dtype=torch.float64, requires_grad=True)
    h = torch.randn(5, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v, h: gated_spmm(v, h, adj), (v, h))
    upd = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    rows = torch.tensor([2, 0, 2, 4])
    assert torch.autograd.gradcheck(lambda u: scatter_rows(u, rows, 5), (upd,))


def test_an_edge_gate_is_trained_by_the_loss() -> None:
    batch = random_graph()
    model = model_for(batch).train()
    model(batch).sum().backward()
    gate = model.convs[0].gate["guarantees"].weight.grad
    assert gate is not None and float(gate.abs().sum()) > 0


def test_trimmed_outputs_equal_the_full_forward() -> None:
    batch = random_graph()
    model = model_for(batch)
    rows = torch.tensor([5, 17, 3, 250, 299])
    with torch.no_grad():
        full = model(batch)
        some = model(batch, rows)
    assert torch.allclose(full[rows], some, atol=TOLERANCE)


def test_layerwise_inference_equals_the_full_graph() -> None:
    batch = random_graph()
    model = model_for(batch)
    with torch.no_grad():
        full = model(batch)
    for chunk in (64, 1000):
        assert torch.allclose(layerwise_logits(model, batch, chunk), full, atol=TOLERANCE)


def test_scoring_on_a_large_graph_runs_in_chunks_with_the_same_logits(
        monkeypatch: pytest.MonkeyPatch) -> None:
    batch = random_graph()
    model = model_for(batch).eval()
    with torch.no_grad():
        full = model(batch).numpy()
    monkeypatch.setattr(gnn.train, "CACHE_CHUNK", 50)  # the graph is "large": 300 > 2 x 50
    calls: list[int] = []
    real = gnn.train.layerwise_logits
    monkeypatch.setattr(gnn.train, "layerwise_logits",
                        lambda m, b, chunk: calls.append(chunk) or real(m, b, chunk))
    z = gnn.train.predict_logits(model, batch)
    assert calls == [50]
    assert np.allclose(z, full, atol=TOLERANCE)


def test_full_neighbourhood_samples_give_the_full_graph_scores() -> None:
    batch = random_graph()
    model = model_for(batch)
    with torch.no_grad():
        full = model(batch)
    sampler = NeighbourSampler(batch, (10_000, 10_000), seed=1)
    seeds = np.array([0, 9, 123, 200, 299])
    sub, local = sampler.sample(seeds)
    with torch.no_grad():
        z = model(sub)[torch.from_numpy(local)]
    assert torch.allclose(z, full[torch.from_numpy(seeds)], atol=TOLERANCE)


def test_sampling_caps_the_fanout_and_is_seeded() -> None:
    batch = random_graph(n=200, m=3000)
    a = NeighbourSampler(batch, (3, 2), seed=5).sample(np.array([1, 2, 3]))[0]
    b = NeighbourSampler(batch, (3, 2), seed=5).sample(np.array([1, 2, 3]))[0]
    for name, adj in a.rels.items():
        assert torch.equal(adj.col, b.rels[name].col)
        if adj.num_edges:
            assert int(adj.crow.diff().max()) <= 3 + 2  # a node reached at both hops
    assert a.num_nodes < batch.num_nodes


def test_an_isolated_node_depends_on_its_own_features_only() -> None:
    batch = random_graph()
    model = model_for(batch)
    alone = batch.without_edges()
    with torch.no_grad():
        z = model(alone)
        x2 = alone.x.clone()
        x2[10:] += 1.0
        z2 = model(GraphBatch(x2, alone.node_type, {}))
    assert torch.allclose(z[:10], z2[:10])


@pytest.mark.parametrize("threads", [1, 2])
def test_the_same_seed_gives_the_same_model(threads: int) -> None:
    from gnn.train import torch_session

    batch = random_graph()
    outs = []
    for _ in range(2):
        with torch_session(threads, seed=11):
            model = ContagionGNN(batch.x.shape[1], relation_dims(), ModelConfig(hidden=8))
            opt = torch.optim.Adam(model.parameters(), lr=0.01)
            for _ in range(3):
                opt.zero_grad()
                model(batch).pow(2).mean().backward()
                opt.step()
            with torch.no_grad():
                outs.append(model.eval()(batch))
    assert torch.equal(outs[0], outs[1])
