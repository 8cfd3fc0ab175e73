# ruff: noqa: E501
"""API load benchmark: the contagion-score endpoints and the linked-party group endpoint of
``riskgraph serve`` (one worker, embedded store) on a generated 100,000-enterprise portfolio,
against a floor measured in the same run: a bare FastAPI + uvicorn endpoint that returns one
number from a dict (same event loop and HTTP parser).

* throughput: ``wrk`` (Debian's; installed with apt-get if missing), 1 thread, 8 connections,
  authenticated and audited ``GET /v1/entities/{id}/score`` over 10,000 different ids;
* latency at a paced rate (500 requests/s): a small asyncio client that sends on a fixed
  schedule over keep-alive connections and measures each request from the moment it was *due*
  (so a stall counts against every request it delays: no coordinated omission);
* batch: ``POST /v1/scores`` with 10,000 ids, scores per second;
* linked parties: ``GET /v1/entities/{id}/group`` for random enterprises, one at a time,
  latency percentiles (and the neighbourhood, 2 hops).

Scores come from the store if the GNN wrote some (``riskgraph train/score``); otherwise the
benchmark writes synthetic ones (model version ``synthetic-bench``) and says so.

    .venv/bin/python bench/bench_api.py [--enterprises 100000] [--seconds 15]

Results: bench/results/api.json and bench/results/api.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CACHE = Path(os.environ.get("RISKGRAPH_BENCH_CACHE",
                            Path.home() / ".cache" / "riskgraph" / "bench"))
RG = [sys.executable, "-m", "riskgraph.cli"]

FLOOR_APP = r'''
import sys
import uvicorn
from fastapi import FastAPI
app = FastAPI()
NUMBERS = {str(i): i * 0.001 for i in range(10_000)}
@app.get("/floor/{key}")
async def floor(key: str) -> float:
    return NUMBERS.get(key, 0.0)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            access_log=False, loop="uvloop", http="httptools")
'''

WRK_IDS = r'''
local ids = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
end
request = function()
  i = i % #ids + 1
  return wrk.format("GET", args_prefix .. ids[i] .. args_suffix)
end
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing Debian's wrk with apt-get", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False)
    found = shutil.which("wrk")
    if not found:
        subprocess.run(["apt-get", "update", "-q"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
        found = shutil.which("wrk")
    assert found, "wrk could not be installed"
    return found


def _run_wrk(url: str, seconds: int, conns: int, headers: dict[str, str],
             script: Path | None = None, script_args: tuple[str, ...] = ()) -> dict[str, float]:
    cmd = [_wrk(), "-t1", f"-c{conns}", f"-d{seconds}s", "--latency"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(url)
    if script_args:
        cmd += ["--", *script_args]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    lat = {}
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if m:
            scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
            lat[f"p{pct}_ms"] = float(m.group(1)) * scale
    return {"requests_per_s": rps, "non_2xx": int(non2xx.group(1)) if non2xx else 0, **lat}


def _wait_ready(url: str, timeout: float = 900.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not ready after {timeout:.0f} s")


# -- a paced client ---------------------------------------------------------------------------
async def _paced(host: str, port: int, paths: list[str], headers: dict[str, str], rate: float,
                 seconds: float, conns: int = 16) -> dict[str, float]:
    """Send GET requests on a fixed schedule (``rate`` per second) over ``conns`` keep-alive
    connections; latency of each is measured from when it was due."""
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(conns):
        free.put_nowait(await asyncio.open_connection(host, port))
    lat: list[float] = []
    errors = 0
    total = int(rate * seconds)
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.1

    async def one(k: int) -> None:
        nonlocal errors
        due = t0 + k / rate
        reader, writer = await free.get()
        req = f"GET {paths[k % len(paths)]} HTTP/1.1\r\nHost: {host}\r\n{head}\r\n"
        writer.write(req.encode())
        status_line = await reader.readline()
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await reader.readexactly(length)
        lat.append(loop.time() - due)
        if b" 200 " not in status_line:
            errors += 1
        free.put_nowait((reader, writer))

    tasks = []
    for k in range(total):
        delay = t0 + k / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(k)))
    await asyncio.gather(*tasks)
    while not free.empty():
        _, w = free.get_nowait()
        w.close()
    a = np.array(lat) * 1000
    return {"rate_per_s": rate, "requests": len(a), "errors": errors,
            "p50_ms": float(np.percentile(a, 50)), "p95_ms": float(np.percentile(a, 95)),
            "p99_ms": float(np.percentile(a, 99)), "max_ms": float(a.max())}


def _sequential(base: str, paths: list[str], headers: dict[str, str]) -> dict[str, float]:
    import httpx

    lat = []
    codes: dict[int, int] = {}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
        for p in paths:
            t = time.perf_counter()
            r = c.get(p)
            lat.append((time.perf_counter() - t) * 1000)
            codes[r.status_code] = codes.get(r.status_code, 0) + 1
    a = np.array(lat)
    return {"requests": len(a), "status": {str(k): v for k, v in codes.items()},
            "p50_ms": float(np.percentile(a, 50)), "p95_ms": float(np.percentile(a, 95)),
            "p99_ms": float(np.percentile(a, 99)), "max_ms": float(a.max())}


def _batch(base: str, ids: list[str], headers: dict[str, str], seconds: float,
           conns: int = 2) -> dict[str, float]:
    import httpx

    body = json.dumps({"ids": ids}).encode()

    async def worker(stop: float, lat: list[float]) -> int:
        n = 0
        async with httpx.AsyncClient(base_url=base, headers={**headers, "content-type":
                                                             "application/json"},
                                     timeout=60) as c:
            while time.perf_counter() < stop:
                t = time.perf_counter()
                r = await c.post("/v1/scores", content=body)
                r.raise_for_status()
                lat.append(time.perf_counter() - t)
                n += 1
        return n

    async def main() -> tuple[int, float, list[float]]:
        lat: list[float] = []
        t0 = time.perf_counter()
        counts = await asyncio.gather(*(worker(t0 + seconds, lat) for _ in range(conns)))
        return sum(counts), time.perf_counter() - t0, lat

    calls, elapsed, lat = asyncio.run(main())
    a = np.array(lat) * 1000
    return {"ids_per_call": len(ids), "calls": calls, "seconds": elapsed,
            "scores_per_s": calls * len(ids) / elapsed, "connections": conns,
            "call_p50_ms": float(np.percentile(a, 50)), "call_p95_ms": float(np.percentile(a, 95))}


# -- set-up -------------------------------------------------------------------------------------
def _prepare(enterprises: int, work: Path) -> tuple[Path, str]:
    """The data folder with the portfolio ingested and scores written; returns it and where
    the scores came from."""
    data = work / f"data-{enterprises}"
    pf = work / f"portfolio-{enterprises}"
    env = {**os.environ, "RISKGRAPH_DATA_DIR": str(data), "RISKGRAPH_ENV": "development",
           "RISKGRAPH_PII_KEY": "bench-secret-0123456789"}
    if not (data / "graph" / "CURRENT").exists():
        if not (pf / "enterprises.csv").exists():
            subprocess.run([*RG, "generate", str(pf), "--enterprises", str(enterprises),
                            "--seed", "1"], check=True, env=env, cwd=ROOT)
        subprocess.run([*RG, "ingest", str(pf), "--data-dir", str(data)], check=True, env=env,
                       cwd=ROOT)
    from graph import EmbeddedStore

    store = EmbeddedStore(data)
    scores = store.scores()
    versions = set(scores["model_version"].dropna().astype(str)) if len(scores) else set()
    if scores.empty or versions == {"synthetic-bench"}:
        import pandas as pd

        if scores.empty:
            snap = store.snapshot()
            n = snap.nodes[snap.nodes["label"].isin(["Enterprise", "Person"])]
            rng = np.random.default_rng(1)
            p = rng.beta(1, 20, len(n))
            store.write_scores(pd.DataFrame({
                "id": n["id"].to_numpy(), "label": n["label"].to_numpy(), "pd": p,
                "contagion_exposure": p * rng.uniform(0, 0.5, len(n)),
                "model_version": "synthetic-bench", "explanation": None}))
        return data, "synthetic (the GNN's scores were not in the store: written by the bench)"
    return data, f"the store's own ({', '.join(sorted(versions))})"


def _key(data: Path, role: str, name: str) -> str:
    from api.keys import create_key, list_keys, revoke_key

    path = data / "api-keys.json"
    if any(k.name == name and k.revoked is None for k in list_keys(path)):
        revoke_key(path, name)
    return create_key(path, name, role)[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--enterprises", type=int, default=100_000)
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--rate", type=float, default=500.0)
    ap.add_argument("--work", type=Path, default=CACHE / "api")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    _wrk()
    data, scores_from = _prepare(args.enterprises, args.work)
    service = _key(data, "service", "bench-service")
    committee = _key(data, "committee", "bench-committee")

    import pandas as pd

    scores = pd.read_parquet(data / "graph" / "scores.parquet", columns=["id", "label"])
    ents = scores.loc[scores["label"] == "Enterprise", "id"].tolist()
    rng = random.Random(1)
    sample = rng.sample(ents, 10_000)
    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(),
                    "load_average_at_start": os.getloadavg()[0]},
        "portfolio": {"enterprises": args.enterprises, "scores_from": scores_from,
                      "scores": len(scores)},
    }
    tmp = Path(tempfile.mkdtemp())
    ids_file = tmp / "ids.txt"
    ids_file.write_text("\n".join(sample) + "\n")
    script = tmp / "ids.lua"
    script.write_text(WRK_IDS.replace("args_prefix", '"/v1/entities/"')
                      .replace("args_suffix", '"/score"'))
    floor_script = tmp / "floor.lua"
    floor_script.write_text(WRK_IDS.replace("args_prefix", '"/floor/"')
                            .replace("args_suffix", '""'))
    (tmp / "floor_ids.txt").write_text("\n".join(str(i) for i in range(10_000)) + "\n")

    # the floor: bare FastAPI + uvicorn
    fport = _free_port()
    floor = subprocess.Popen([sys.executable, "-c", FLOOR_APP, str(fport)], cwd=ROOT)
    try:
        _wait_ready(f"http://127.0.0.1:{fport}/floor/1", 60)
        _run_wrk(f"http://127.0.0.1:{fport}", 3, 8, {}, floor_script,
                 (str(tmp / "floor_ids.txt"),))  # warm-up
        results["floor"] = _run_wrk(f"http://127.0.0.1:{fport}", args.seconds, 8, {},
                                    floor_script, (str(tmp / "floor_ids.txt"),))
        results["floor_paced"] = asyncio.run(_paced(
            "127.0.0.1", fport, [f"/floor/{i}" for i in range(10_000)], {}, args.rate,
            args.seconds))
    finally:
        floor.send_signal(signal.SIGINT)
        floor.wait(30)

    port = _free_port()
    env = {**os.environ, "RISKGRAPH_ENV": "development",
           "RISKGRAPH_PII_KEY": "bench-secret-0123456789"}
    t0 = time.perf_counter()
    server = subprocess.Popen([*RG, "serve", "--data-dir", str(data), "--port", str(port),
                               "--log-level", "warning"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base + "/ready")
        results["server_start_s"] = time.perf_counter() - t0
        auth = {"X-API-Key": service}
        _run_wrk(base, 3, 8, auth, script, (str(ids_file),))  # warm-up
        results["single_score"] = _run_wrk(base, args.seconds, 8, auth, script,
                                           (str(ids_file),))
        results["single_score_paced"] = asyncio.run(_paced(
            "127.0.0.1", port, [f"/v1/entities/{i}/score" for i in sample], auth, args.rate,
            args.seconds))
        results["batch_scores"] = _batch(base, sample, auth, args.seconds)
        cauth = {"X-API-Key": committee}
        group_ids = rng.sample(ents, 300)
        results["group"] = _sequential(base, [f"/v1/entities/{i}/group" for i in group_ids],
                                       cauth)
        results["neighbourhood_2_hops"] = _sequential(
            base, [f"/v1/entities/{i}/neighbourhood?hops=2" for i in group_ids[:200]], cauth)
        import httpx

        metrics = httpx.get(base + "/metrics").text
        results["audit_records_written"] = float(re.search(
            r"^riskgraph_audit_records_written ([\d.e+]+)$", metrics, re.M).group(1))  # type: ignore[union-attr]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    results["machine"]["load_average_at_end"] = os.getloadavg()[0]  # type: ignore[index]
    single = results["single_score"]
    paced = results["single_score_paced"]
    batch = results["batch_scores"]
    group = results["group"]
    floor_r = results["floor"]
    assert isinstance(single, dict) and isinstance(paced, dict) and isinstance(batch, dict)
    assert isinstance(group, dict) and isinstance(floor_r, dict)
    results["targets"] = {
        "single_score_rps>=1500": single["requests_per_s"] >= 1500,
        "single_score_p99_at_500rps<5ms": paced["p99_ms"] < 5.0,
        "batch_scores_per_s>=50000": batch["scores_per_s"] >= 50_000,
        "group_p95<50ms": group["p95_ms"] < 50.0,
        "ratio_single_to_floor": single["requests_per_s"] / floor_r["requests_per_s"],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "api.md").write_text(_markdown(results))
    print(_markdown(results))
    shutil.rmtree(tmp, ignore_errors=True)


def _markdown(r: dict) -> str:  # type: ignore[type-arg]
    s, p, b, g, nb, f, fp = (r["single_score"], r["single_score_paced"], r["batch_scores"],
                             r["group"], r["neighbourhood_2_hops"], r["floor"],
                             r["floor_paced"])
    t = r["targets"]
    ok = {True: "yes", False: "**no**"}
    return f"""# API benchmark

`bench/bench_api.py` on {r['machine']['cpus']} CPUs, Python {r['machine']['python']}; one
`riskgraph serve` worker (uvloop + httptools), embedded store, a generated portfolio of
{r['portfolio']['enterprises']:,} enterprises ({r['portfolio']['scores']:,} scored parties;
scores: {r['portfolio']['scores_from']}). Server start to ready: {r['server_start_s']:.1f} s.
Load from `wrk` (1 thread, 8 connections) and a paced asyncio client, all on 127.0.0.1, on the
same two cores as the server. Load average (other work on the machine) at start
{r['machine']['load_average_at_start']:.1f}, at end {r['machine']['load_average_at_end']:.1f}:
on a shared machine the tail latencies of the floor and of the API move together.

| measurement | result | target | met |
|---|---|---|---|
| floor: bare FastAPI + uvicorn, one number from a dict (wrk) | {f['requests_per_s']:,.0f} req/s | | |
| single score, authenticated + audited (wrk) | {s['requests_per_s']:,.0f} req/s ({t['ratio_single_to_floor']:.0%} of the floor), p50 {s.get('p50_ms', 0):.2f} ms, p99 {s.get('p99_ms', 0):.2f} ms | ≥ 1,500 req/s | {ok[t['single_score_rps>=1500']]} |
| single score at {p['rate_per_s']:.0f} req/s (paced) | p50 {p['p50_ms']:.2f} ms, p95 {p['p95_ms']:.2f} ms, p99 {p['p99_ms']:.2f} ms, max {p['max_ms']:.1f} ms ({p['requests']:,} requests, {p['errors']} errors) | p99 < 5 ms | {ok[t['single_score_p99_at_500rps<5ms']]} |
| floor at {fp['rate_per_s']:.0f} req/s (paced) | p50 {fp['p50_ms']:.2f} ms, p99 {fp['p99_ms']:.2f} ms | | |
| batch scores, {b['ids_per_call']:,} ids a call, {b['connections']} connections | {b['scores_per_s']:,.0f} scores/s (call p50 {b['call_p50_ms']:.0f} ms) | ≥ 50,000/s | {ok[t['batch_scores_per_s>=50000']]} |
| linked-party group, one at a time ({g['requests']} random enterprises) | p50 {g['p50_ms']:.1f} ms, p95 {g['p95_ms']:.1f} ms, p99 {g['p99_ms']:.1f} ms | p95 < 50 ms | {ok[t['group_p95<50ms']]} |
| neighbourhood, 2 hops ({nb['requests']} enterprises) | p50 {nb['p50_ms']:.1f} ms, p95 {nb['p95_ms']:.1f} ms | | |

Non-2xx answers under wrk: {s['non_2xx']} (scores), {f['non_2xx']} (floor). Audit records
written during the run: {r['audit_records_written']:,.0f}.
"""


if __name__ == "__main__":
    main()
