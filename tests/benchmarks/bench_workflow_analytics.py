"""Benchmark: workflow analytics on 100,000 instances and 1,000,000 history rows.

Prints figures, not pass/fail.

    /opt/odoo-venv/bin/python tests/benchmarks/bench_workflow_analytics.py [--db wfa_analytics_bench]
        [--instances 100000] [--runs 10] [--reseed]

The database is created (workflow_analytics installed, no demo data) when it does
not exist, then seeded once with SQL (generate_series) and committed: 5 workflow
definitions of 6 states, ``--instances`` instances spread over the last 365 days,
10 history rows each (state changes, approval votes and comments; one in five is
sent back once, one in ten is still running, one in fifty was cancelled), one
approval request with two votes per instance, 20 approvers.  Later runs reuse the
seeded data (``--reseed`` starts again).

Measured, as an administrator (record rules applied, no sudo):

* ``dashboard``: ``workflow.analytics.get_dashboard`` - the one RPC the dashboard
  makes; all its figures of both periods in one statement - for the last 30 days,
  the last 365 days and one definition over 90 days, reading the stays from the
  state-interval table, and, in the same run and interleaved with it, the
  reference: the same call with the stays computed as before the table, by window
  functions over the history;
* each figure alone (volumes and cycle time, throughput, states / bottleneck /
  variants / rework, approvals, queues): the same statement computing only that
  figure, for both periods, with the shared parts it reads (the readable instances);
* ``pivot``: the ORM ``read_group`` the pivot view makes on the state-interval view
  (time per state of one definition);
* ``state-interval table``: a consistency check of the whole table against the
  history, and the time to rebuild it from the history (the backfill an upgrade
  runs; rolled back);
* ``export``: the XES and CSV event log of every definition, streamed from a
  server-side cursor through the export route's writers, in rows per second.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import timedelta

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ODOO_PATH = os.environ.get("ODOO_PATH", "/opt/odoo17")
sys.path.insert(0, ODOO_PATH)

import odoo  # noqa: E402
from odoo.tools import config  # noqa: E402

ADDONS = f"{ODOO_PATH}/odoo/addons,{REPO}/addons"
DB_ARGS = ["--db_host", os.environ.get("PGHOST", "127.0.0.1"), "--db_user", os.environ.get("PGUSER", "odoo")]
STATES = [
    ("draft", "Draft", "start"),
    ("check", "Quality check", "normal"),
    ("review", "Review", "approval"),
    ("approve", "Manager approval", "normal"),
    ("ship", "Shipping", "normal"),
    ("done", "Done", "end"),
]
# 10 history rows per instance: (action, from, to); from == to is a comment / vote row
PATHS = {
    "straight": [
        ("start", None, "draft"),
        ("transition", "draft", "check"),
        ("system", "check", "check"),
        ("transition", "check", "review"),
        ("approval", "review", "review"),
        ("approval", "review", "review"),
        ("transition", "review", "approve"),
        ("transition", "approve", "ship"),
        ("system", "ship", "ship"),
        ("transition", "ship", "done"),
    ],
    "rework": [
        ("start", None, "draft"),
        ("transition", "draft", "check"),
        ("transition", "check", "review"),
        ("rejection", "review", "review"),
        ("transition", "review", "check"),
        ("transition", "check", "review"),
        ("approval", "review", "review"),
        ("transition", "review", "approve"),
        ("transition", "approve", "ship"),
        ("transition", "ship", "done"),
    ],
    "running": [
        ("start", None, "draft"),
        ("transition", "draft", "check"),
        ("system", "check", "check"),
        ("transition", "check", "review"),
        ("approval", "review", "review"),
        ("system", "review", "review"),
        ("approval", "review", "review"),
        ("transition", "review", "approve"),
        ("system", "approve", "approve"),
        ("escalation", "approve", "approve"),
    ],
    "cancelled": [
        ("start", None, "draft"),
        ("transition", "draft", "check"),
        ("system", "check", "check"),
        ("transition", "check", "review"),
        ("approval", "review", "review"),
        ("system", "review", "review"),
        ("approval", "review", "review"),
        ("transition", "review", "approve"),
        ("system", "approve", "approve"),
        ("cancel", "approve", "approve"),
    ],
}


def ensure_db(db, reseed):
    check = subprocess.run(
        ["psql", "-h", DB_ARGS[1], "-U", DB_ARGS[3], "-lqt"], capture_output=True, text=True, check=False
    )
    exists = any(line.split("|")[0].strip() == db for line in check.stdout.splitlines())
    if exists and reseed:
        subprocess.run(["dropdb", "-h", DB_ARGS[1], "-U", DB_ARGS[3], db], check=True)
        exists = False
    if exists:
        return
    print(f"creating {db} (workflow_analytics, no demo data)...", flush=True)
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
            "workflow_analytics",
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


def timed(func, runs):
    durations = []
    for _i in range(runs):
        t0 = time.perf_counter()
        func()
        durations.append(time.perf_counter() - t0)
    return durations


def line(label, durations):
    print(
        f"{label:<44} p50 {statistics.median(durations) * 1000:8.1f} ms   "
        f"p95 {percentile(durations, 95) * 1000:8.1f} ms   ({len(durations)} runs)",
        flush=True,
    )


def machine():
    mem = "?"
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kb = int(next(x for x in f if x.startswith("MemTotal")).split()[1])
            mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(x for x in f if x.startswith("model name")).split(":", 1)[1].strip()
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} CPU ({cpu}), {mem} RAM, Python {platform.python_version()}"


# The reference: how the dashboard computed the stays before the state-interval table,
# window functions over the history of the instances completed in the period.
HISTORY_STAYS = """
SELECT x.k, x.instance_id, x.workflow_id, COALESCE(x.state_code, x.state_name) AS key, x.state_name, x.sequence,
       x.is_rework, x.is_final, x.duration_hours, x.cycle_hours
  FROM (
    SELECT h.k, h.instance_id, h.workflow_id, s.code AS state_code,
           COALESCE(h.to_state_name, s.name->>'en_US') AS state_name, h.sequence, h.visit > 1 AS is_rework,
           COALESCE(s.is_final, FALSE) AS is_final,
           EXTRACT(EPOCH FROM COALESCE(h.left_at, now() AT TIME ZONE 'UTC') - h.performed_at) / 3600.0
               AS duration_hours,
           h.cycle_hours
      FROM (
            SELECT h.id, h.instance_id, h.to_state_id, h.to_state_name, h.performed_at,
                   d.k, d.live_workflow_id AS workflow_id, d.cycle_hours,
                   row_number() OVER w AS sequence,
                   row_number() OVER (PARTITION BY h.instance_id, h.to_state_id
                                      ORDER BY h.performed_at, h.id) AS visit,
                   COALESCE(lead(h.performed_at) OVER w, d.completed_at) AS left_at
              FROM workflow_history h
              JOIN %(done)s d ON d.id = h.instance_id
             WHERE %(interval_row)s
            WINDOW w AS (PARTITION BY h.instance_id ORDER BY h.performed_at, h.id)
           ) h
      LEFT JOIN workflow_state s ON s.id = h.to_state_id
  ) x
"""


def history_stays(self, done):
    """``workflow.analytics._flow_stays`` as it was before the state-interval table."""
    from odoo.tools import SQL  # pylint: disable=import-outside-toplevel

    from odoo.addons.workflow_analytics.models.interval_table import (  # pylint: disable=import-outside-toplevel
        INTERVAL_ROW,
    )

    return SQL(HISTORY_STAYS, interval_row=INTERVAL_ROW, done=done)


class ReferenceStays:
    """Within the block, the dashboard computes its stays from the history (the reference)."""

    def __init__(self, model):
        self.cls = type(model)

    def __enter__(self):
        self.cls._flow_stays = history_stays

    def __exit__(self, *exc):
        del self.cls._flow_stays


def timed_pair(func, reference, model, runs):
    """Time ``func`` as it is and as the reference, interleaved so that both see the same load."""
    after, before = [], []
    for _i in range(runs):
        t0 = time.perf_counter()
        func()
        after.append(time.perf_counter() - t0)
        with ReferenceStays(model):
            t0 = time.perf_counter()
            reference()
            before.append(time.perf_counter() - t0)
    return after, before


def add_partners(cr):
    """One partner per row of ``bench_inst`` (column ``partner_id``), inserted with SQL."""
    cr.execute(
        """
        ALTER TABLE bench_inst ADD COLUMN partner_id integer;
        CREATE TEMP TABLE bench_partner AS
        WITH ins AS (
            INSERT INTO res_partner (name, complete_name, active, type, is_company, create_uid, create_date,
                                     write_uid, write_date)
            SELECT 'Bench shop ' || b.n, 'Bench shop ' || b.n, TRUE, 'contact', FALSE, 1, now(), 1, now()
              FROM bench_inst b
            RETURNING id, name
        )
        SELECT id, substr(name, 12)::integer AS n FROM ins;
        UPDATE bench_inst b SET partner_id = p.id FROM bench_partner p WHERE p.n = b.n;
        """
    )


def seed(env, count):
    cr = env.cr
    t0 = time.perf_counter()
    Definition = env["workflow.definition"].with_context(workflow_structure_defer=True)
    partner_model = env["ir.model"]._get("res.partner")
    definitions = []
    for n in range(5):
        definition = Definition.create(
            {
                "name": f"Bench process {n + 1}",
                "code": f"BENCH_{n + 1}",
                "model_id": partner_model.id,
                "trigger_type": "manual",
                "timeout_hours": 0,
                "analytics_owner_id": env.ref("base.user_admin").id,
                "state_ids": [
                    (
                        0,
                        0,
                        {
                            "name": name,
                            "code": code,
                            "state_type": kind if kind != "approval" else "normal",
                            "is_initial": kind == "start",
                            "is_final": kind == "end",
                            "sequence": i,
                        },
                    )
                    for i, (code, name, kind) in enumerate(STATES)
                ],
            }
        )
        st = {s.code: s for s in definition.state_ids}
        pairs = {(f, t) for path in PATHS.values() for _a, f, t in path if f and f != t}
        env["workflow.transition"].with_context(workflow_structure_defer=True).create(
            [
                {
                    "workflow_id": definition.id,
                    "name": f"{st[f].name} to {st[t].name}",
                    "from_state_id": st[f].id,
                    "to_state_id": st[t].id,
                }
                for f, t in sorted(pairs)
            ]
        )
        definitions.append(definition)
    users = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create([{"name": f"Bench approver {n}", "login": f"bench_approver_{n}"} for n in range(20)])
    )
    env.flush_all()
    cr.execute("CREATE TEMP TABLE bench_path (variant int, j int, action text, f text, t text)")
    variant_ids = {"straight": 0, "rework": 1, "running": 2, "cancelled": 3}
    for name, path in PATHS.items():
        for j, (action, f, t) in enumerate(path):
            cr.execute(
                "INSERT INTO bench_path VALUES (%s, %s, %s, %s, %s)", (variant_ids[name], j, action, f, t)
            )
    cr.execute(
        """CREATE TEMP TABLE bench_state AS
           SELECT s.workflow_id, s.code, s.id, s.name->>'en_US' AS name, s.is_final
             FROM workflow_state s WHERE s.workflow_id = ANY(%s)""",
        ([d.id for d in definitions],),
    )
    cr.execute(
        """CREATE TEMP TABLE bench_tr AS
           SELECT t.workflow_id, f.code AS f, s.code AS t, t.id FROM workflow_transition t
             JOIN workflow_state f ON f.id = t.from_state_id JOIN workflow_state s ON s.id = t.to_state_id
            WHERE t.workflow_id = ANY(%s)""",
        ([d.id for d in definitions],),
    )
    admin = env.ref("base.user_admin").id
    company = env.company.id
    # one instance per generate_series row; variant: 1/10 running, 1/50 cancelled, 1/5 rework
    cr.execute(
        """
        CREATE TEMP TABLE bench_inst AS
        SELECT g AS n,
               (%(defs)s::int[])[1 + g %% 5] AS workflow_id,
               CASE WHEN g %% 10 = 0 THEN 2 WHEN g %% 50 = 1 THEN 3 WHEN g %% 5 = 2 THEN 1 ELSE 0 END AS variant,
               (now() AT TIME ZONE 'UTC') - make_interval(mins => (g * 7919) %% (365 * 24 * 60))
                   - interval '3 days' AS started_at,
               1 + g %% 13 AS step_hours
          FROM generate_series(1, %(count)s) g
        """,
        {"defs": [d.id for d in definitions], "count": count},
    )
    # each instance runs on a partner of its own: instances follow their document's access
    add_partners(cr)
    cr.execute(
        """
        WITH ins AS (
            INSERT INTO workflow_instance (name, workflow_id, live_workflow_id, version, model_name, record_id,
                record_name, current_state_id, status, started_at, completed_at, state_entered_at, company_id,
                started_by, retry_count, create_uid, create_date, write_uid, write_date)
            SELECT 'Bench ' || b.n, b.workflow_id, b.workflow_id, 1, 'res.partner', b.partner_id, 'Bench ' || b.n,
                   s.id,
                   CASE b.variant WHEN 2 THEN 'active' WHEN 3 THEN 'cancelled' ELSE 'completed' END,
                   b.started_at,
                   CASE WHEN b.variant = 2 THEN NULL
                        ELSE b.started_at + make_interval(hours => 9 * b.step_hours, mins => (b.n * 31 + 9 * 17) %% 50)
                   END,
                   b.started_at, %(company)s, %(admin)s, 0, %(admin)s, now(), %(admin)s, now()
              FROM bench_inst b
              JOIN bench_state s ON s.workflow_id = b.workflow_id
                   AND s.code = CASE b.variant WHEN 0 THEN 'done' WHEN 1 THEN 'done' ELSE 'approve' END
            RETURNING id, record_id
        )
        SELECT count(*) FROM ins
        """,
        {"company": company, "admin": admin},
    )
    cr.execute(
        """
        CREATE TEMP TABLE bench_map AS
        SELECT b.*, i.id AS instance_id FROM bench_inst b
          JOIN workflow_instance i ON i.record_id = b.partner_id AND i.model_name = 'res.partner'
        """
    )
    cr.execute(
        """
        INSERT INTO workflow_history (instance_id, workflow_id, model_name, record_id, company_id, transition_id,
            from_state_id, to_state_id, from_state_name, to_state_name, action_type, performed_by, performed_at,
            duration_seconds, create_uid, create_date, write_uid, write_date)
        SELECT m.instance_id, m.workflow_id, 'res.partner', m.partner_id, %(company)s, tr.id, fs.id, ts.id, fs.name,
               ts.name,
               p.action, (%(users)s::int[])[1 + (m.n + p.j) %% 20],
               m.started_at + make_interval(hours => p.j * m.step_hours, mins => (m.n * 31 + p.j * 17) %% 50),
               NULL, %(admin)s, now(), %(admin)s, now()
          FROM bench_map m
          JOIN bench_path p ON p.variant = m.variant
          LEFT JOIN bench_state fs ON fs.workflow_id = m.workflow_id AND fs.code = p.f
          JOIN bench_state ts ON ts.workflow_id = m.workflow_id AND ts.code = p.t
          LEFT JOIN bench_tr tr ON tr.workflow_id = m.workflow_id AND tr.f = p.f AND tr.t = p.t AND p.f <> p.t
        """,
        {"company": company, "admin": admin, "users": users.ids},
    )
    cr.execute(
        """
        WITH req AS (
            INSERT INTO approval_request (name, instance_id, state_id, workflow_id, model_name, record_id,
                record_name, approval_type, tie_policy, status, requested_at, completed_at, company_id,
                requested_by, create_uid, create_date, write_uid, write_date)
            SELECT 'Bench ' || m.n, m.instance_id, s.id, m.workflow_id, 'res.partner', m.partner_id, 'Bench ' || m.n,
                   'all', 'reject', CASE WHEN m.variant = 2 THEN 'pending' ELSE 'approved' END,
                   m.started_at + make_interval(hours => 3 * m.step_hours),
                   CASE WHEN m.variant = 2 THEN NULL ELSE m.started_at + make_interval(hours => 6 * m.step_hours) END,
                   %(company)s, %(admin)s, %(admin)s, now(), %(admin)s, now()
              FROM bench_map m JOIN bench_state s ON s.workflow_id = m.workflow_id AND s.code = 'review'
            RETURNING id, record_id, requested_at, completed_at
        )
        INSERT INTO approval_assignment (request_id, approver_id, level, sequence, status, notified_at, decision_at,
            decided_by, company_id, create_uid, create_date, write_uid, write_date)
        SELECT req.id, (%(users)s::int[])[1 + (req.record_id + k) %% 20], 1, k,
               CASE WHEN req.completed_at IS NULL AND k = 2 THEN 'pending' ELSE 'approved' END,
               req.requested_at,
               CASE WHEN req.completed_at IS NULL THEN
                        CASE WHEN k = 1 THEN req.requested_at + interval '2 hours' END
                    ELSE req.requested_at + (req.completed_at - req.requested_at) * (k * (1 + req.record_id %% 3)) / 6.0
               END,
               CASE WHEN req.completed_at IS NULL AND k = 2 THEN NULL
                    ELSE (%(users)s::int[])[1 + (req.record_id + k) %% 20] END,
               %(company)s, %(admin)s, now(), %(admin)s, now()
          FROM req CROSS JOIN generate_series(1, 2) k
        """,
        {"company": company, "admin": admin, "users": users.ids},
    )
    cr.execute(
        "ANALYZE workflow_instance; ANALYZE workflow_history; ANALYZE approval_request; ANALYZE approval_assignment"
    )
    cr.execute("SELECT count(*) FROM workflow_instance")
    n_inst = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM workflow_history")
    n_hist = cr.fetchone()[0]
    cr.commit()
    # as autovacuum would: visibility map and statistics of the new rows
    subprocess.run(["vacuumdb", "-h", DB_ARGS[1], "-U", DB_ARGS[3], "-z", "-q", cr.dbname], check=True)
    print(
        f"seeded {n_inst:,} instances and {n_hist:,} history rows (+ {count:,} approval requests, "
        f"{2 * count:,} votes) with SQL in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("WFA_DB", "wfa_analytics_bench"))
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--export", default="xes,csv", help="the event log formats to time (xes, csv)")
    args = parser.parse_args()
    started = time.perf_counter()
    ensure_db(args.db, args.reseed)
    config.parse_config(["--addons-path", ADDONS, *DB_ARGS, "-d", args.db, "--log-level=warn"])
    registry = odoo.registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True})
        cr.execute("SELECT count(*) FROM workflow_history")
        if cr.fetchone()[0] < args.instances * 10:
            seed(env, args.instances)
        run(env, registry, args)
        cr.rollback()
    print(
        f"whole run {time.perf_counter() - started:.0f} s; load average at the end: "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


def run(env, registry, args):
    cr = env.cr
    cr.execute("SHOW server_version")
    pg = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM workflow_instance")
    n_inst = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM workflow_history")
    n_hist = cr.fetchone()[0]
    print(f"machine: {machine()}, PostgreSQL {pg}")
    print(f"load average when the run starts: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"data: {n_inst:,} instances, {n_hist:,} history rows, 5 definitions, 365 days")
    admin = env.ref("base.user_admin")
    Analytics = env["workflow.analytics"].with_user(admin).with_context(tz="UTC")
    today = odoo.fields.Date.today()
    definitions = env["workflow.definition"].search([("code", "like", "BENCH_")])

    def period(days, **extra):
        return dict(
            date_from=odoo.fields.Date.to_string(today - timedelta(days=days - 1)),
            date_to=odoo.fields.Date.to_string(today),
            **extra,
        )

    cases = [
        ("dashboard, all workflows, last 30 days", period(30), args.runs),
        ("dashboard, one workflow, last 90 days", period(90, workflow_ids=[definitions[0].id]), args.runs),
        ("dashboard, all workflows, last 365 days", period(365), max(3, args.runs // 3)),
    ]
    cr.execute("SELECT count(*) FROM workflow_analytics_state_interval")
    print(f"state-interval table: {cr.fetchone()[0]:,} stays")
    Analytics.get_dashboard(period(30))  # warm the caches (registry, plans)
    with ReferenceStays(Analytics):
        reference_data = Analytics.get_dashboard(period(30))
    print("dashboard (stays from the state-interval table) vs reference (window functions over the history):")
    for label, filters, runs in cases:
        after, before = timed_pair(
            lambda f=filters: Analytics.get_dashboard(f),
            lambda f=filters: Analytics.get_dashboard(f),
            Analytics,
            runs,
        )
        line(f"{label}", after)
        line(f"  reference: {label}", before)
        print(f"  speed-up (p50): {statistics.median(before) / statistics.median(after):.1f}x", flush=True)
    data = Analytics.get_dashboard(period(30))
    same = {k: data["current"][k] for k in ("states", "variants", "rework", "cycle_histogram")} == {
        k: reference_data["current"][k] for k in ("states", "variants", "rework", "cycle_histogram")
    }
    print(f"  figures identical to the reference's: {same}")
    cur = data["current"]
    print(
        f"  (30 days: {cur['completed']:,} completed, cycle p50 {cur['cycle']['p50']} h, bottleneck "
        f"{cur['bottleneck'] and cur['bottleneck']['name']}, {len(cur['variants'])} variants, "
        f"{cur['approvals']['decisions']:,} approval decisions)"
    )

    flt = Analytics._parse_filters(period(30))
    scope = Analytics._scope(flt)
    now = odoo.fields.Datetime.now()

    def figures(*names):
        return lambda: Analytics._dashboard_figures(scope, flt, now, names)

    def reference_flow():
        with ReferenceStays(Analytics):
            return Analytics._dashboard_figures(scope, flt, now, ("flow",))

    print(
        "each figure alone, last 30 days (one statement, both periods, with the shared CTEs it reads; "
        "the dashboard computes them all in one statement):"
    )
    for label, func in [
        ("volumes + cycle percentiles", figures("volume")),
        ("throughput per day", figures("throughput")),
        ("time per state, bottleneck, variants, rework", figures("flow")),
        ("  reference (window functions over the history)", reference_flow),
        ("approvals (approvers, steps, rates)", figures("approvals")),
        ("queues now", figures("queues")),
        ("the scope (definitions, rules; no figure)", lambda: Analytics._scope(flt)),
    ]:
        line(f"  {label}", timed(func, args.runs))

    Interval = env["workflow.analytics.interval"].with_user(admin)
    line(
        "pivot: time per state of one workflow (view)",
        timed(
            lambda: Interval.read_group(
                [("workflow_id", "=", definitions[0].id), ("is_current", "=", False)],
                ["duration_hours:avg"],
                ["state_name"],
            ),
            max(3, args.runs // 3),
        ),
    )

    from odoo.addons.workflow_analytics.models import interval_table  # pylint: disable=import-outside-toplevel

    t0 = time.perf_counter()
    diff = interval_table.differences(cr)
    print(
        f"state-interval table vs history: {len(diff)} differing rows (checked in {time.perf_counter() - t0:.1f} s)",
        flush=True,
    )
    cr.execute("SAVEPOINT bench_rebuild")
    t0 = time.perf_counter()
    count = interval_table.rebuild(cr)
    spent = time.perf_counter() - t0
    cr.execute("ROLLBACK TO SAVEPOINT bench_rebuild")
    print(
        f"backfill: {count:,} stays rebuilt from the history in {spent:.1f} s ({count / spent:,.0f}/s)",
        flush=True,
    )

    from odoo.addons.workflow_analytics.controllers.export import (  # pylint: disable=import-outside-toplevel
        WorkflowAnalyticsExport,
    )

    controller = WorkflowAnalyticsExport()
    cr.commit()  # the export reads from a cursor of its own
    for fmt in [f for f in args.export.split(",") if f in ("xes", "csv")]:
        query = Analytics._event_log_query({"workflow_ids": definitions.ids})
        rows = Analytics._event_log_rows(cr.dbname, query, 2000)
        counted = {"rows": 0}

        def count(batches, counted=counted):
            for batch in batches:
                counted["rows"] += len(batch)
                yield batch

        writer = controller._xes if fmt == "xes" else controller._csv
        t0 = time.perf_counter()
        size = sum(len(chunk) for chunk in writer(count(rows)))
        spent = time.perf_counter() - t0
        print(
            f"export {fmt.upper()}: {counted['rows']:,} events in {spent:.1f} s = "
            f"{counted['rows'] / spent:,.0f} rows/s, {size / 1024 / 1024:.0f} MiB streamed",
            flush=True,
        )


if __name__ == "__main__":
    main()
