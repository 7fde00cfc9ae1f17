#!/usr/bin/env python3
"""Benchmark of the workflow engine over XML-RPC on a real Odoo 17 server (2 HTTP workers).

Prints:
  * latency p50/p99 of "start + 3 transitions" (4 XML-RPC calls) with 0 and with
    10,000 active instances already present — the 0-instance run is the reference;
  * transitions per second with 1 and with 2 concurrent XML-RPC clients;
  * a plain XML-RPC ``write`` round trip as the floor every call pays.

Usage: tests/benchmarks/bench_workflow_engine.py [--instances 10000] [--iterations 200]
(runs in its own database, ``wfa_bench_engine``, created and dropped here).
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from odoo_harness import OdooServer, Rpc, install

FLOW = {
    "name": "Bench order flow",
    "code": "BENCH_FLOW",
    "model": "res.partner",
    "timeout_hours": 72,
    "allow_parallel": True,
    "workflow_config": {
        "states": [
            {"code": "draft", "name": "Draft", "is_initial": True},
            {"code": "check", "name": "Check", "timeout_hours": 24},
            {"code": "approve", "name": "Approve", "timeout_hours": 48},
            {"code": "done", "name": "Done", "is_final": True},
        ],
        "transitions": [
            {"name": "Submit", "from": "draft", "to": "check"},
            {"name": "Checked", "from": "check", "to": "approve"},
            {"name": "Approve", "from": "approve", "to": "done"},
        ],
    },
}


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def fmt(values):
    return f"p50 {pct(values, 50) * 1000:7.1f} ms   p99 {pct(values, 99) * 1000:7.1f} ms   (n={len(values)})"


def run_lifecycles(rpc, partners, transitions):
    times = []
    for pid in partners:
        t0 = time.perf_counter()
        inst = rpc("workflow.instance", "start_workflow", "BENCH_FLOW", "res.partner", pid)
        for tid in transitions:
            rpc("workflow.instance", "fire", [inst], tid)
        times.append(time.perf_counter() - t0)
    return times


def run_clients(rpcs, jobs):
    """Run ``jobs[i]`` (a list of (model, method, args...) calls) on client ``i``, all clients at once.

    Returns (calls per second, number of calls, elapsed seconds, per-call latencies).
    """
    latencies = [[] for _r in rpcs]

    def work(i):
        for call in jobs[i]:
            t = time.perf_counter()
            rpcs[i](*call)
            latencies[i].append(time.perf_counter() - t)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(rpcs))]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    flat = [x for lat in latencies for x in lat]
    return len(flat) / elapsed, len(flat), elapsed, flat


def throughput(url, db, clients, per_client, transitions, admin, rpcs=None):
    """``fire`` calls per second with ``clients`` concurrent XML-RPC clients (3 per instance)."""
    partners = admin(
        "res.partner", "create", [{"name": f"tp {clients}-{i}"} for i in range(clients * per_client)]
    )
    instances = admin("workflow.definition", "start", [admin.flow_id], partners)
    rpcs = rpcs or [Rpc(url, db, "admin", "admin") for _i in range(clients)]
    jobs = [
        [("workflow.instance", "fire", [inst], tid) for inst in instances[i::clients] for tid in transitions]
        for i in range(clients)
    ]
    return run_clients(rpcs, jobs)


def write_throughput(clients, calls_per_client, admin, rpcs):
    """Plain one-field ``write`` calls per second, measured exactly like ``throughput``."""
    partners = admin("res.partner", "create", [{"name": f"wr {i}"} for i in range(clients)])
    jobs = [
        [("res.partner", "write", [partners[i]], {"ref": f"r{n}"}) for n in range(calls_per_client)]
        for i in range(clients)
    ]
    return run_clients(rpcs, jobs)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", type=int, default=10000)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument(
        "--per-client", type=int, default=100, help="instances per client in the throughput run"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved write / fire rounds with 2 clients (ratio goal)"
    )
    parser.add_argument("--db", default="wfa_bench_engine")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    t0 = time.perf_counter()
    install(args.db, "workflow_automation")
    print(f"database {args.db} installed in {time.perf_counter() - t0:.1f}s")
    try:
        with OdooServer(args.db, workers=2, logfile=f"/tmp/{args.db}.log") as url:
            admin = Rpc(url, args.db, "admin", "admin")
            admin.flow_id = admin("workflow.definition", "import_json", FLOW)
            transitions = [
                admin(
                    "workflow.transition", "search", [("workflow_id", "=", admin.flow_id), ("name", "=", n)]
                )[0]
                for n in ("Submit", "Checked", "Approve")
            ]
            probe = admin("res.partner", "create", {"name": "probe"})
            floor = []
            for _i in range(args.iterations):
                t = time.perf_counter()
                admin("res.partner", "write", [probe], {"ref": "x"})
                floor.append(time.perf_counter() - t)

            warm = admin("res.partner", "create", [{"name": f"warm {i}"} for i in range(20)])
            run_lifecycles(admin, warm, transitions)
            partners = admin("res.partner", "create", [{"name": f"ref {i}"} for i in range(args.iterations)])
            reference = run_lifecycles(admin, partners, transitions)

            t = time.perf_counter()
            for start in range(0, args.instances, 1000):
                n = min(1000, args.instances - start)
                ids = admin("res.partner", "create", [{"name": f"load {start + i}"} for i in range(n)])
                admin("workflow.definition", "start", [admin.flow_id], ids)
            seed = time.perf_counter() - t
            active = admin("workflow.instance", "search_count", [("status", "=", "active")])

            partners = admin("res.partner", "create", [{"name": f"meas {i}"} for i in range(args.iterations)])
            loaded = run_lifecycles(admin, partners, transitions)

            tp1 = throughput(url, args.db, 1, args.per_client, transitions, admin)
            tp2 = throughput(url, args.db, 2, args.per_client, transitions, admin)

            # the goal: fire calls/s >= 85 % of plain write calls/s, both with 2 clients,
            # measured the same way, interleaved so that the shared machine's load hits both
            rpcs = [Rpc(url, args.db, "admin", "admin") for _i in range(2)]
            rounds = []
            for _r in range(args.rounds):
                wr = write_throughput(2, 3 * args.per_client, admin, rpcs)
                fi = throughput(url, args.db, 2, args.per_client, transitions, admin, rpcs)
                rounds.append((wr, fi))
    finally:
        if not args.keep_db:
            subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "odoo", args.db], check=False)

    print()
    print("Workflow engine benchmark (Odoo 17, 2 HTTP workers, XML-RPC on loopback)")
    print(f"  XML-RPC write round trip (floor)          {fmt(floor)}")
    print(f"  start + 3 transitions, 0 active (ref)     {fmt(reference)}")
    print(
        f"  seeded {active} active instances in {seed:.1f}s ({active / max(seed, 1e-9):.0f} starts/s, "
        "batches of 1000)"
    )
    print(f"  start + 3 transitions, {active} active  {fmt(loaded)}")
    ratio = pct(loaded, 50) / pct(reference, 50)
    print(f"  p50 with {active} active / p50 reference = {ratio:.2f}")
    print(f"  throughput, 1 client : {tp1[0]:7.1f} transitions/s ({tp1[1]} in {tp1[2]:.1f}s)")
    print(f"  throughput, 2 clients: {tp2[0]:7.1f} transitions/s ({tp2[1]} in {tp2[2]:.1f}s)")
    print(f"  speed-up with 2 clients: {tp2[0] / tp1[0]:.2f}x")
    print(f"  statistics: mean lifecycle {statistics.mean(loaded) * 1000:.1f} ms")
    print()
    print("  2 concurrent clients, write (reference) and fire interleaved, per round:")
    ratios = []
    for n, (wr, fi) in enumerate(rounds, 1):
        ratios.append(fi[0] / wr[0])
        print(
            f"    round {n}: write {wr[0]:6.1f} calls/s (p50 {pct(wr[3], 50) * 1000:5.1f} ms, "
            f"p99 {pct(wr[3], 99) * 1000:5.1f} ms)   fire {fi[0]:6.1f} calls/s "
            f"(p50 {pct(fi[3], 50) * 1000:5.1f} ms, p99 {pct(fi[3], 99) * 1000:5.1f} ms)   "
            f"fire/write {ratios[-1] * 100:5.1f} %"
        )
    writes = [x for wr, _fi in rounds for x in wr[3]]
    fires = [x for _wr, fi in rounds for x in fi[3]]
    print(
        f"  fire/write calls per second, median of {len(ratios)} rounds: {statistics.median(ratios) * 100:.1f} %"
    )
    write_rate = sum(wr[1] for wr, _fi in rounds) / sum(wr[2] for wr, _fi in rounds)
    fire_rate = sum(fi[1] for _wr, fi in rounds) / sum(fi[2] for _wr, fi in rounds)
    print(
        f"  fire/write calls per second over all rounds: {fire_rate / write_rate * 100:.1f} % "
        f"(write {write_rate:.1f} calls/s, fire {fire_rate:.1f} calls/s)"
    )
    print(
        f"  p99 of one transition {pct(fires, 99) * 1000:.1f} ms = {pct(fires, 99) / pct(writes, 99):.2f}x "
        f"the write p99 ({pct(writes, 99) * 1000:.1f} ms), {pct(fires, 99) / pct(writes, 50):.2f}x the "
        f"write p50 ({pct(writes, 50) * 1000:.1f} ms)"
    )
    print(
        f"  load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
