#!/usr/bin/env python3
"""Benchmark of the approval-levels check of workflow definitions (in process, no database).

Prints the time of the linear check (iterative Tarjan + longest path over the groups of
states) on a 40-state "ladder" (each state with two transitions to the next: 2^39 paths),
a 1,000-state chain (the most states a definition may have) and a 5,000-state chain, and
as the reference the former check (a recursive walk of every simple path) on small ladders,
where its time doubles with every added state.

Usage: tests/benchmarks/bench_definition_validation.py [--repeat 20]
"""

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, os.environ.get("ODOO_PATH", "/opt/odoo17"))
import odoo  # noqa: E402

odoo.tools.config.parse_config([f"--addons-path={ROOT / 'addons'}"])
odoo.modules.module.initialize_sys_path()
from odoo.addons.workflow_automation.models.workflow_definition import approval_levels  # noqa: E402


def ladder(steps, approval_every=5):
    graph = defaultdict(set)
    for i in range(steps - 1):
        graph[(i, "a")] |= {(i + 1, "a"), (i + 1, "b")}  # two transitions to the next step
        graph[(i, "b")] |= {(i + 1, "a"), (i + 1, "b")}
    approval = {(i, side) for i in range(steps) if i and i % approval_every == 0 for side in "ab"}
    return (0, "a"), graph, approval


def chain(count, approval_every=50):
    graph = defaultdict(set)
    for i in range(count - 1):
        graph[i].add(i + 1)
    return 0, graph, {i for i in range(count) if i and i % approval_every == 0}


def former_check(start, graph, approval, stop_above=10):
    """The check this replaces: a recursive walk of every simple path."""
    best = 0

    def walk(node, path, count):
        nonlocal best
        count += node in approval
        best = max(best, count)
        if best > stop_above:
            return
        for nxt in graph[node]:
            if nxt not in path:
                path.add(nxt)
                walk(nxt, path, count)
                path.discard(nxt)

    walk(start, {start}, 0)
    return best


def timed(fn, args, repeat):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - t0)
    return result, statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    opts = parser.parse_args()
    print("linear check (median of %d runs)" % opts.repeat)
    for label, case in (
        ("40-state ladder (2^39 paths, 7 approval states on each)", ladder(40, 5)),
        ("1,000-state chain (19 approval states)", chain(1000)),
        ("5,000-state chain (99 approval states)", chain(5000)),
    ):
        levels, seconds = timed(approval_levels, case, opts.repeat)
        print(f"  {label:60s} {seconds * 1000:8.2f} ms  -> {levels} levels")
    print("former check (recursive walk of every path), reference, 1 run each")
    seconds = 0.0
    for steps in (12, 14, 16, 18):
        start, graph, approval = ladder(steps, approval_every=100)  # no approval state: no early stop
        _levels, seconds = timed(former_check, (start, graph, approval), 1)
        print(f"  {steps}-state ladder ({2 ** (steps - 1)} paths){'':30s} {seconds * 1000:8.2f} ms")
    print(f"  40-state ladder, extrapolated (x2 per state){'':17s} {seconds * 2**22 / 86400:8.1f} days")
    try:
        former_check(*chain(5000, approval_every=10**6))
    except RecursionError:
        print("  5,000-state chain: RecursionError")


if __name__ == "__main__":
    main()
