#!/usr/bin/env python3
"""Benchmark of workflow_webhooks on a real Odoo 17 + PostgreSQL, real Celery workers (Redis)
and a real HTTP receiver on loopback.  Prints figures; not pass/fail.

    /opt/odoo-venv/bin/python tests/benchmarks/bench_workflow_webhooks.py \
        [--db wfa_webhooks_bench] [--instances 500] [--latency 60] [--workers 1,2]

1. events per second delivered: one transaction starts --instances workflows (2 events each:
   started + state entered), commits, and 1 then 2 Celery worker processes deliver them, signed,
   through the outgoing-HTTP guard, to the receiver;
2. trigger -> delivery latency p50 / p99: one workflow started per transaction (commit), measured
   until the receiver gets the message of its ``workflow.started`` event.

The database is created on first use (module installed without demo data) and kept.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ODOO_PATH = os.environ.get("ODOO_PATH", "/opt/odoo17")
PYTHON = os.environ.get("ODOO_PYTHON", sys.executable)
PGHOST = os.environ.get("PGHOST", "127.0.0.1")
PGUSER = os.environ.get("PGUSER", "odoo")
REDIS = os.environ.get("WFA_WEBHOOKS_REDIS", "redis://127.0.0.1:6379/5")


def pct(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def ensure_db(db):
    out = subprocess.run(
        [
            "psql",
            "-h",
            PGHOST,
            "-U",
            PGUSER,
            "-Atc",
            "SELECT 1 FROM pg_database WHERE datname = '%s'" % db,
            "postgres",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    exists = out.stdout.strip() == "1"
    print("%s workflow_webhooks in database %s..." % ("updating" if exists else "installing", db), flush=True)
    subprocess.run(
        [
            PYTHON,
            os.path.join(ODOO_PATH, "odoo-bin"),
            "--addons-path=%s/odoo/addons,%s/addons" % (ODOO_PATH, REPO),
            "--db_host=%s" % PGHOST,
            "--db_user=%s" % PGUSER,
            "-d",
            db,
            "-u" if exists else "-i",
            "workflow_webhooks",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
            "--http-port=0",
        ],
        check=True,
    )


def load_odoo(db):
    sys.path.insert(0, ODOO_PATH)
    import odoo  # pylint: disable=import-outside-toplevel
    from odoo import SUPERUSER_ID, api  # pylint: disable=import-outside-toplevel

    odoo.tools.config.parse_config(
        [
            "--addons-path",
            "%s/odoo/addons,%s/addons" % (ODOO_PATH, REPO),
            "--db_host",
            PGHOST,
            "--db_user",
            PGUSER,
            "-d",
            db,
            "--log-level=warn",
        ]
    )
    registry = odoo.modules.registry.Registry(db)

    @contextmanager
    def env():
        with registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})
            cr.commit()

    return env


def start_worker(db, concurrency):
    import redis  # pylint: disable=import-outside-toplevel

    redis.Redis.from_url(REDIS).flushdb()
    tmp = tempfile.mkdtemp(prefix="wfa-webhooks-bench-")
    conf = Path(tmp) / "odoo.conf"
    conf.write_text(
        "[options]\naddons_path = %s/odoo/addons,%s/addons\ndb_host = %s\ndb_user = %s\ndb_name = %s\n"
        "log_level = warn\n" % (ODOO_PATH, REPO, PGHOST, PGUSER, db)
    )
    log = Path(tmp) / "celery.log"
    env = dict(os.environ, ODOO_RC=str(conf), WORKFLOW_DB=db, REDIS_URL=REDIS, ODOO_PATH=ODOO_PATH)
    out = open(log, "wb")  # closed by stop_worker
    proc = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "celery"),
            "-A",
            "workflow_celery.app",
            "worker",
            "-Q",
            "workflow,celery",
            "-c",
            str(concurrency),
            "--loglevel=info",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            "wfa-webhooks-bench-%d@%%h" % concurrency,
        ],
        cwd=str(REPO),
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while b" ready." not in log.read_bytes():
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError("celery worker did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.2)
    from celery import Celery  # pylint: disable=import-outside-toplevel

    client = Celery(broker=REDIS, backend=REDIS)
    results = [
        client.send_task(
            "workflow_celery.run_job",
            args=[db, "workflow.webhook.message", "_job_sweep", 1],
            queue="workflow",
        )
        for _i in range(concurrency * 2)
    ]
    for result in results:
        result.get(timeout=120)
    return proc, out


def stop_worker(proc, out):
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    out.close()


def setup(env_factory, receiver):
    with env_factory() as env:
        params = env["ir.config_parameter"]
        params.set_param("workflow_automation.broker_url", REDIS)
        params.set_param("workflow_automation.webhook_allowed_hosts", receiver.netloc)
        env["workflow.webhook.endpoint"].with_context(active_test=False).search([]).unlink()
        definition = env["workflow.definition"].search([("code", "=", "WH_BENCH")], limit=1)
        if not definition:
            model = env["ir.model"]._get("res.partner")
            definition = (
                env["workflow.definition"]
                .with_context(workflow_structure_defer=True)
                .create(
                    {
                        "name": "Webhook bench",
                        "code": "WH_BENCH",
                        "model_id": model.id,
                        "allow_parallel": True,
                        "state_ids": [
                            (0, 0, {"name": "Draft", "code": "draft", "is_initial": True, "sequence": 1}),
                            (0, 0, {"name": "Done", "code": "done", "is_final": True, "sequence": 2}),
                        ],
                    }
                )
            )
            st = {s.code: s for s in definition.state_ids}
            env["workflow.transition"].with_context(workflow_structure_defer=True).create(
                {
                    "workflow_id": definition.id,
                    "name": "Close",
                    "from_state_id": st["draft"].id,
                    "to_state_id": st["done"].id,
                }
            )
            definition._check_structure()
        events = env["workflow.webhook.event.type"].search(
            [("code", "in", ("workflow.started", "workflow.state_entered"))]
        )
        endpoint = env["workflow.webhook.endpoint"].create(
            {
                "name": "bench receiver",
                "url": receiver.url,
                "event_type_ids": [(6, 0, events.ids)],
                "user_id": env.ref("base.user_admin").id,
                "max_in_flight": 200,
            }
        )
        return definition.id, endpoint.id, endpoint.secret


def wait_for(receiver, count, timeout):
    deadline = time.time() + timeout
    while len(receiver.requests) < count and time.time() < deadline:
        time.sleep(0.02)
    return len(receiver.requests)


def bench_throughput(env_factory, definition_id, n, receiver, workers):
    with env_factory() as env:
        partner_ids = env["res.partner"].create([{"name": "webhook bench %d" % i} for i in range(n)]).ids
    receiver.reset()
    t0 = time.time()
    with env_factory() as env:
        env["workflow.instance"]._start(
            env["workflow.definition"].browse(definition_id), env["res.partner"].browse(partner_ids)
        )
    t_commit = time.time()
    got = wait_for(receiver, 2 * n, 600)
    t_end = max((r["at"] for r in receiver.requests), default=time.time())
    ids = [r["headers"]["webhook-id"] for r in receiver.requests]
    rate = got / (t_end - t_commit) if got else 0.0
    print("\n== 1. throughput, %d Celery worker process(es)" % workers)
    print(
        "  %d workflows started and %d outbox rows written in one transaction: %.2f s"
        % (n, 2 * n, t_commit - t0)
    )
    print(
        "  %d/%d messages received (%d distinct webhook-ids), last %.2f s after commit => %.0f events/s"
        % (got, 2 * n, len(set(ids)), t_end - t_commit, rate)
    )
    return rate


def bench_latency(env_factory, definition_id, samples, receiver):
    with env_factory() as env:
        partner_ids = (
            env["res.partner"].create([{"name": "webhook latency %d" % i} for i in range(samples)]).ids
        )
    receiver.reset()
    committed = {}
    for partner_id in partner_ids:
        with env_factory() as env:
            inst = env["workflow.instance"]._start(
                env["workflow.definition"].browse(definition_id), env["res.partner"].browse(partner_id)
            )
            env.flush_all()
            msg = env["workflow.webhook.message"].search(
                [
                    ("event_type", "=", "workflow.started"),
                    ("payload", "like", '"instance":{"id":%d,' % inst.id),
                ],
                limit=1,
            )
            key = msg.msg_id
        committed[key] = time.time()
        time.sleep(0.2)
    wait_for(receiver, 2 * samples, 120)
    at = {}
    for r in receiver.requests:
        at.setdefault(r["headers"]["webhook-id"], r["at"])
    lat = [at[k] - t for k, t in committed.items() if k in at]
    print("\n== 2. trigger -> delivery latency, %d workflows started one per transaction" % samples)
    print(
        "  commit -> request at the receiver: p50 %.3f s, p99 %.3f s, max %.3f s (%d/%d arrived)"
        % (pct(lat, 50), pct(lat, 99), max(lat or [float("nan")]), len(lat), samples)
    )
    return pct(lat, 50), pct(lat, 99)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="wfa_webhooks_bench")
    parser.add_argument("--instances", type=int, default=500, help="workflows started in one transaction")
    parser.add_argument("--latency", type=int, default=60, help="latency samples")
    parser.add_argument("--workers", default="1,2", help="Celery worker process counts to measure")
    args = parser.parse_args()

    ensure_db(args.db)
    env_factory = load_odoo(args.db)
    sys.path.insert(0, str(REPO / "addons" / "workflow_automation" / "tests"))
    from http_listener import HttpListener  # pylint: disable=import-outside-toplevel

    receiver = HttpListener().start()
    os.environ["REDIS_URL"] = REDIS
    definition_id, _endpoint_id, _secret = setup(env_factory, receiver)
    print("machine: %s CPU(s) shared" % os.cpu_count())
    try:
        for count in [int(c) for c in args.workers.split(",") if c]:
            proc, out = start_worker(args.db, count)
            try:
                bench_throughput(env_factory, definition_id, args.instances, receiver, count)
                if count == int(args.workers.split(",")[-1]) and args.latency:
                    bench_latency(env_factory, definition_id, args.latency, receiver)
            finally:
                stop_worker(proc, out)
    finally:
        receiver.stop()


if __name__ == "__main__":
    main()
