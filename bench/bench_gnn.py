"""GNN benchmark: training on a 100,000-enterprise portfolio, full-graph inference on 1M nodes.

Two phases, each in its own process so that its peak memory (``ru_maxrss``) is its own:

* **train**: a generated portfolio (``riskgraph generate``, cached under
  ``~/.cache/riskgraph/bench``) ingested into a fresh embedded store, then what ``riskgraph
  train`` does: the snapshot read, features, the baselines, the GNN (mini-batch, early
  stopping), calibration, and scoring every party (PD and contagion exposure), plus occlusion
  explanations for a sample of parties. Target: GNN training under 5 minutes on 2 cores. The
  test metrics of the GNN and the baselines are recorded too.
* **infer**: a synthetic party graph of ``--nodes`` nodes and ``--edges`` edges spread over the
  nine relations in the proportions of the generated portfolio, with random features of the
  model's width; full-graph inference of :class:`gnn.models.ContagionGNN` (one forward over
  every node, and the layer-wise chunked path), against the floor: a bare two-layer PyG
  ``SAGEConv`` on the same nodes and edges (same hidden size), with ``edge_index`` and with a
  CSR adjacency. Target: under 15 s for 1M nodes; the ratio to the floor is reported.

    .venv/bin/python bench/bench_gnn.py [--enterprises 100000] [--nodes 1000000]
        [--edges 5000000] [--threads 2] [--phase all|train|infer]

Results: bench/results/gnn.json and bench/results/gnn.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
CACHE = Path(os.environ.get("RISKGRAPH_BENCH_CACHE",
                            Path.home() / ".cache" / "riskgraph" / "bench"))
SECRET = b"bench-secret-0123456789"
SCORECARD_CACHE = CACHE / "bench-scorecard.pkl"
SCORECARD_ROWS = CACHE / "bench-scorecard-rows.npy"  # real parties' scorecard inputs
SCORECARD_SAMPLE = 250_000
EXPLAIN_SAMPLE = 1000  # parties explained in the train phase (the rate is what matters)

log = logging.getLogger("bench_gnn")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _portfolio(enterprises: int, seed: int) -> Path:
    from ingest.generator import GeneratorConfig, generate_portfolio

    folder = CACHE / f"portfolio-{enterprises}-{seed}"
    if not (folder / "enterprises.csv").exists():
        log.info("generating %s enterprises into %s", f"{enterprises:,}", folder)
        generate_portfolio(folder, GeneratorConfig(enterprises=enterprises, seed=seed))
    return folder


def phase_train(args: argparse.Namespace) -> dict[str, object]:
    import dataclasses

    import torch

    from gnn.artifacts import ModelArtifact
    from gnn.baselines import run_baselines
    from gnn.calibration import Calibrator
    from gnn.config import GnnConfig
    from gnn.data import align_labels, prepare, read_labels, split_targets
    from gnn.explain import Explainer
    from gnn.report import compare
    from gnn.scorecard import Scorecard, scorecard_inputs
    from gnn.scoring import score_graph
    from gnn.train import predict_logits, torch_session, train_gnn
    from graph import EmbeddedStore, load_portfolio
    from ingest import Pseudonymiser

    out: dict[str, object] = {"enterprises": args.enterprises, "threads": args.threads}
    folder = _portfolio(args.enterprises, args.seed)
    store_dir = CACHE / f"gnn-store-{args.enterprises}-{args.seed}"
    shutil.rmtree(store_dir, ignore_errors=True)
    store = EmbeddedStore(store_dir)
    t = time.perf_counter()
    load_portfolio(store, folder, Pseudonymiser(SECRET))
    out["ingest_s"] = time.perf_counter() - t
    cfg = GnnConfig()
    cfg = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, threads=args.threads))
    t = time.perf_counter()
    snap = store.snapshot()
    out["snapshot_s"] = time.perf_counter() - t
    t = time.perf_counter()
    data = prepare(snap, cfg.features)
    out["features_s"] = time.perf_counter() - t
    out["parties"] = data.num_parties
    out["edges"] = data.party.num_edges()
    targets = align_labels(read_labels(folder / "labels" / "labels.csv"), data.party.ids,
                           data.prior_default, snap.as_of, cfg.features.horizon_days)
    split = split_targets(targets, cfg.split)
    t = time.perf_counter()
    baselines = run_baselines(data, targets, split, cfg.baselines, cfg.train.seed)
    out["baselines_s"] = time.perf_counter() - t
    t = time.perf_counter()
    card, data = Scorecard.fit_attached(data, targets.y, split, cfg.scorecard, cfg.baselines,
                                        cfg.train.seed)
    out["scorecard_s"] = time.perf_counter() - t
    SCORECARD_CACHE.write_bytes(card.dumps())  # the infer phase times these trees on 1M rows
    np.save(SCORECARD_ROWS,
            scorecard_inputs(data, card.graph)[:SCORECARD_SAMPLE].astype(np.float32))
    t = time.perf_counter()
    trained = train_gnn(data, targets, split, cfg, progress=lambda e, n, s: log.info(
        "epoch %d: loss %.4f, val AUC %.4f", e, s["loss"], s["val_auc"]))
    out["gnn_train_s"] = time.perf_counter() - t
    out["gnn_epochs"] = len(trained.history)
    out["gnn_best_epoch"] = trained.best_epoch
    out["gnn_mode"] = trained.mode
    with torch_session(args.threads):
        z = predict_logits(trained.model, data.batch)
    comp = compare([("gnn", "relational GNN", "gnn", z)]
                   + [(b.name, b.description, b.kind, b.z) for b in baselines],
                   targets, split, cfg.calibration)
    out["metrics"] = {r.name: {"roc_auc": r.metrics.roc_auc, "pr_auc": r.metrics.pr_auc,
                               "brier": r.metrics.brier} for r in comp.results}
    out["checks"] = comp.checks()
    cal = Calibrator.fit(z[split.val], targets.y[split.val])
    art = ModelArtifact("gnn-bench", trained.model, data.spec, cfg, cal, scorecard=card)
    t = time.perf_counter()
    scores = score_graph(art, data)
    out["score_all_s"] = time.perf_counter() - t
    rng = np.random.default_rng(args.seed)
    sample = rng.choice(np.flatnonzero(~data.prior_default), EXPLAIN_SAMPLE, replace=False)
    t = time.perf_counter()
    explainer = Explainer(art, data, scores)
    explainer.explain(sample[:1])  # its one-off set-up: occlusion tables, folds, the order
    out["explain_setup_s"] = time.perf_counter() - t
    t = time.perf_counter()
    found = explainer.explain(sample)
    out["explain_per_party_ms"] = (time.perf_counter() - t) / len(sample) * 1000
    out["explain_with_contributors"] = sum(1 for e in found if e.contributors)
    out["torch_threads"] = torch.get_num_threads()
    out["peak_rss_mib"] = _peak_mib()
    return out


def _synthetic(nodes: int, edges: int, in_dim: int, seed: int):  # type: ignore[no-untyped-def]
    """A party graph of the portfolio's relation mix (shares of the 100k generated portfolio)."""
    from gnn.data import build_batch, relation_dims

    share = {"guarantees": 0.06, "guaranteed_by": 0.06, "holds_shares": 0.09, "owned_by": 0.09,
             "post_in": 0.2, "has_officer": 0.2, "relative_of": 0.1, "shares_contact": 0.19,
             "co_borrows": 0.01, "same_group": 0.19}
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(nodes, in_dim)).astype(np.float32)
    node_type = (np.arange(nodes) >= nodes // 4).astype(np.int64)
    rels = {}
    for name, width in relation_dims().items():
        e = int(edges * share[name] / sum(share.values()))
        src = rng.integers(0, nodes, e)
        dst = rng.integers(0, nodes, e)
        rels[name] = (src, dst, rng.random((e, width)).astype(np.float32))
    return build_batch(x, node_type, rels)


def _local_features(batch, seed: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The scorecard's local graph features of the synthetic graph, as scoring computes them."""
    from gnn.data.graph_features import local_graph_matrix
    from gnn.data.party_graph import PartyGraph, Relation

    n = batch.x.shape[0]
    rng = np.random.default_rng(seed)
    rels = {}
    for name, adj in batch.rels.items():
        src, dst = adj.col.numpy(), adj.rows.numpy()
        rels[name] = Relation(name, src, dst, adj.attr.numpy(), np.full(len(src), None, object))
    ids = np.arange(n).astype(str).astype(object)
    labels = np.where(batch.node_type.numpy() == 1, "Person", "Enterprise").astype(object)
    pg = PartyGraph(ids, labels, ids, rels)
    return local_graph_matrix(pg, rng.random(n) < 0.03, rng.random(n) < 0.05)[1]


def _best(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def phase_infer(args: argparse.Namespace) -> dict[str, object]:
    import torch
    from torch_geometric.nn import SAGEConv
    from torch_geometric.utils import to_torch_csr_tensor

    from gnn.config import ModelConfig
    from gnn.data import relation_dims
    from gnn.models import ContagionGNN
    from gnn.sampling import layerwise_logits
    from gnn.train import CACHE_CHUNK, predict_logits

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cfg = ModelConfig()
    out: dict[str, object] = {"nodes": args.nodes, "edges": args.edges, "in_dim": args.in_dim,
                              "hidden": cfg.hidden, "threads": torch.get_num_threads()}
    t = time.perf_counter()
    batch = _synthetic(args.nodes, args.edges, args.in_dim, args.seed)
    out["build_graph_s"] = time.perf_counter() - t
    model = ContagionGNN(args.in_dim, relation_dims(), cfg).eval()
    model.fit_degree_scale(batch.rels)
    with torch.no_grad():
        model(batch)  # warm: caches of the CSR helpers, allocator
        out["gnn_full_s"] = _best(lambda: model(batch), args.repeats)
        cpu = time.process_time()
        model(batch)
        out["gnn_full_cpu_s"] = time.process_time() - cpu  # CPU of one pass, all threads
        out["gnn_full_and_isolated_s"] = _best(
            lambda: (model(batch), model(batch.without_edges())), 1)
        out["gnn_layerwise_s"] = _best(lambda: layerwise_logits(model, batch, 262_144), 1)
        out["gnn_infer_s"] = _best(lambda: predict_logits(model, batch), args.repeats)
        cpu = time.process_time()
        predict_logits(model, batch)
        out["gnn_infer_cpu_s"] = time.process_time() - cpu
        out["infer_chunk"] = CACHE_CHUNK
    src = torch.cat([a.col for a in batch.rels.values()])
    dst = torch.cat([a.rows for a in batch.rels.values()])
    edge_index = torch.stack([src, dst])
    adj = to_torch_csr_tensor(torch.stack([dst, src]), size=(args.nodes, args.nodes))
    c1, c2 = SAGEConv(args.in_dim, cfg.hidden), SAGEConv(cfg.hidden, 1)
    with torch.no_grad():
        out["floor_sage_csr_s"] = _best(lambda: c2(c1(batch.x, adj).relu(), adj),
                                        args.repeats)
        out["floor_sage_edge_index_s"] = _best(
            lambda: c2(c1(batch.x, edge_index).relu(), edge_index), 1)
    # the scorecard's local graph features on the same graph (states: 3% defaulted, 5% overdue)
    out["graph_features_1m_s"] = _best(lambda: _local_features(batch, args.seed), 1)
    if SCORECARD_CACHE.exists() and SCORECARD_ROWS.exists():
        # the train phase's scorecard on --nodes real parties' rows (the 100k portfolio's,
        # repeated): tree paths depend on the values, so random rows would not do
        import pickle

        from gnn.scorecard import fold_of

        card = pickle.loads(SCORECARD_CACHE.read_bytes())  # noqa: S301 - written by this bench
        sample = np.load(SCORECARD_ROWS).astype(np.float64)
        rows = np.asfortranarray(np.resize(sample, (args.nodes, sample.shape[1])))
        ids = np.array([f"P{i:09d}" for i in range(args.nodes)], dtype=object)
        t = time.perf_counter()
        card.predict(rows, fold_of(ids, card.folds), np.ones(args.nodes, dtype=bool))
        out["scorecard_1m_s"] = time.perf_counter() - t
        out["gnn_and_scorecard_s"] = (out["gnn_infer_s"] + out["scorecard_1m_s"]  # type: ignore[operator]
                                      + out["graph_features_1m_s"])
    floor = min(out["floor_sage_csr_s"], out["floor_sage_edge_index_s"])  # type: ignore[type-var]
    out["floor_s"] = floor
    out["ratio_to_floor"] = out["gnn_infer_s"] / floor  # type: ignore[operator]
    out["peak_rss_mib"] = _peak_mib()
    return out


def _child(phase: str, args: argparse.Namespace) -> dict[str, object]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        target = fh.name
    cmd = [sys.executable, __file__, "--phase", phase, "--result", target,
           "--enterprises", str(args.enterprises), "--nodes", str(args.nodes), "--edges",
           str(args.edges), "--threads", str(args.threads), "--seed", str(args.seed),
           "--in-dim", str(args.in_dim), "--repeats", str(args.repeats)]
    subprocess.run(cmd, check=True)
    result = json.loads(Path(target).read_text())
    os.unlink(target)
    return result  # type: ignore[no-any-return]


def _markdown(res: dict[str, dict[str, object]]) -> str:
    lines = ["# GNN benchmark", "",
             f"Machine: {res['machine']['cpus']} CPUs ({res['machine']['platform']}), "
             f"load average at start {res['machine']['load_at_start']}; torch threads "
             f"{res['machine']['threads']}.", ""]
    tr = res.get("train")
    if tr:
        lines += [f"## Training: {tr['enterprises']:,} enterprises ({tr['parties']:,} parties, "
                  f"{tr['edges']:,} party-graph edges)", "",
                  "| step | seconds |", "|---|---:|"]
        for k in ("ingest_s", "snapshot_s", "features_s", "baselines_s", "scorecard_s",
                  "gnn_train_s", "score_all_s"):
            if k in tr:
                lines.append(f"| {k[:-2]} | {tr[k]:.1f} |")
        fit = float(tr["gnn_train_s"]) + float(tr.get("scorecard_s", 0.0))  # type: ignore[arg-type]
        lines += ["", f"GNN: {tr['gnn_epochs']} epochs ({tr['gnn_mode']}, best "
                  f"{tr['gnn_best_epoch']}); scorecard and GNN {fit:.0f} s, target under 300 s: "
                  f"{'met' if fit < 300 else 'NOT met'}. Explanations: "
                  f"{tr['explain_per_party_ms']:.1f} ms per party (a random sample of "
                  f"{EXPLAIN_SAMPLE:,}; set-up {tr.get('explain_setup_s', float('nan')):.1f} s "
                  f"once per scoring run). Peak memory "
                  f"{tr['peak_rss_mib']:,.0f} MiB.", "",
                  "| model | ROC-AUC | PR-AUC | Brier |", "|---|---:|---:|---:|"]
        for name, m in tr["metrics"].items():  # type: ignore[union-attr]
            lines.append(f"| {name} | {m['roc_auc']:.4f} | {m['pr_auc']:.4f} | "
                         f"{m['brier']:.5f} |")
        lines.append("")
    inf = res.get("infer")
    if inf:
        total = float(inf.get("gnn_and_scorecard_s", inf["gnn_full_s"]))  # type: ignore[arg-type]
        lines += [f"## Inference: {inf['nodes']:,} nodes, {inf['edges']:,} edges", "",
                  "| what | seconds |", "|---|---:|",
                  f"| **ContagionGNN, every node's logit as scoring computes it** (layer-wise, "
                  f"{inf.get('infer_chunk', 0):,}-row chunks) | "
                  f"**{inf.get('gnn_infer_s', float('nan')):.2f}** |",
                  f"| the same, CPU seconds (all threads) | "
                  f"{inf.get('gnn_infer_cpu_s', float('nan')):.2f} |",
                  f"| the scorecard's local graph features of every node (3% defaulted, 5% "
                  f"overdue) | {inf.get('graph_features_1m_s', float('nan')):.2f} |",
                  f"| the scorecard on every node (one tree ensemble per party, real rows) | "
                  f"{inf.get('scorecard_1m_s', float('nan')):.2f} |",
                  f"| **graph features, scorecard and ContagionGNN** | "
                  f"**{inf.get('gnn_and_scorecard_s', float('nan')):.2f}** |",
                  f"| ContagionGNN, one pass over the whole graph | {inf['gnn_full_s']:.2f} |",
                  f"| the same, CPU seconds of one pass (all threads) | "
                  f"{inf.get('gnn_full_cpu_s', float('nan')):.2f} |",
                  f"| ContagionGNN, full graph and the isolated pass (scores and exposure) | "
                  f"{inf['gnn_full_and_isolated_s']:.2f} |",
                  f"| ContagionGNN, layer-wise 262,144-row chunks | "
                  f"{inf['gnn_layerwise_s']:.2f} |",
                  f"| floor: bare 2-layer PyG SAGEConv, CSR adjacency | "
                  f"{inf['floor_sage_csr_s']:.2f} |",
                  f"| floor: bare 2-layer PyG SAGEConv, edge_index | "
                  f"{inf['floor_sage_edge_index_s']:.2f} |", "",
                  f"Ratio to the faster floor: {inf['ratio_to_floor']:.2f}; target under 15 s: "
                  f"{'met' if total < 15 else 'NOT met'}."
                  f" Peak memory "
                  f"{inf['peak_rss_mib']:,.0f} MiB (graph build {inf['build_graph_s']:.1f} s).",
                  ""]
    return "\n".join(lines)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--enterprises", type=int, default=100_000)
    p.add_argument("--nodes", type=int, default=1_000_000)
    p.add_argument("--edges", type=int, default=5_000_000)
    p.add_argument("--in-dim", type=int, default=81)  # 80 own columns and the scorecard
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--phase", choices=("all", "train", "infer"), default="all")
    p.add_argument("--result", type=Path, default=None)
    args = p.parse_args()
    if args.result is not None:  # a child process: one phase, its result to a file
        fn = phase_train if args.phase == "train" else phase_infer
        args.result.write_text(json.dumps(fn(args), default=float))
        return
    res: dict[str, dict[str, object]] = {"machine": {
        "cpus": os.cpu_count(), "platform": platform.platform(), "threads": args.threads,
        "load_at_start": round(os.getloadavg()[0], 2)}}
    previous = RESULTS / "gnn.json"
    if args.phase != "all" and previous.exists():  # one phase re-measured: keep the other
        kept = json.loads(previous.read_text())
        res.update({k: v for k, v in kept.items() if k in ("train", "infer")})
    for phase in ("train", "infer"):
        if args.phase in ("all", phase):
            log.info("phase %s", phase)
            res[phase] = _child(phase, args)
            res[phase]["load_after"] = round(os.getloadavg()[0], 2)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "gnn.json").write_text(json.dumps(res, indent=2, default=float) + "\n")
    (RESULTS / "gnn.md").write_text(_markdown(res))
    log.info("\n%s", _markdown(res))


if __name__ == "__main__":
    main()
