"""Contagion benchmark: one scenario on a 1M-node network, and every node's impact on 10k nodes.

Measured in one run, each part in its own child process (so its peak RSS is its own):

* **scenario**: a random exposure network of 1,000,000 nodes and 5,000,000 edges is built once
  (not timed with the scenario); then one scenario (10 random nodes default) is run with
  :func:`gnn.contagion.simulate`, audit trail included, for each method, against the floor: a
  bare scipy loop of the same DebtRank rounds (``min``, subtract, ``Λ @ p``, add; no stopping
  test, no trail). Repeated; best and median reported. The same on a fragile variant of the
  network, where the shock spreads to a systemic crisis and needs many more rounds.
* **systemic**: a network of 10,000 nodes and 50,000 edges from the same generator;
  :func:`gnn.contagion.systemic_measures` (DebtRank impact and vulnerability of every node, all
  10,000 single-default scenarios), against a straightforward networkx + Python-loop
  implementation of the same definition, timed on a sample of nodes and extrapolated to all
  (checked to agree with ours on that sample to 1e-9). The same on the exposure network of a
  generated portfolio of about 10,000 nodes (``riskgraph generate``, ingested into an embedded
  store), the product's real input, where each default reaches far fewer nodes.
* **compile**: the round loop of a block is compiled code (numba), compiled on its first call
  and cached on disk. Its cost is timed apart, never inside the times above: in a child process
  with an empty cache (the first run on a new machine) and, in the systemic part, the first call
  of a process that finds the cache (every later run).

The generator: creditor ``c`` and debtor ``d != c`` uniform at random (parallel edges
allowed, summed), amounts lognormal(0, 1), and each node's buffer set so that its exposures
are a share ``U(lo, hi)`` of its capital (``Λ``'s row sums, at LGD 1): ``U(0.1, 0.9)`` for the
main network (no node can be wiped out by its debtors alone, but stress reaches nearly every
node), ``U(0.5, 2.0)`` for the fragile one. Weights are the buffers, normalised.

    .venv/bin/python bench/bench_contagion.py [--quick]

Results: bench/results/contagion.json and bench/results/contagion.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
MAIN_LEVERAGE = (0.1, 0.9)
FRAGILE_LEVERAGE = (0.5, 2.0)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def random_exposure_network(n: int, m: int, seed: int, leverage: tuple[float, float]):  # type: ignore[no-untyped-def]
    from gnn.contagion import ExposureNetwork

    rng = np.random.default_rng(seed)
    creditor = rng.integers(0, n, m)
    debtor = (creditor + rng.integers(1, n, m)) % n
    amount = rng.lognormal(0.0, 1.0, m)
    exposure = np.bincount(creditor, weights=amount, minlength=n)
    buffer = exposure / rng.uniform(*leverage, n)
    buffer[exposure == 0] = np.median(buffer[exposure > 0])
    return ExposureNetwork.from_arrays(creditor, debtor, amount, buffer)


def bare_rounds(lam, shock: np.ndarray, rounds: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The floor: the same DebtRank rounds with nothing but scipy and numpy."""
    h = shock.copy()
    passed = np.zeros_like(h)
    for _ in range(rounds):
        capped = np.minimum(h, 1.0)
        p = capped - passed
        passed = capped
        h += lam @ p
    return h


def part_scenario(n: int, m: int, repeats: int, leverage: tuple[float, float]) -> dict:  # type: ignore[type-arg]
    from gnn.contagion import Method, SimulationParams, simulate

    t0 = time.perf_counter()
    net = random_exposure_network(n, m, seed=0, leverage=leverage)
    impact = net.impact(1.0)
    impact.csc  # noqa: B018 - part of building, used while few nodes pass stress on
    build = time.perf_counter() - t0
    rng = np.random.default_rng(1)
    shock = np.zeros(n)
    shock[rng.choice(n, 10, replace=False)] = 1.0
    out: dict[str, object] = {"nodes": n, "edges": m, "exposure_entries": int(impact.csr.nnz),
                              "leverage": list(leverage), "build_seconds": build,
                              "shock": "10 random nodes default"}
    methods = {}
    for method in Method:
        times, cpu, result = [], [], None
        for _ in range(repeats):
            t, c = time.perf_counter(), time.process_time()
            result = simulate(net, shock, SimulationParams(method=method))
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        assert result is not None
        methods[method.value] = {
            "seconds_best": min(times), "seconds_median": statistics.median(times),
            "cpu_seconds_best": min(cpu),
            "rounds": result.summary.rounds, "stressed": result.summary.stressed,
            "additional_defaults": result.summary.additional_defaults,
            "additional_stress": result.summary.additional_stress,
            "round_limit_hit": result.summary.round_limit_hit,
        }
        if method is Method.DEBTRANK:
            t = time.perf_counter()
            simulate(net, shock, SimulationParams(method=method), trail=False)
            methods[method.value]["seconds_without_trail"] = time.perf_counter() - t
            floor_times, floor_cpu = [], []
            for _ in range(repeats):
                t, c = time.perf_counter(), time.process_time()
                bare = bare_rounds(impact.csr, shock, result.summary.rounds)
                floor_times.append(time.perf_counter() - t)
                floor_cpu.append(time.process_time() - c)
            methods[method.value]["floor_seconds_best"] = min(floor_times)
            methods[method.value]["floor_cpu_seconds_best"] = min(floor_cpu)
            methods[method.value]["floor_seconds_median"] = statistics.median(floor_times)
            methods[method.value]["max_abs_diff_vs_floor"] = float(
                np.max(np.abs(np.minimum(bare, 1) - result.stress)))
    out["methods"] = methods
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def straightforward_impact(graph, weight: dict, k: int, tol: float = 1e-12) -> float:  # type: ignore[no-untyped-def,type-arg]
    """DebtRank impact of node k, the plain way: dicts, a Python loop over the networkx edges
    per round (``graph`` has an edge debtor -> creditor with attribute ``lam`` = Λ[creditor,
    debtor])."""
    h = dict.fromkeys(graph, 0.0)
    h[k] = 1.0
    passed = dict.fromkeys(graph, 0.0)
    for _ in range(10_000):
        p = {v: min(1.0, h[v]) - passed[v] for v in graph}
        for v in graph:
            passed[v] += p[v]
        gain = dict.fromkeys(graph, 0.0)
        for debtor, creditor, lam in graph.edges(data="lam"):
            gain[creditor] += lam * p[debtor]
        for v in graph:
            h[v] += gain[v]
        if max(gain.values()) <= tol:
            break
    return sum(weight[v] * min(1.0, h[v]) for v in graph) - weight[k]


def first_call_seconds() -> float:
    """One tiny all-node run: the time to compile (or load from the disk cache) the compiled
    round loop, kept out of the timings."""
    from gnn.contagion import ExposureNetwork, systemic_measures

    tiny = ExposureNetwork.from_arrays(np.array([1]), np.array([0]), np.array([1.0]), np.ones(2))
    t = time.perf_counter()
    systemic_measures(tiny)
    return time.perf_counter() - t


def part_compile() -> dict:  # type: ignore[type-arg]
    """The first call with an empty compile cache (run with NUMBA_CACHE_DIR set to an empty
    folder): what a new machine pays once."""
    from gnn.contagion.kernel import cache_hits

    seconds = first_call_seconds()
    return {"compile_seconds": seconds, "cache_hits": cache_hits()}


def part_systemic(n: int, m: int, sample: int) -> dict:  # type: ignore[type-arg]
    import networkx as nx

    from gnn.contagion import systemic_measures
    from gnn.contagion.kernel import cache_hits

    first_call = first_call_seconds()
    loaded = cache_hits()
    net = random_exposure_network(n, m, seed=2, leverage=MAIN_LEVERAGE)
    impact = net.impact(1.0)
    impact.csc  # noqa: B018
    runs, cpu = [], []
    for workers in (None, None, 1):  # all threads twice (the best counts), then one thread
        t, c = time.perf_counter(), time.process_time()
        measures = systemic_measures(net, workers=workers)
        runs.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    best = int(np.argmin(runs[:2]))
    runs, cpu = [runs[best], runs[2]], [cpu[best], cpu[2]]
    coo = impact.csr.tocoo()
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    graph.add_weighted_edges_from(zip(coo.col.tolist(), coo.row.tolist(), coo.data.tolist(),
                                      strict=True), weight="lam")
    weight = dict(enumerate(net.weight.tolist()))
    picks = np.random.default_rng(3).choice(n, sample, replace=False)
    t, c = time.perf_counter(), time.process_time()
    slow = [straightforward_impact(graph, weight, int(k)) for k in picks]
    per_node = (time.perf_counter() - t) / sample
    per_node_cpu = (time.process_time() - c) / sample
    extrapolated = per_node * n
    return {
        "nodes": n, "edges": m, "exposure_entries": int(impact.csr.nnz),
        "leverage": list(MAIN_LEVERAGE), "method": "debtrank",
        "seconds": runs[0], "seconds_one_thread": runs[1], "threads": os.cpu_count(),
        "cpu_seconds": cpu[0], "cpu_seconds_one_thread": cpu[1],
        "mean_rounds": float(measures.rounds.mean()), "max_rounds": int(measures.rounds.max()),
        "round_limit_hits": measures.round_limit_hits,
        "straightforward_sample_nodes": sample,
        "straightforward_seconds_per_node": per_node,
        "straightforward_seconds_all_extrapolated": extrapolated,
        "straightforward_cpu_seconds_per_node": per_node_cpu,
        "speedup": extrapolated / runs[0],
        "max_abs_diff_on_sample": float(np.max(np.abs(np.array(slow) - measures.impact[picks]))),
        "first_call_seconds": first_call, "first_call_from_cache": loaded > 0,
        "peak_rss_mb": peak_rss_mb(),
    }


def part_portfolio(enterprises: int, sample: int) -> dict:  # type: ignore[type-arg]
    """The same, on the exposure network of a generated portfolio (the product's real input)."""
    import networkx as nx

    from gnn.contagion import exposure_network_from_snapshot, systemic_measures
    from graph import EmbeddedStore, load_portfolio
    from ingest import Pseudonymiser
    from ingest.generator import GeneratorConfig, generate_portfolio

    first_call_seconds()  # compiled code loaded before the clock starts
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "portfolio"
        generate_portfolio(folder, GeneratorConfig(enterprises=enterprises, seed=7))
        store = EmbeddedStore(Path(tmp) / "data")
        load_portfolio(store, folder, Pseudonymiser(b"bench-secret-0123456789"))
        net = exposure_network_from_snapshot(store.snapshot())
    impact = net.impact(1.0)
    t, c = time.perf_counter(), time.process_time()
    measures = systemic_measures(net)
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    coo = impact.csr.tocoo()
    graph = nx.DiGraph()
    graph.add_nodes_from(range(net.num_nodes))
    graph.add_weighted_edges_from(zip(coo.col.tolist(), coo.row.tolist(), coo.data.tolist(),
                                      strict=True), weight="lam")
    weight = dict(enumerate(net.weight.tolist()))
    picks = np.random.default_rng(3).choice(net.num_nodes, sample, replace=False)
    t = time.perf_counter()
    slow = [straightforward_impact(graph, weight, int(k)) for k in picks]
    per_node = (time.perf_counter() - t) / sample
    return {
        "enterprises": enterprises, "nodes": net.num_nodes, "edges": net.num_edges,
        "exposure_entries": int(impact.csr.nnz), "seconds": seconds, "cpu_seconds": cpu,
        "mean_rounds": float(measures.rounds.mean()), "max_rounds": int(measures.rounds.max()),
        "straightforward_sample_nodes": sample,
        "straightforward_seconds_per_node": per_node,
        "straightforward_seconds_all_extrapolated": per_node * net.num_nodes,
        "speedup": per_node * net.num_nodes / seconds,
        "max_abs_diff_on_sample": float(np.max(np.abs(np.array(slow) - measures.impact[picks]))),
        "peak_rss_mb": peak_rss_mb(),
    }


def _child(*args: str, env: dict[str, str] | None = None) -> dict:  # type: ignore[type-arg]
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True, cwd=ROOT, env=None if env is None else {**os.environ, **env})
    return json.loads(out.stdout.strip().splitlines()[-1])


def _markdown(res: dict) -> str:  # type: ignore[type-arg]
    lines = ["# Contagion benchmark", "",
             f"Machine: {res['machine']['cpus']} CPUs, {res['machine']['platform']}; load "
             f"average {res['machine']['load_before']} before, {res['machine']['load_after']} "
             f"after (the machine is shared: timings are noisy, best of "
             f"{res['repeats']} reported with the median).", ""]
    for key, title in (("scenario", "One scenario"), ("scenario_fragile", "Fragile variant")):
        s = res[key]
        lines += [f"## {title}: {s['nodes']:,} nodes, {s['edges']:,} edges "
                  f"(leverage U{tuple(s['leverage'])}), {s['shock']}", "",
                  f"Built in {s['build_seconds']:.2f} s (not in the times below); peak RSS "
                  f"{s['peak_rss_mb']:,.0f} MB.", "",
                  "| method | best s | median s | CPU s | rounds | stressed | new defaults |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for name, r in s["methods"].items():
            lines.append(f"| {name} | {r['seconds_best']:.3f} | {r['seconds_median']:.3f} | "
                         f"{r['cpu_seconds_best']:.3f} | {r['rounds']} | {r['stressed']:,} | "
                         f"{r['additional_defaults']:,} |")
        d = s["methods"]["debtrank"]
        lines += ["", f"DebtRank without the audit trail: {d['seconds_without_trail']:.3f} s. "
                  f"Floor (bare scipy loop of the same {d['rounds']} rounds): "
                  f"{d['floor_seconds_best']:.3f} s best (CPU {d['floor_cpu_seconds_best']:.3f} "
                  f"s), so ours is "
                  f"{d['seconds_best'] / d['floor_seconds_best']:.2f}x the floor with the trail "
                  f"(results agree to {d['max_abs_diff_vs_floor']:.1e}).", ""]
    y = res["systemic"]
    first = "that loads it from the disk cache" if y["first_call_from_cache"] else \
        "that compiled it"
    lines += [f"## Impact and vulnerability of every node: {y['nodes']:,} nodes, "
              f"{y['edges']:,} edges", "",
              f"All {y['nodes']:,} DebtRank single-default scenarios (mean "
              f"{y['mean_rounds']:.1f} rounds, max {y['max_rounds']}): **{y['seconds']:.2f} s** "
              f"on {y['threads']} threads ({y['seconds_one_thread']:.2f} s on one); CPU time "
              f"{y['cpu_seconds']:.2f} s ({y['cpu_seconds_one_thread']:.2f} s on one thread), "
              f"so about {y['cpu_seconds'] / y['threads']:.1f} s of wall time when the "
              f"{y['threads']} cores are free; peak RSS {y['peak_rss_mb']:,.0f} MB.", "",
              f"Straightforward networkx + Python loop of the same definition: "
              f"{y['straightforward_seconds_per_node']:.2f} s per node, timed on "
              f"{y['straightforward_sample_nodes']} random nodes and extrapolated to all: "
              f"{y['straightforward_seconds_all_extrapolated']:,.0f} s, so ours is "
              f"**{y['speedup']:,.0f}x** faster (impacts agree to "
              f"{y['max_abs_diff_on_sample']:.1e} on the sample).", "",
              f"The compiled round loop (numba), timed apart from the above: "
              f"{res['compile']['compile_seconds']:.2f} s to compile on a new machine (empty "
              f"cache, once), {y['first_call_seconds']:.2f} s for the first call of a process "
              f"{first}.",
              "",
              ]
    g = res["systemic_portfolio"]
    lines += [f"## The same on a generated portfolio: {g['enterprises']:,} enterprises, "
              f"{g['nodes']:,} nodes (enterprises, persons, lenders), {g['edges']:,} "
              f"exposures", "",
              f"All single-default scenarios (mean {g['mean_rounds']:.1f} rounds, max "
              f"{g['max_rounds']}): **{g['seconds']:.2f} s** (CPU {g['cpu_seconds']:.2f} s); "
              f"the straightforward way {g['straightforward_seconds_per_node']:.3f} s per node, "
              f"{g['straightforward_seconds_all_extrapolated']:,.0f} s for all "
              f"(extrapolated from {g['straightforward_sample_nodes']}), so ours is "
              f"**{g['speedup']:,.0f}x** faster (agree to {g['max_abs_diff_on_sample']:.1e}); "
              f"peak RSS {g['peak_rss_mb']:,.0f} MB.", "",
              "## Targets", "",
              f"- one scenario on 1M/5M under 1 s: {res['targets']['scenario_under_1s']}",
              f"- all-node impacts on 10k under 10 s: {res['targets']['systemic_under_10s']}",
              f"- at least 50x the straightforward way: {res['targets']['systemic_50x']}", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=["scenario", "systemic", "portfolio", "compile"])
    parser.add_argument("--enterprises", type=int, default=2_300)
    parser.add_argument("--nodes", type=int)
    parser.add_argument("--edges", type=int)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sample", type=int, default=10)
    parser.add_argument("--leverage", type=float, nargs=2, default=MAIN_LEVERAGE)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the script")
    args = parser.parse_args()
    if args.part == "scenario":
        print(json.dumps(part_scenario(args.nodes, args.edges, args.repeats,
                                       tuple(args.leverage))))
        return
    if args.part == "systemic":
        print(json.dumps(part_systemic(args.nodes, args.edges, args.sample)))
        return
    if args.part == "portfolio":
        print(json.dumps(part_portfolio(args.enterprises, args.sample)))
        return
    if args.part == "compile":
        print(json.dumps(part_compile()))
        return

    big, small = ((100_000, 500_000), (2_000, 10_000)) if args.quick else \
        ((1_000_000, 5_000_000), (10_000, 50_000))
    rep = str(args.repeats)
    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    res: dict[str, object] = {"repeats": args.repeats}
    print(f"scenario on {big[0]:,} nodes / {big[1]:,} edges ...", flush=True)
    res["scenario"] = _child("--part", "scenario", "--nodes", str(big[0]), "--edges",
                             str(big[1]), "--repeats", rep)
    print("fragile variant ...", flush=True)
    res["scenario_fragile"] = _child("--part", "scenario", "--nodes", str(big[0]), "--edges",
                                     str(big[1]), "--repeats", rep, "--leverage",
                                     *map(str, FRAGILE_LEVERAGE))
    print("compiling the round loop with an empty cache ...", flush=True)
    with tempfile.TemporaryDirectory() as cache:
        res["compile"] = _child("--part", "compile", env={"NUMBA_CACHE_DIR": cache})
    print(f"systemic measures on {small[0]:,} nodes / {small[1]:,} edges ...", flush=True)
    res["systemic"] = _child("--part", "systemic", "--nodes", str(small[0]), "--edges",
                             str(small[1]), "--sample", str(args.sample))
    enterprises = 300 if args.quick else args.enterprises
    print(f"systemic measures on a generated portfolio of {enterprises:,} enterprises ...",
          flush=True)
    res["systemic_portfolio"] = _child("--part", "portfolio", "--enterprises", str(enterprises),
                                       "--sample", str(args.sample))
    res["machine"] = {"cpus": os.cpu_count(), "platform": platform.platform(),
                      "python": platform.python_version(), "load_before": load_before,
                      "load_after": [round(x, 2) for x in os.getloadavg()]}
    scen = res["scenario"]["methods"]["debtrank"]  # type: ignore[index]
    syst = res["systemic"]
    res["targets"] = {
        "scenario_under_1s": scen["seconds_best"] < 1.0,
        "systemic_under_10s": syst["seconds"] < 10.0,  # type: ignore[index]
        "systemic_50x": syst["speedup"] >= 50.0,  # type: ignore[index]
    }
    res["total_seconds"] = time.perf_counter() - started
    if not args.quick:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "contagion.json").write_text(json.dumps(res, indent=2) + "\n")
        (RESULTS / "contagion.md").write_text(_markdown(res))
    print(_markdown(res))


if __name__ == "__main__":
    main()
