#!/usr/bin/env python3
"""Audit-trail throughput: 10,000 res.partner records updated in batches, in one run,
with auditing off, with workflow_audit, and with OCA's auditlog logging the same workload.

Usage (from the repository root):
    /opt/odoo-venv/bin/python tests/benchmarks/bench_workflow_audit.py [--records 10000] [--batch 1000]

Environment:
    ODOO_PATH           Odoo 17 source tree (default /opt/odoo17)
    OCA_AUDITLOG_PATH   folder holding OCA's ``auditlog`` addon (default /opt/oca-addons/odoo/addons).
                        Missing? Install it OUTSIDE the repository, for the comparison only:
                        /opt/odoo-venv/bin/pip install --no-deps --target /opt/oca-addons \
                            "odoo-addon-auditlog>=17.0,<17.1"
    BENCH_DB            database to (re)create (default wfa_audit_bench); dropped at the end unless --keep
    PGHOST/PGPORT/PGUSER  PostgreSQL (default 127.0.0.1:5432, odoo)

Prints one line per scenario: seconds, audit rows, rows/s, and the overhead over "off".
Not a pass/fail test.
"""

import argparse
import os
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ODOO_PATH = os.environ.get("ODOO_PATH", "/opt/odoo17")
OCA_PATH = os.environ.get("OCA_AUDITLOG_PATH", "/opt/oca-addons/odoo/addons")
PG = {
    "host": os.environ.get("PGHOST", "127.0.0.1"),
    "port": os.environ.get("PGPORT", "5432"),
    "user": os.environ.get("PGUSER", "odoo"),
}


def odoo_args(db, addons_path):
    return [
        f"--addons-path={addons_path}",
        f"--db_host={PG['host']}",
        f"--db_port={PG['port']}",
        f"--db_user={PG['user']}",
        "-d",
        db,
        "--log-level=warn",
    ]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (the median is shown)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()

    have_auditlog = os.path.isfile(os.path.join(OCA_PATH, "auditlog", "__manifest__.py"))
    if not have_auditlog:
        print(
            f"OCA auditlog not found in {OCA_PATH}: the comparison is skipped. "
            "Install it outside the repo with\n"
            "  /opt/odoo-venv/bin/pip install --no-deps --target /opt/oca-addons "
            '"odoo-addon-auditlog>=17.0,<17.1"\n'
            "or point OCA_AUDITLOG_PATH at a folder holding the auditlog addon."
        )
    addons_path = ",".join(
        [os.path.join(ODOO_PATH, "odoo", "addons"), os.path.join(REPO, "addons")]
        + ([OCA_PATH] if have_auditlog else [])
    )
    db = os.environ.get("BENCH_DB", "wfa_audit_bench")
    modules = "workflow_audit" + (",auditlog" if have_auditlog else "")
    env = dict(os.environ, PGHOST=PG["host"], PGPORT=PG["port"], PGUSER=PG["user"])
    subprocess.run(["dropdb", "--if-exists", db], check=True, env=env)
    print(f"installing {modules} in {db} ...", flush=True)
    subprocess.run(
        [sys.executable, os.path.join(ODOO_PATH, "odoo-bin"), *odoo_args(db, addons_path)]
        + ["-i", modules, "--without-demo=all", "--stop-after-init", "--http-port=0"],
        check=True,
        env=env,
    )

    sys.path.insert(0, ODOO_PATH)
    import odoo  # pylint: disable=import-outside-toplevel

    odoo.tools.config.parse_config(odoo_args(db, addons_path))
    registry = odoo.modules.registry.Registry(db)
    try:
        run(odoo, registry, args, have_auditlog)
    finally:
        registry.delete(db)
        odoo.sql_db.close_all()
        if not args.keep:
            subprocess.run(["dropdb", "--if-exists", db], check=False, env=env)


def run(odoo, registry, args, have_auditlog):
    def env_for(cr):
        return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})

    with registry.cursor() as cr:
        env = env_for(cr)
        partners = env["res.partner"].create([{"name": f"Bench {i}"} for i in range(args.records)])
        ids = partners.ids
        model = env["ir.model"]._get("res.partner")
        rule = env["audit.rule"].create(
            {"name": "bench", "model_id": model.id, "log_create": False, "log_unlink": False, "active": False}
        )
        rule_id = rule.id
        oca_rule_id = None
        if have_auditlog:
            oca_rule_id = (
                env["auditlog.rule"]
                .create({"name": "bench", "model_id": model.id, "log_write": True, "log_type": "fast"})
                .id
            )

    def count(cr):
        cr.execute("SELECT count(*) FROM audit_log WHERE model_name = 'res.partner'")
        ours = cr.fetchone()[0]
        theirs = 0
        if have_auditlog:
            cr.execute("SELECT count(*) FROM auditlog_log_line")
            theirs = cr.fetchone()[0]
            cr.execute("SELECT count(*) FROM auditlog_log")
            theirs = (cr.fetchone()[0], theirs)
        return ours, theirs

    def configure(scenario):
        with registry.cursor() as cr:
            env = env_for(cr)
            env["audit.rule"].browse(rule_id).active = scenario == "workflow_audit"
            if have_auditlog:
                oca = env["auditlog.rule"].browse(oca_rule_id)
                if oca.state == "subscribed":
                    oca.unsubscribe()
                if scenario.startswith("auditlog"):
                    oca.log_type = scenario.split("_")[1]
                    oca.subscribe()

    def workload(tag):
        start = time.perf_counter()
        for n, offset in enumerate(range(0, len(ids), args.batch)):
            with registry.cursor() as cr:  # one transaction per batch, committed
                env_for(cr)["res.partner"].browse(ids[offset : offset + args.batch]).write(
                    {"ref": f"{tag}-{n}"}
                )
        return time.perf_counter() - start

    scenarios = ["off", "workflow_audit"] + (["auditlog_fast", "auditlog_full"] if have_auditlog else [])
    configure("off")
    workload("warmup")
    timings = {name: [] for name in scenarios}
    rows_seen = {}
    # interleave the scenarios so that a noisy neighbour hurts all of them alike
    for rnd in range(args.repeat):
        for scenario in scenarios:
            configure(scenario)
            with registry.cursor() as cr:
                before = count(cr)
            timings[scenario].append(workload(f"{scenario}{rnd}"))
            with registry.cursor() as cr:
                after = count(cr)
            if scenario == "workflow_audit":
                rows_seen[scenario] = (after[0] - before[0], None)
            elif scenario.startswith("auditlog"):
                rows_seen[scenario] = (after[1][0] - before[1][0], after[1][1] - before[1][1])
            else:
                rows_seen[scenario] = (0, None)

    median = {name: sorted(values)[len(values) // 2] for name, values in timings.items()}
    base = median["off"]
    print(
        f"\n{args.records} res.partner records updated in batches of {args.batch} "
        f"(one commit per batch), median of {args.repeat} runs"
    )
    print(
        f"{'scenario':<16}{'seconds':>9}{'audit rows':>12}{'rows/s':>10}{'overhead s':>12}{'x off':>7}  note"
    )
    for scenario in scenarios:
        elapsed = median[scenario]
        rows, lines = rows_seen[scenario]
        rate = f"{rows / elapsed:,.0f}" if rows else "-"
        note = f"+{lines} auditlog_log_line rows" if lines is not None else ""
        print(
            f"{scenario:<16}{elapsed:>9.2f}{rows:>12}{rate:>10}"
            f"{elapsed - base:>12.2f}{elapsed / base:>7.2f}  {note}"
        )
    ours = median["workflow_audit"] - base
    if ours > 0:
        print(
            f"workflow_audit: {rows_seen['workflow_audit'][0] / ours:,.0f} "
            "audit rows per second of added time (goal: 20,000)"
        )
    print(f"workflow_audit / auditing off = {median['workflow_audit'] / base:.2f}x the time")
    if have_auditlog:
        for name in ("auditlog_fast", "auditlog_full"):
            theirs = median[name] - base
            if theirs > 0:
                print(
                    f"workflow_audit overhead = {ours / theirs:.1%} of {name}'s overhead "
                    f"(time {median['workflow_audit'] / median[name]:.2f}x {name}'s)"
                )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")

    # the write path alone: audit_log_append() with 10,000 rows in one transaction
    with registry.cursor() as cr:
        env = env_for(cr)
        hook = env["workflow.hook"]
        partners = env["res.partner"].browse(ids)
        rows = hook._audit_rows(
            partners,
            "update",
            old={i: {"ref": "a"} for i in ids},
            new={i: {"ref": "b"} for i in ids},
            names={},
        )
        start = time.perf_counter()
        hook._audit_push(rows)
        hook._audit_flush_buffer()
        elapsed = time.perf_counter() - start
        cr.rollback()
    print(f"audit_log_append alone: {len(ids)} rows in {elapsed:.3f}s = {len(ids) / elapsed:,.0f} rows/s")


if __name__ == "__main__":
    main()
