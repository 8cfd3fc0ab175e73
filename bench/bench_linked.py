"""Linked-party benchmark: whole-portfolio structures and per-query latency, 100,000 enterprises.

Measured in one run on a generated portfolio (``riskgraph generate``, cached under
``~/.cache/riskgraph/bench``) loaded into the embedded store:

* **build**: the snapshot read, then each per-snapshot structure of
  :class:`graph.linked.LinkedAnalysis` (party graph, share tables, control fixed point, credit
  book, connected-counterparty groups, guarantee network), and every group with its evidence
  and exposure (what ``riskgraph group --all --json`` computes). Target: groups and circles for
  the whole portfolio under 10 s.
* **queries** on the warm analysis, over the same random sample of borrowers: the linked-party
  query (``linked``: the 2-hop neighbourhood, the default, and the 3-hop one, the maximum), the
  controller report, the group with its evidence and exposure (as a server answers it: the last
  256 groups' answers are kept, and members of one group share it; and cold, with nothing kept),
  the guarantee position, and the shortest paths between a borrower and another member of its
  group. p50/p95/p99/max. Target: linked-party query p95 under 20 ms.
* **neo4j** (``--neo4j``): the same portfolio loaded into a Neo4j 5.26 server started for the
  run; the snapshot read from it, the same structures built, the same queries timed, and the
  answers compared with the embedded store's (group members and ultimate controllers of every
  sampled borrower must be identical).

    .venv/bin/python bench/bench_linked.py [--enterprises 100000] [--queries 1000] [--neo4j]

Results: bench/results/linked.json and bench/results/linked.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
CACHE = Path(os.environ.get("RISKGRAPH_BENCH_CACHE",
                            Path.home() / ".cache" / "riskgraph" / "bench"))
SECRET = b"bench-secret-0123456789"


def portfolio(enterprises: int, seed: int) -> Path:
    from ingest.generator import GeneratorConfig, generate_portfolio

    folder = CACHE / f"portfolio-{enterprises}-{seed}"
    if not (folder / "enterprises.csv").exists():
        print(f"generating {enterprises:,} enterprises into {folder}", flush=True)
        generate_portfolio(folder, GeneratorConfig(enterprises=enterprises, seed=seed))
    return folder


def embedded_store(folder: Path):  # type: ignore[no-untyped-def]
    from graph import EmbeddedStore, load_portfolio
    from ingest import Pseudonymiser

    data = CACHE / f"linked-embedded-{folder.name}"
    marker = data / "LOADED"
    if not marker.exists():
        shutil.rmtree(data, ignore_errors=True)
        print(f"loading {folder} into the embedded store at {data}", flush=True)
        load_portfolio(EmbeddedStore(data), folder, Pseudonymiser(SECRET))
        marker.write_text("ok")
    return EmbeddedStore(data)


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def build(store, rules) -> tuple[object, dict[str, float]]:  # type: ignore[no-untyped-def]
    from graph.linked import LinkedAnalysis

    times: dict[str, float] = {}
    snapshot, times["snapshot read"] = timed(store.snapshot)
    analysis = LinkedAnalysis(snapshot, rules)  # uncached: every structure is built here
    for name in ("party_graph", "shares", "control", "credit", "group_index",
                 "guarantee_network"):
        _, times[name] = timed(lambda name=name: getattr(analysis, name))
    _, times["node display columns"] = timed(lambda: analysis.party_graph.node(0))
    return analysis, times


def sample_borrowers(analysis, k: int, seed: int) -> list[str]:  # type: ignore[no-untyped-def]
    credit = analysis.credit
    borrowers = np.unique(credit.loans.borrower[credit.loan_nodes])
    borrowers = borrowers[analysis.shares.is_enterprise[borrowers]]
    rng = np.random.default_rng(seed)
    chosen = rng.choice(borrowers, size=min(k, len(borrowers)), replace=False)
    return [str(analysis.party_graph.ids[v]) for v in chosen]


def latencies(analysis, ids: list[str], seed: int) -> dict[str, dict[str, float]]:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    partner = {}
    for ident in ids:
        members = analysis.group_index.members_of(analysis.snapshot.index_of(ident))
        other = members[members != analysis.snapshot.index_of(ident)]
        partner[ident] = str(analysis.party_graph.ids[rng.choice(other)]) if len(other) else None
    queries: dict[str, Callable[[str], object]] = {
        "linked (2 hops, default)": lambda i: analysis.neighbourhood(i, 2),
        "linked (3 hops, max)": lambda i: analysis.neighbourhood(i, 3),
        "controller": analysis.controller,
        "group (evidence + exposure)": analysis.group,
        "group, cold (no cached group)": lambda i: (analysis._recent_groups.clear(),
                                                   analysis.group(i)),
        "guarantee position": lambda i: analysis.guarantees(top=1, ident=i).position,
        "path to a group member": lambda i: analysis.paths(i, partner[i], 4)
        if partner[i] else None,
    }
    out: dict[str, dict[str, float]] = {}
    for name, fn in queries.items():
        fn(ids[0])  # first call builds lazy display columns
        samples, cpu = [], []
        for ident in ids:
            t0, c0 = time.perf_counter(), time.process_time()
            fn(ident)
            samples.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        arr = np.array(samples)
        out[name] = {"n": len(arr), "p50_ms": float(np.percentile(arr, 50)),
                     "p95_ms": float(np.percentile(arr, 95)),
                     "p99_ms": float(np.percentile(arr, 99)), "max_ms": float(arr.max()),
                     "mean_ms": float(statistics.fmean(arr)),
                     "cpu_p95_ms": float(np.percentile(cpu, 95)),
                     "load_average": os.getloadavg()[0]}
        print(f"  {name}: p50 {out[name]['p50_ms']:.2f} ms, p95 {out[name]['p95_ms']:.2f} ms "
              f"(CPU p95 {out[name]['cpu_p95_ms']:.2f} ms, load {os.getloadavg()[0]:.1f})",
              flush=True)
    return out


def shape(analysis) -> dict[str, object]:  # type: ignore[no-untyped-def]
    gi, net, f = analysis.group_index, analysis.guarantee_network, analysis.control
    groups = gi.component_members()
    sizes = np.array([len(g) for g in groups]) if groups else np.zeros(1)
    return {"nodes": analysis.snapshot.num_nodes, "party_links": len(analysis.party_graph.src),
            "controlled": int((f.parent >= 0).sum()), "circular": int(f.circular.sum()),
            "coalition_rounds": f.rounds, "groups": len(groups),
            "largest_group": int(sizes.max()), "median_group": float(np.median(sizes)),
            "rule_edges": len(gi.a), "circles": len(net.circle_nodes),
            "mutual_pairs": len(net.pairs), "chains": len(net.chains)}


def answers(analysis, ids: list[str]) -> dict[str, tuple[object, ...]]:  # type: ignore[no-untyped-def]
    out = {}
    for ident in ids:
        node = analysis.snapshot.index_of(ident)
        members = tuple(sorted(str(analysis.party_graph.ids[m])
                               for m in analysis.group_index.members_of(node)))
        u = int(analysis.control.ultimate[node])
        out[ident] = (members, str(analysis.party_graph.ids[u]) if u >= 0 else None)
    return out


def bench_neo4j(folder: Path, rules, ids: list[str], seed: int,  # type: ignore[no-untyped-def]
                reference: dict[str, tuple[object, ...]]) -> dict[str, object]:
    import neo4j

    from graph import load_portfolio
    from graph.neo4j_store import Neo4jStore
    from ingest import Pseudonymiser
    from riskgraph import neo4j_server

    cfg = neo4j_server.Neo4jServerConfig(home=CACHE / "neo4j-linked", bolt_port=27688,
                                         http_port=27475, heap="2g", pagecache="2g",
                                         password="riskgraph-bench")
    neo4j_server.start(cfg)
    driver = neo4j.GraphDatabase.driver(cfg.uri, auth=(cfg.user, cfg.password),
                                        notifications_min_severity="OFF")
    try:
        store = Neo4jStore(driver)
        if store.latest_as_of() is None:
            print("loading the portfolio into Neo4j", flush=True)
            load_portfolio(store, folder, Pseudonymiser(SECRET))
        analysis, times = build(store, rules)
        print(f"neo4j build: {json.dumps(times)}", flush=True)
        same = answers(analysis, ids) == reference
        lat = latencies(analysis, ids, seed)
    finally:
        driver.close()
        neo4j_server.stop(cfg)
    return {"build_seconds": times, "latency": lat, "answers_identical": same}


def main() -> None:
    from graph.linked import load_rules

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--neo4j", action="store_true", help="also on a Neo4j server")
    args = ap.parse_args()
    folder = portfolio(args.enterprises, args.seed)
    store = embedded_store(folder)
    rules = load_rules()
    analysis, times = build(store, rules)
    structures = sum(v for k, v in times.items() if k != "snapshot read")
    print(f"build: {json.dumps(times)}", flush=True)
    _, all_groups = timed(analysis.groups)
    ids = sample_borrowers(analysis, args.queries, args.seed)
    print(f"latency over {len(ids):,} borrowers:", flush=True)
    lat = latencies(analysis, ids, args.seed)
    result: dict[str, object] = {
        "enterprises": args.enterprises, "seed": args.seed,
        "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
        "python": platform.python_version(), "shape": shape(analysis),
        "embedded": {"build_seconds": times, "structures_total_seconds": structures,
                     "all_groups_with_evidence_seconds": all_groups, "latency": lat},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if args.neo4j:
        result["neo4j"] = bench_neo4j(folder, rules, ids, args.seed, answers(analysis, ids))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "linked.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    (RESULTS / "linked.md").write_text(_markdown(result))
    print((RESULTS / "linked.md").read_text())


def _markdown(r: dict) -> str:  # type: ignore[type-arg]
    e, s = r["embedded"], r["shape"]
    b = e["build_seconds"]
    lines = [f"# Linked-party benchmark ({r['enterprises']:,} enterprises, seed {r['seed']}, "
             f"{r['machine']})", "",
             f"{s['nodes']:,} nodes, {s['party_links']:,} party links; {s['controlled']:,} "
             f"controlled enterprises; {s['groups']:,} groups of 2+ (largest {s['largest_group']}, "
             f"median {s['median_group']:g}) from {s['rule_edges']:,} rule edges; "
             f"{s['circles']:,} guarantee circles, {s['mutual_pairs']:,} mutual pairs, "
             f"{s['chains']:,} chains.", "",
             "## Whole portfolio (embedded store)", "", "| step | seconds |", "|---|---|"]
    lines += [f"| {k} | {v:.2f} |" for k, v in b.items()]
    total = e["structures_total_seconds"]
    lines += [f"| **structures, total (target < 10 s)** | **{total:.2f}** |",
              f"| every group with evidence and exposure (`group --all`) | "
              f"{e['all_groups_with_evidence_seconds']:.2f} |", "",
              "## Queries on the warm analysis (embedded store)", "",
              "Wall-clock times on a shared machine: the load average while each query ran is "
              "listed, with the p95 of the CPU time the query itself used (what it costs when "
              "the machine is not busy with other work).", "",
              "| query | n | p50 ms | p95 ms | p99 ms | max ms | CPU p95 ms | load |",
              "|---|---|---|---|---|---|---|---|"]
    for name, x in e["latency"].items():
        lines.append(f"| {name} | {x['n']:,} | {x['p50_ms']:.2f} | {x['p95_ms']:.2f} | "
                     f"{x['p99_ms']:.2f} | {x['max_ms']:.2f} | {x['cpu_p95_ms']:.2f} | "
                     f"{x['load_average']:.1f} |")
    if "neo4j" in r:
        n = r["neo4j"]
        lines += ["", "## Neo4j", "", "| step | seconds |", "|---|---|"]
        lines += [f"| {k} | {v:.2f} |" for k, v in n["build_seconds"].items()]
        lines += ["", "The same queries on the analysis of the snapshot read from Neo4j:", "",
                  "| query | p50 ms | p95 ms | CPU p95 ms | load |", "|---|---|---|---|---|"]
        lines += [f"| {k} | {x['p50_ms']:.2f} | {x['p95_ms']:.2f} | {x['cpu_p95_ms']:.2f} | "
                  f"{x['load_average']:.1f} |" for k, x in n["latency"].items()]
        lines.append(f"\nAnswers identical to the embedded store's: **{n['answers_identical']}**")
    lines.append(f"\nPeak RSS {r['peak_rss_mb']:,.0f} MB.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
