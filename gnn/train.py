r"""Training the contagion GNN: seeded, with early stopping on the validation split.

The loss is the mean binary cross-entropy over the *training* targets only,

.. math:: \mathcal{L} = -\frac{1}{|T|} \sum_{i \in T} y_i \log \sigma(z_i)
          + (1 - y_i) \log(1 - \sigma(z_i)),

minimised with Adam and weight decay. No label reaches the model any other way: node
features are pre-``as_of`` facts (:mod:`gnn.data.node_features`), so a validation or test
entity's label enters neither its neighbours' inputs nor the loss. After every epoch the
validation ROC-AUC is measured (full neighbourhoods); the weights of the best epoch are kept,
and training stops after ``patience`` epochs without improvement.

Two paths, same model: **mini-batch** (the default: neighbour-sampled computation graphs of
``batch_size`` seeds per step, see :mod:`gnn.sampling`; many optimiser steps per pass over the
targets, so it converges in a few epochs) and **full graph** (one forward over every node and
one step per epoch, with DropEdge). Validation runs on full neighbourhoods: a forward over the
whole graph trimmed to the validation rows, or layer-wise chunks above
``full_graph_max_edges``. The weights are Polyak-averaged (:class:`_Ema`).

Reproducibility: ``torch.manual_seed``, a seeded generator for DropEdge and sampling,
deterministic algorithms and a fixed number of threads, all restored afterwards.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from gnn.config import GnnConfig
from gnn.data.prepare import PreparedGraph, relation_dims
from gnn.data.targets import Split, Targets
from gnn.data.tensors import GraphBatch
from gnn.models.contagion_gnn import ContagionGNN
from gnn.sampling import NeighbourSampler, layerwise_logits

__all__ = ["EpochRecord", "TrainedGNN", "predict_logits", "torch_session", "train_gnn"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int, dict[str, float]], None]  # (epoch, max epochs, stats)


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    loss: float
    val_roc_auc: float
    val_log_loss: float
    seconds: float


@dataclass(frozen=True, eq=False)
class TrainedGNN:
    model: ContagionGNN
    mode: str
    best_epoch: int
    history: list[EpochRecord] = field(default_factory=list)
    seconds: float = 0.0


@contextlib.contextmanager
def torch_session(threads: int, seed: int | None = None) -> Iterator[None]:
    """Fixed threads, deterministic algorithms and (optionally) the seed; restored on exit."""
    prev_threads = torch.get_num_threads()
    prev_det = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(max(1, threads))
    torch.use_deterministic_algorithms(True, warn_only=True)
    if seed is not None:
        torch.manual_seed(seed)
    try:
        yield
    finally:
        torch.set_num_threads(prev_threads)
        torch.use_deterministic_algorithms(prev_det)


CACHE_CHUNK = 16_384
"""Rows per chunk of layer-wise inference on a large graph (measured fastest on this CPU)."""


def predict_logits(model: ContagionGNN, batch: GraphBatch, chunk: int | None = None,
                   rows: torch.Tensor | None = None) -> np.ndarray:
    """Logits of every node of ``batch`` (or of ``rows``), in eval mode; layer-wise over
    chunks of rows when ``chunk`` is given, or when the graph has more than twice
    ``CACHE_CHUNK`` nodes (the same sums: rows of one chunk keep a layer's working set in the
    CPU cache, about 1.5x faster than one pass over every row; see bench/results/gnn.md)."""
    if chunk is None and rows is None and batch.num_nodes > 2 * CACHE_CHUNK:
        chunk = CACHE_CHUNK
    was = model.training
    model.eval()
    with torch.no_grad():
        z = layerwise_logits(model, batch, chunk) if chunk else model(batch, rows)
    model.train(was)
    return z.numpy().astype(np.float64)


def _val_stats(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    p = 1 / (1 + np.exp(-z))
    pc = np.clip(p, 1e-7, 1 - 1e-7)
    ll = float(-np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc)))
    auc = float(roc_auc_score(y, z)) if len(np.unique(y)) == 2 else -ll
    return auc, ll


class _Ema:
    r"""Polyak averaging of the weights (Polyak & Juditsky 1992):
    :math:`\bar\theta \leftarrow d_t \bar\theta + (1 - d_t) \theta` after every step, with
    :math:`d_t = \min(d, (1 + t) / (10 + t))` so early steps are not stuck at the start. The
    averaged weights are what validation sees and what is kept: smoother, better calibrated."""

    def __init__(self, model: ContagionGNN, decay: float) -> None:
        self.decay = decay
        self.steps = 0
        self.params = [p.detach().clone() for p in model.parameters()]

    def update(self, model: ContagionGNN) -> None:
        self.steps += 1
        d = min(self.decay, (1 + self.steps) / (10 + self.steps))
        with torch.no_grad():
            for avg, p in zip(self.params, model.parameters(), strict=True):
                avg.mul_(d).add_(p.detach(), alpha=1 - d)

    @contextlib.contextmanager
    def applied(self, model: ContagionGNN) -> Iterator[None]:
        """The model with the averaged weights inside the block, its own weights after."""
        own = [p.detach().clone() for p in model.parameters()]
        with torch.no_grad():
            for p, avg in zip(model.parameters(), self.params, strict=True):
                p.copy_(avg)
        try:
            yield
        finally:
            with torch.no_grad():
                for p, mine in zip(model.parameters(), own, strict=True):
                    p.copy_(mine)


def train_gnn(data: PreparedGraph, targets: Targets, split: Split, cfg: GnnConfig,
              progress: Progress | None = None) -> TrainedGNN:
    """Train a :class:`ContagionGNN` on ``split.train``, early-stopped on ``split.val``."""
    tc = cfg.train
    mode = tc.mode
    started = time.perf_counter()
    with torch_session(tc.threads, tc.seed):
        full = data.batch
        model = ContagionGNN(full.x.shape[1], relation_dims(), cfg.model)
        model.fit_degree_scale(full.rels)
        opt = torch.optim.Adam(model.parameters(), lr=tc.lr, weight_decay=tc.weight_decay)
        ema = _Ema(model, tc.ema_decay)
        gen = torch.Generator().manual_seed(tc.seed)
        y = torch.from_numpy(np.nan_to_num(targets.y).astype(np.float32))
        train_idx = torch.from_numpy(split.train)
        val_idx = torch.from_numpy(split.val)
        y_val = targets.y[split.val]
        sampler = (NeighbourSampler(full, cfg.sampling.fanouts[:cfg.model.layers], tc.seed)
                   if mode == "minibatch" else None)
        # validation: trimmed full-graph forward where the graph fits, else layer-wise chunks
        chunk = (cfg.sampling.inference_batch_size
                 if data.party.num_edges() > tc.full_graph_max_edges else None)
        best, best_state, best_epoch, waited = -np.inf, None, 0, 0
        history: list[EpochRecord] = []
        loss_fn = torch.nn.BCEWithLogitsLoss()

        def step(batch: GraphBatch, rows: torch.Tensor, target: torch.Tensor) -> float:
            opt.zero_grad()
            loss = loss_fn(model(batch.drop_edges(tc.drop_edge, gen), rows=rows), target)
            loss.backward()
            opt.step()
            ema.update(model)
            return loss.item()

        for epoch in range(1, tc.epochs + 1):
            t0 = time.perf_counter()
            model.train()
            if sampler is None:
                epoch_loss = step(full, train_idx, y.index_select(0, train_idx))
            else:
                epoch_loss = float(np.mean([
                    step(sub, torch.from_numpy(local), y.index_select(0, torch.from_numpy(seeds)))
                    for sub, local, seeds in sampler.batches(split.train,
                                                             cfg.sampling.batch_size)]))
            with ema.applied(model):
                z_val = (predict_logits(model, full, rows=val_idx) if chunk is None
                         else predict_logits(model, full, chunk)[split.val])
                auc, ll = _val_stats(z_val, y_val)
                score = auc if tc.select_by == "roc_auc" else -ll
                if score > best + 1e-6:
                    best, best_epoch, waited = score, epoch, 0
                    best_state = copy.deepcopy(model.state_dict())
                else:
                    waited += 1
            history.append(EpochRecord(epoch, epoch_loss, auc, ll, time.perf_counter() - t0))
            if progress:
                progress(epoch, tc.epochs, {"loss": epoch_loss, "val_auc": auc, "best": best})
            if waited >= tc.patience and epoch >= tc.min_epochs:
                log.info("early stop at epoch %d (best %d, val AUC %.4f)", epoch, best_epoch, best)
                break
        if best_state is not None:
            model.load_state_dict(best_state)
        model.eval()
    return TrainedGNN(model, mode, best_epoch, history, time.perf_counter() - started)
