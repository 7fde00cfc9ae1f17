"""Benchmark: the SLA breach scan over 10,000 active trackings, and the notes that follow it.

Prints figures, not pass/fail.  Works in its own database (created with workflow_sla, no
demo data, when it does not exist): the data is committed, as the jobs commit, and removed at
the end.

    /opt/odoo-venv/bin/python tests/benchmarks/bench_workflow_sla.py [--db wfa_sla_bench] [--count 10000]

Measured, on the same data in the same run:

* ``idle scan``: the job when nothing is due (one partial-index query);
* ``warning scan`` / ``breach scan``: every tracking reaches its 50 % warning, then its
  breach; the job works through them in batches of 500, one transaction each, as the cron
  or a Celery worker runs it.  The time runs until the last batch has committed its flags
  and events, and the script checks from another connection that every flag is visible;
* ``notes``: the follow-up job (``sla.event._job_notify``, batches of 1,000, one
  transaction each) notifying those events: nobody responsible, so one logged note per
  document (here the tracking itself: the benchmark's records do not exist); with
  ``--with-users`` a mail notification and, for breaches, a to-do per event;
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


def report(label, handled, total, durations, batch=500, unit="trackings"):
    if not durations:
        print(f"{label:<14} nothing handled")
        return
    print(
        f"{label:<14} {handled:>6} {unit} in {total:7.2f} s = {handled / total:8.0f}/s; "
        f"per batch of {batch}: p50 {statistics.median(durations) * 1000:7.1f} ms, "
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
    context = {"tracking_disable": True, "mail_notrack": True}
    state = {}
    try:
        run(registry, context, args, state)
    finally:
        cleanup(registry, context, state)


def cleanup(registry, context, state):
    """Remove what the run committed: trackings (their events go with them), their notes and
    to-dos, the SLA and the calendar."""
    if not state.get("sla_id"):
        return
    with registry.cursor() as cr:
        cr.execute("SELECT id FROM sla_tracking WHERE sla_id = %s", (state["sla_id"],))
        ids = [row[0] for row in cr.fetchall()]
        cr.execute("DELETE FROM mail_message WHERE model = 'sla.tracking' AND res_id = ANY(%s)", (ids,))
        cr.execute("DELETE FROM mail_activity WHERE res_model = 'sla.tracking' AND res_id = ANY(%s)", (ids,))
        cr.execute("DELETE FROM sla_tracking WHERE sla_id = %s", (state["sla_id"],))
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, context)
        env["sla.definition"].browse(state["sla_id"]).unlink()
        env["resource.calendar"].browse(state["calendar_id"]).unlink()


def committed_batches(registry, context, method, now, limit):
    """Run ``method`` of the job's model batch after batch, each in its own committed
    transaction, until it reports nothing left."""
    model_name, name = method
    durations, handled = [], 0
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, context)
            done = getattr(env[model_name], name)(limit=limit, now=now)
        if not done:
            break
        durations.append(time.perf_counter() - t0)
        handled += done
    total = time.perf_counter() - start
    return handled, total, durations


def run(registry, context, args, state):
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, context)
        calendar = env.ref("resource.resource_calendar_std").copy(
            {"name": "SLA benchmark", "tz": "Europe/Brussels"}
        )
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
        state.update(sla_id=sla.id, calendar_id=calendar.id)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, context)
        scan_and_measure(registry, context, env, env["sla.definition"].browse(state["sla_id"]), args)


def scan_and_measure(registry, context, env, sla, args):
    calendar = sla.calendar_id
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
    env.cr.commit()
    print(
        f"setup: {args.count} trackings created in {created:.2f} s, "
        f"planned on the calendar in {planned:.2f} s (committed)"
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

    env.cr.commit()

    # starts 09:00-09:59 local: 50 % of 4 h reached by 12:00 local, the breach by 15:00 local
    scan = ("sla.tracking", "_job_check_deadlines")
    notify = ("sla.event", "_job_notify")
    for label, now, status, level in (
        ("warning", datetime(2026, 3, 2, 11, 0), "active", 50.0),
        ("breach", datetime(2026, 3, 2, 14, 0), "breached", 50.0),
    ):
        report(f"{label} scan", *committed_batches(registry, context, scan, now, 500))
        with registry.cursor() as cr:  # another connection: what every user sees now
            cr.execute(
                "SELECT count(*) FROM sla_tracking WHERE sla_id = %s AND status = %s AND warning_level = %s",
                (sla.id, status, level),
            )
            visible = cr.fetchone()[0]
            cr.execute(
                "SELECT count(*) FROM sla_event e JOIN sla_tracking t ON t.id = e.tracking_id "
                "WHERE t.sla_id = %s AND e.kind = %s AND e.notified_at IS NULL",
                (sla.id, label),
            )
            pending = cr.fetchone()[0]
        print(
            f"               committed and visible: {visible} {status} trackings, {pending} {label} events pending"
        )
        report(
            f"{label} notes",
            *committed_batches(registry, context, notify, now, 1000),
            batch=1000,
            unit="events",
        )
        with registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM mail_message m JOIN sla_tracking t ON m.model = 'sla.tracking' "
                "AND m.res_id = t.id WHERE t.sla_id = %s",
                (sla.id,),
            )
            notes = cr.fetchone()[0]
            cr.execute(
                "SELECT count(*) FROM sla_event e JOIN sla_tracking t ON t.id = e.tracking_id "
                "WHERE t.sla_id = %s AND e.notified_at IS NULL",
                (sla.id,),
            )
            print(
                f"               notes on the trackings so far: {notes}, events pending: {cr.fetchone()[0]}"
            )
    print(
        f"               goal: 10,000 due trackings flagged (committed) in < 2 s; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
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
