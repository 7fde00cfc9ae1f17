"""Benchmark: the SLA breach scan over 10,000 active trackings.

Prints figures, not pass/fail.  Everything happens in one transaction that is
rolled back, so the database is left as it was.

    /opt/odoo-venv/bin/python tests/benchmarks/bench_workflow_sla.py [--db wfa_sla_bench] [--count 10000]

The database is created (workflow_sla installed, no demo data) when it does not exist.
Measured, on the same data in the same run:

* ``idle scan``: the job when nothing is due (one partial-index query);
* ``warning scan`` / ``breach scan``: every tracking reaches its 50 % warning, then
  its breach, and the job works through them in batches of 500, notifications included
  (nobody responsible: one logged note per event, in batch; ``--with-users``: a mail
  notification and, for breaches, a to-do per event);
* ``reference``: the naive scan of the specification - load every active tracking
  and compute its elapsed business time with ``resource.calendar.get_work_hours_count``
  one record at a time - on a sample, extrapolated to the full count.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ODOO_PATH = os.environ.get("ODOO_PATH", "/opt/odoo17")
sys.path.insert(0, ODOO_PATH)

import odoo  # noqa: E402
from odoo.tools import config  # noqa: E402

ADDONS = f"{ODOO_PATH}/odoo/addons,{REPO}/addons"
DB_ARGS = ["--db_host", os.environ.get("PGHOST", "127.0.0.1"), "--db_user", os.environ.get("PGUSER", "odoo")]


def ensure_db(db):
    check = subprocess.run(
        ["psql", "-h", DB_ARGS[1], "-U", DB_ARGS[3], "-lqt"], capture_output=True, text=True, check=False
    )
    if any(line.split("|")[0].strip() == db for line in check.stdout.splitlines()):
        return
    print(f"creating {db} (workflow_sla, no demo data)...", flush=True)
    subprocess.run(
        [
            sys.executable,
            f"{ODOO_PATH}/odoo-bin",
            "--addons-path",
            ADDONS,
            *DB_ARGS,
            "-d",
            db,
            "-i",
            "workflow_sla",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
            "--http-port=0",
        ],
        check=True,
    )


def percentile(values, pct):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(pct / 100.0 * (len(values) - 1))))]


def timed_batches(env, now, limit):
    Tracking = env["sla.tracking"]
    durations, handled = [], 0
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        done = Tracking._job_check_deadlines(limit=limit, now=now)
        if not done:
            break
        durations.append(time.perf_counter() - t0)
        handled += done
    total = time.perf_counter() - start
    return handled, total, durations


def report(label, handled, total, durations):
    if not durations:
        print(f"{label:<14} nothing handled")
        return
    print(
        f"{label:<14} {handled:>6} trackings in {total:7.2f} s = {handled / total:8.0f}/s; "
        f"per batch of 500: p50 {statistics.median(durations) * 1000:7.1f} ms, "
        f"p99 {percentile(durations, 99) * 1000:7.1f} ms"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("WFA_DB", "wfa_sla_bench"))
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument(
        "--with-users",
        action="store_true",
        help="give every tracking a responsible user (mail + to-do per event)",
    )
    parser.add_argument("--sample", type=int, default=1000, help="records of the naive reference scan")
    args = parser.parse_args()
    ensure_db(args.db)
    config.parse_config(["--addons-path", ADDONS, *DB_ARGS, "-d", args.db, "--log-level=warn"])
    registry = odoo.registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True})
        try:
            run(env, args)
        finally:
            cr.rollback()


def run(env, args):
    calendar = env.ref("resource.resource_calendar_std")
    calendar.tz = "Europe/Brussels"
    sla = env["sla.definition"].create(
        {
            "name": "Benchmark 4 business hours",
            "code": "BENCH_SLA",
            "model_id": env["ir.model"]._get("res.partner").id,
            "critical_threshold": 4,
            "warning_levels": "50",
            "calendar_id": calendar.id,
            "applies_domain": "[('ref', '=', 'BENCH-NEVER')]",
        }
    )
    start = datetime(2026, 3, 2, 8, 0)  # Monday 09:00 Brussels
    Tracking = env["sla.tracking"]
    user_id = env.ref("base.user_admin").id if args.with_users else False
    t0 = time.perf_counter()
    vals = [
        {
            "sla_id": sla.id,
            "model_name": "res.partner",
            "record_id": 10_000_000 + i,
            "record_name": f"Bench {i}",
            "started_at": start + timedelta(minutes=i % 60),
            "user_id": user_id,
            "target_hours": 4,
        }
        for i in range(args.count)
    ]
    trackings = Tracking.create(vals)
    created = time.perf_counter() - t0
    t0 = time.perf_counter()
    trackings._sla_recompute(now=start)
    planned = time.perf_counter() - t0
    env.flush_all()
    print(
        f"setup: {args.count} trackings created in {created:.2f} s, "
        f"planned on the calendar in {planned:.2f} s"
    )

    # idle scan: nothing due yet
    runs = []
    for _i in range(20):
        t0 = time.perf_counter()
        Tracking._job_check_deadlines(limit=500, now=start)
        runs.append(time.perf_counter() - t0)
    print(
        f"idle scan      nothing due: p50 {statistics.median(runs) * 1000:.2f} ms, "
        f"p99 {percentile(runs, 99) * 1000:.2f} ms"
    )
    env.cr.execute(
        "EXPLAIN SELECT id FROM sla_tracking WHERE next_check_at <= %s ORDER BY next_check_at, id LIMIT 500 "
        "FOR UPDATE SKIP LOCKED",
        (start,),
    )
    plan = [row[0].strip() for row in env.cr.fetchall()]
    print("               plan: " + next((line for line in plan if "Index" in line), plan[0]))

    # starts 09:00-09:59 local: 50 % of 4 h reached by 12:00 local, the breach by 15:00 local
    report("warning scan", *timed_batches(env, datetime(2026, 3, 2, 11, 0), 500))
    report("breach scan", *timed_batches(env, datetime(2026, 3, 2, 14, 0), 500))
    print(
        f"               goal: 10,000 due trackings in < 2 s; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    env.cr.execute("SELECT status, count(*) FROM sla_tracking WHERE sla_id = %s GROUP BY status", (sla.id,))
    print(f"               statuses after the scans: {dict(env.cr.fetchall())}")

    # reference: the specification's per-record scan, on a sample
    sample = min(args.sample, args.count)
    env.invalidate_all()
    now = datetime(2026, 3, 2, 14, 0)
    t0 = time.perf_counter()
    active = Tracking.search([("sla_id", "=", sla.id)], limit=sample)
    for rec in active:
        hours = calendar.get_work_hours_count(rec.started_at, now)
        _breached = hours > rec.target_hours
    ref = time.perf_counter() - t0
    print(
        f"reference      naive per-record scan: {sample} trackings in {ref:.2f} s = {sample / ref:.0f}/s, "
        f"{args.count} would take ~{ref * args.count / sample:.1f} s on every run (even when nothing is due)"
    )


if __name__ == "__main__":
    main()
