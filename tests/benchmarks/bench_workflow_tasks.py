"""Benchmark: a schedule task rule over 10,000 records, then the close-check job over 10,000 open tasks.

Prints figures, not pass/fail.  Everything happens in one transaction that is
rolled back, so the database is left as it was.

    /opt/odoo-venv/bin/python tests/benchmarks/bench_workflow_tasks.py [--db wfa_tasks_bench] [--count 10000]

The database is created (workflow_tasks installed, no demo data) when it does not exist.
Measured:

* ``schedule``: one run of ``task.automation.rule._job_schedule`` for a rule whose
  domain matches ``count`` partners: ``count`` activities and tasks created, assigned
  round robin over three people, due in 2 business hours on their calendar;
* ``close check``: every record gets its "result" behind the ORM's back (SQL), then
  ``task.automation.task._job_close_check`` runs in batches of 2,000 until all tasks
  are done (activities marked done, messages posted).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

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
    print(f"creating {db} (workflow_tasks, no demo data)...", flush=True)
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
            "workflow_tasks",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
            "--http-port=0",
        ],
        check=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("WFA_DB", "wfa_tasks_bench"))
    parser.add_argument("--count", type=int, default=10000)
    args = parser.parse_args()
    ensure_db(args.db)
    config.parse_config(["--addons-path", ADDONS, *DB_ARGS, "-d", args.db, "--log-level=warn"])
    registry = odoo.registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(
            cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True, "mail_create_nolog": True}
        )
        try:
            run(env, args)
        finally:
            cr.rollback()


def run(env, args):
    calendar = env.ref("resource.resource_calendar_std")
    users = env["res.users"].create(
        [{"name": f"Bench analyst {i}", "login": f"bench_analyst_{i}"} for i in range(3)]
    )
    env["resource.resource"].create(
        [{"name": u.name, "user_id": u.id, "calendar_id": calendar.id} for u in users]
    )
    role = env["task.role"].create(
        {"name": "Bench role", "member_ids": [(0, 0, {"user_id": u.id}) for u in users]}
    )
    t0 = time.perf_counter()
    env["res.partner"].create([{"name": f"Bench farm {i}", "ref": "BENCH-TASK"} for i in range(args.count)])
    env.flush_all()
    print(f"setup: {args.count} partners created in {time.perf_counter() - t0:.2f} s")
    rule = env["task.automation.rule"].create(
        {
            "name": "Bench schedule",
            "model_id": env["ir.model"]._get_id("res.partner"),
            "trigger": "schedule",
            "domain": "[('ref', '=', 'BENCH-TASK')]",
            "title_template": "Check {{ record.name }}",
            "description_template": "Sample of {{ record.name }} ({{ record.ref }})",
            "assign_type": "role",
            "role_id": role.id,
            "due_type": "business_hours",
            "due_amount": 2,
            "close_domain": "[('function', '=', 'RESULT')]",
        }
    )
    env.flush_all()

    t0 = time.perf_counter()
    created = env["task.automation.rule"]._job_schedule(limit=20)
    env.flush_all()
    total = time.perf_counter() - t0
    env.cr.execute(
        "SELECT count(*) FROM mail_activity WHERE res_model = 'res.partner' AND summary LIKE 'Check Bench farm%%'"
    )
    activities = env.cr.fetchone()[0]
    env.cr.execute(
        "SELECT user_id, count(*) FROM task_automation_task WHERE rule_id = %s GROUP BY user_id", [rule.id]
    )
    spread = sorted(c for _u, c in env.cr.fetchall())
    print(
        f"schedule       {created} tasks / {activities} activities in {total:.2f} s = {created / total:.0f}/s "
        f"(per assignee: {spread})"
    )

    env.cr.execute("UPDATE res_partner SET function = 'RESULT' WHERE ref = 'BENCH-TASK'")
    env.invalidate_all()
    Task = env["task.automation.task"]
    durations, handled = [], 0
    t0 = time.perf_counter()
    while True:
        b0 = time.perf_counter()
        done = Task._job_close_check(limit=2000)
        env.flush_all()
        if not done:
            break
        durations.append(time.perf_counter() - b0)
        handled += done
    total = time.perf_counter() - t0
    env.cr.execute(
        "SELECT state, count(*) FROM task_automation_task WHERE rule_id = %s GROUP BY state", [rule.id]
    )
    states = dict(env.cr.fetchall())
    print(
        f"close check    {handled} open tasks checked in {total:.2f} s = {handled / total:.0f}/s; "
        f"per batch of 2000: p50 {statistics.median(durations):.2f} s; states after: {states}"
    )
    t0 = time.perf_counter()
    Task._job_close_check(limit=2000)
    print(f"close check    idle run (nothing open): {(time.perf_counter() - t0) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
