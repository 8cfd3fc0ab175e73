"""Ingest benchmark: a generated 100,000-enterprise portfolio into each store.

Measured in one run, as ratios where there is a peer:
* embedded store: validate + build + write, wall time and peak RSS (in a child process, so the
  RSS is the ingest's own), against a bare ``pandas.read_csv`` of the same files (the floor);
* Neo4j (a real 5.26 server started for the run): the batched ``UNWIND ... MERGE`` load, nodes/s
  and relationships/s, against per-row ``MERGE`` (one statement and transaction per row, the
  naive way) on a sample of the same rows, as a ratio; and reading the whole graph back
  (``snapshot()``).

    .venv/bin/python bench/bench_ingest.py [--enterprises 100000] [--skip-neo4j | --skip-embedded]

A part that is skipped keeps its last measurement (with its date) in the results.

Results: bench/results/ingest.json and bench/results/ingest.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CACHE = Path(
    os.environ.get("RISKGRAPH_BENCH_CACHE", Path.home() / ".cache" / "riskgraph" / "bench")
)

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from graph import EmbeddedStore, load_portfolio
from ingest import Pseudonymiser
marks = {}
t0 = time.perf_counter()
store = EmbeddedStore(Path(sys.argv[2]))
res = load_portfolio(store, Path(sys.argv[1]), Pseudonymiser(b"bench-secret-0123456789"),
                     step=lambda m: marks.setdefault(m, time.perf_counter() - t0))
total = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": total, "rows": res.report.accepted + res.report.rejected,
                  "rejected": res.report.rejected, "steps": marks,
                  "cpu_seconds": ru.ru_utime + ru.ru_stime,
                  "peak_rss_mb": ru.ru_maxrss / 1024}))
"""

FLOOR = r"""
import json, resource, sys, time
from pathlib import Path
import pandas as pd
t0 = time.perf_counter()
n = 0
for f in sorted(Path(sys.argv[1]).glob("*.csv")):
    n += len(pd.read_csv(f, dtype=str, keep_default_na=False))
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": n,
                  "cpu_seconds": ru.ru_utime + ru.ru_stime,
                  "peak_rss_mb": ru.ru_maxrss / 1024}))
"""


def _child(code: str, *args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def portfolio(enterprises: int, seed: int) -> Path:
    from ingest.generator import GeneratorConfig, generate_portfolio

    folder = CACHE / f"portfolio-{enterprises}-{seed}"
    if not (folder / "enterprises.csv").exists():
        print(f"generating {enterprises:,} enterprises into {folder}", flush=True)
        generate_portfolio(folder, GeneratorConfig(enterprises=enterprises, seed=seed))
    return folder


def bench_embedded(folder: Path) -> dict[str, object]:
    import shutil

    data = CACHE / "embedded-data"
    shutil.rmtree(data, ignore_errors=True)
    load_before = os.getloadavg()[0]  # other work on the machine stretches wall time, not CPU
    floor = _child(FLOOR, str(folder))
    ours = _child(CHILD, str(folder), str(data))
    again = _child(CHILD, str(folder), str(data))  # the same portfolio again: an idempotent upsert
    return {
        "bare_pandas_read": floor,
        "first_load": ours,
        "second_load": again,
        "ratio_to_bare_read": float(ours["seconds"]) / float(floor["seconds"]),
        "load_average_before": load_before,
    }  # type: ignore[arg-type]


def bench_neo4j(folder: Path, sample: int) -> dict[str, object]:
    import shutil

    import neo4j

    from graph import cypher, load_portfolio
    from graph.build import graph_tables
    from graph.model import Label, RelType
    from graph.neo4j_store import Neo4jStore, _records
    from ingest import Pseudonymiser, validate_portfolio
    from riskgraph import neo4j_server

    cfg = neo4j_server.Neo4jServerConfig(
        home=CACHE / "neo4j-bench",
        bolt_port=27687,
        http_port=27474,
        heap="2g",
        pagecache="2g",
        password="riskgraph-bench",
    )
    shutil.rmtree(cfg.home / "data", ignore_errors=True)  # a fresh database (faster than clear)
    server = neo4j_server.start(cfg)

    def server_cpu() -> float:  # the server JVM's CPU seconds so far (Linux /proc)
        fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    driver = neo4j.GraphDatabase.driver(
        cfg.uri, auth=(cfg.user, cfg.password), notifications_min_severity="OFF"
    )
    try:
        store = Neo4jStore(driver)
        store.clear()
        marks: dict[str, list[float]] = {}

        cpu: dict[str, list[float]] = {}  # step: [server CPU at start, at latest progress]

        def progress(step: str, done: int, total: int) -> None:
            now, used = time.perf_counter(), server_cpu()
            marks.setdefault(step, [now, now, total])[1] = now
            cpu.setdefault(step, [used, used])[1] = used

        pseud = Pseudonymiser(b"bench-secret-0123456789")
        t0 = time.perf_counter()
        load_portfolio(store, folder, pseud, progress=progress)
        total = time.perf_counter() - t0
        nodes = marks["writing nodes to Neo4j"]
        rels = marks["writing relationships to Neo4j"]
        node_s, rel_s = nodes[1] - nodes[0], rels[1] - rels[0]
        node_cpu = cpu["writing nodes to Neo4j"][1] - cpu["writing nodes to Neo4j"][0]
        rel_cpu = (
            cpu["writing relationships to Neo4j"][1] - cpu["writing relationships to Neo4j"][0]
        )
        t_snap = time.perf_counter()
        snap = store.snapshot()
        snapshot_s = time.perf_counter() - t_snap
        snap_rels = sum(len(e) for e in snap.edges.values())
        t1 = time.perf_counter()
        again = load_portfolio(store, folder, pseud)
        second = time.perf_counter() - t1

        # per-row MERGE on a sample of the same relationships (they exist: MERGE matches them,
        # as the batched second load did) and on fresh ones (MERGE creates them)
        g = graph_tables(validate_portfolio(folder, pseud))
        hp = g.rels[RelType.HOLDS_POST].head(sample)
        rows = _records(hp[["src", "dst", "role", "start", "end"]])
        query = cypher.upsert_rels(RelType.HOLDS_POST, Label.PERSON, Label.ENTERPRISE)
        t2 = time.perf_counter()
        for row in rows:
            driver.execute_query(query, rows=[row], as_of=g.as_of, load="per-row")
        per_row = time.perf_counter() - t2
        t3 = time.perf_counter()
        for i in range(0, len(rows), store.batch_size):
            driver.execute_query(
                query, rows=rows[i : i + store.batch_size], as_of=g.as_of, load="batched"
            )
        batched_same = time.perf_counter() - t3
        counts = store.counts()
    finally:
        driver.close()
        neo4j_server.stop(cfg)
    n_nodes, n_rels = int(nodes[2]), int(rels[2])
    return {
        "first_load_seconds": total,
        "second_load_seconds": second,
        "nodes": n_nodes,
        "relationships": n_rels,
        "nodes_per_s": n_nodes / node_s,
        "relationships_per_s": n_rels / rel_s,
        # other work on the machine stretches wall time; the server's CPU time much less
        "server_cpu_seconds": {"nodes": node_cpu, "relationships": rel_cpu},
        "snapshot_read": {
            "seconds": snapshot_s,
            "nodes": snap.num_nodes,
            "relationships": snap_rels,
        },
        "outcome_second_load": again.outcome.__dict__ if again.outcome else None,
        "per_row_merge": {"rows": len(rows), "seconds": per_row, "rows_per_s": len(rows) / per_row},
        "batched_merge_same_rows": {
            "seconds": batched_same,
            "rows_per_s": len(rows) / batched_same,
        },
        "batched_vs_per_row": per_row / batched_same,
        "load_vs_per_row": (n_rels / rel_s) / (len(rows) / per_row),
        "counts": {"nodes": counts.nodes, "relationships": counts.relationships},
        "server": {"heap": cfg.heap, "pagecache": cfg.pagecache},
        "store": {"batch_size": store.batch_size, "writers": store.writers},
        "load_average": os.getloadavg(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sample", type=int, default=3000, help="rows for the per-row MERGE")
    skip = ap.add_mutually_exclusive_group()
    skip.add_argument("--skip-neo4j", action="store_true")
    skip.add_argument("--skip-embedded", action="store_true")
    args = ap.parse_args()
    folder = portfolio(args.enterprises, args.seed)
    stamp = time.strftime("%Y-%m-%d %H:%M")
    previous = RESULTS / "ingest.json"
    old = json.loads(previous.read_text()) if previous.exists() else {}
    if old.get("enterprises") != args.enterprises:
        old = {}
    result: dict[str, object] = {
        "enterprises": args.enterprises,
        "machine": f"{os.cpu_count()} cores",
    }
    # a skipped part keeps its last measurement, with its date
    if not args.skip_embedded:
        result["embedded"] = {"measured_at": stamp, **bench_embedded(folder)}
        print(json.dumps(result["embedded"], indent=1), flush=True)
    elif "embedded" in old:
        result["embedded"] = old["embedded"]
    if not args.skip_neo4j:
        result["neo4j"] = {"measured_at": stamp, **bench_neo4j(folder, args.sample)}
        print(json.dumps(result["neo4j"], indent=1), flush=True)
    elif "neo4j" in old:
        result["neo4j"] = old["neo4j"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ingest.json").write_text(json.dumps(result, indent=2))
    (RESULTS / "ingest.md").write_text(_markdown(result))
    print((RESULTS / "ingest.md").read_text())


def _markdown(r: dict) -> str:  # type: ignore[type-arg]
    lines = [f"# Ingest benchmark ({r['enterprises']:,} enterprises, {r['machine']})"]
    if "embedded" in r:
        lines += _markdown_embedded(r["embedded"])
    if "neo4j" in r:
        lines += _markdown_neo4j(r["neo4j"])
    return "\n".join(lines) + "\n"


def _markdown_embedded(e: dict) -> list[str]:  # type: ignore[type-arg]
    lines = [
        "",
        f"Embedded store measured {e.get('measured_at', '?')}.",
        "",
        "| what | rows | seconds | CPU s | rows/s | peak RSS MB |",
        "|---|---|---|---|---|---|",
    ]
    rows = [("bare pandas read of the CSVs (floor)", e["bare_pandas_read"])]
    rows += [
        (f"embedded store, {key.replace('_', ' ')} (validate, build, write)", e[key])
        for key in ("first_load", "second_load")
    ]
    for what, x in rows:
        cpu = f"{x['cpu_seconds']:.1f}" if "cpu_seconds" in x else "-"
        lines.append(
            f"| {what} | {x['rows']:,} | {x['seconds']:.1f} | {cpu} | "
            f"{x['rows'] / x['seconds']:,.0f} | {x['peak_rss_mb']:.0f} |"
        )
    lines.append(f"\nEmbedded first load / bare read: **{e['ratio_to_bare_read']:.1f}x**.")
    if "load_average_before" in e:
        lines.append(
            f"Load average on the machine when the run began: {e['load_average_before']:.1f}; "
            "other work stretches wall time, CPU time much less."
        )
    return lines


def _markdown_neo4j(n: dict) -> list[str]:  # type: ignore[type-arg]
    setup = ""
    if "store" in n:
        setup = (
            f" (heap {n['server']['heap']}, page cache {n['server']['pagecache']}, batches of "
            f"{n['store']['batch_size']:,} rows over {n['store']['writers']} writer sessions; "
            f"load average {n['load_average'][0]:.1f})"
        )
    lines = [
        "",
        f"Neo4j measured {n.get('measured_at', '?')}{setup}:",
        "",
        "| Neo4j | value |",
        "|---|---|",
        f"| first load, total (validate + write) | {n['first_load_seconds']:.1f} s |",
        f"| second load of the same portfolio | {n['second_load_seconds']:.1f} s |",
        f"| nodes written | {n['nodes']:,} at {n['nodes_per_s']:,.0f}/s |",
        f"| relationships written | {n['relationships']:,} at {n['relationships_per_s']:,.0f}/s |",
    ]
    if "server_cpu_seconds" in n:
        c = n["server_cpu_seconds"]
        lines.append(
            f"| server CPU time: nodes, relationships | {c['nodes']:.1f} s, "
            f"{c['relationships']:.1f} s ({n['nodes'] / c['nodes']:,.0f} nodes and "
            f"{n['relationships'] / c['relationships']:,.0f} relationships per CPU second) |"
        )
    if "snapshot_read" in n:
        s = n["snapshot_read"]
        lines.append(
            f"| whole snapshot read back ({s['nodes']:,} nodes, {s['relationships']:,} "
            f"relationships) | {s['seconds']:.1f} s |"
        )
    lines += [
        f"| per-row MERGE ({n['per_row_merge']['rows']:,} rows, one transaction each) | "
        f"{n['per_row_merge']['rows_per_s']:,.0f} rows/s |",
        f"| batched MERGE of the same rows | "
        f"{n['batched_merge_same_rows']['rows_per_s']:,.0f} rows/s |",
        f"| **batched vs per-row, same rows** | **{n['batched_vs_per_row']:.0f}x** |",
        f"| first-load relationships/s vs per-row MERGE | {n['load_vs_per_row']:.0f}x |",
    ]
    return lines


if __name__ == "__main__":
    main()
