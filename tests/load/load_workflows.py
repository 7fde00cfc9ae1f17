#!/usr/bin/env python3
"""Load test: many workflows driven at once over XML-RPC while Celery runs alert and SLA jobs.

* Odoo in multi-worker mode (``--workers``, default 4 = 2 x cores), loopback only, on
  ``--http-port`` / ``--gevent-port`` (default ``WFA_LOAD_HTTP_PORT`` / ``WFA_LOAD_GEVENT_PORT``,
  else free ports);
* ``--instances`` running instances (default 1,000) spread over ``--definitions`` workflows
  (default 4), seeded with one ``create`` for the partners and one ``workflow.definition.start``
  per definition;
* ``--clients`` concurrent XML-RPC clients (threads, default 20; one login shared, as a real
  integration does: each login hashes the password, 600,000 PBKDF2 rounds), each taking one of
  its own instances and driving it to the end (check -> submit -> approve), a new instance on
  the same document, then another instance; one call in 10 goes to an instance of a small
  pool every client uses: two clients on the same instance is where "Another user is changing
  this workflow" (and its siblings in ``CONFLICTS``) is the documented answer;
* an alert raiser (alerts for partners, in-app notifications) and a job feeder sending the
  alert delivery, SLA scan, timeouts and approval deadline jobs to 2 Celery workers, with
  2,000 SLA trackings due when the run starts;
* a sampler reading ``pg_stat_activity`` every second.

The clock starts once the Odoo workers and the Celery pool processes have loaded their
registries (seeding, the set-up of the jobs and that warm-up are timed apart). Prints
throughput, p50/p99 latency per call kind, every error by kind (same-instance conflicts
counted apart), the Celery jobs' work, the database connections and the load average.

Usage (Redis: ``--redis`` or REDIS_URL):
    tests/load/load_workflows.py [--duration 60] [--instances 1000] [--clients 20]  # installs wfa_load
    tests/load/load_workflows.py --db <an installed database>   # no install
tests/integration/test_load_short.py runs ``run()`` for 15 s with 200 instances.
"""

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
import xmlrpc.client
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from odoo_harness import REPO, OdooServer, Rpc, install

ADDONS = "workflow_automation,workflow_alerts,workflow_sla"
BROKER_PARAM = "workflow_automation.broker_url"
# what two clients on one instance may get: documented, expected, counted apart
CONFLICTS = (
    "Another user is changing this workflow",
    "the workflow may have moved on",
    "Another approver is deciding",
    "is already approved",  # the other client's approval completed the request first
    "no transition can be done",
    "not your turn",
)


def flow(code, index):
    return {
        "name": f"Load flow {index}",
        "code": code,
        "model": "res.partner",
        "allow_parallel": True,
        "workflow_config": {
            "states": [
                {"code": "draft", "name": "Draft", "is_initial": True},
                {"code": "check", "name": "Check"},
                {
                    "code": "review",
                    "name": "Review",
                    "state_type": "approval",
                    "approval_config": {
                        "approval_type": "any",
                        "approvers": [{"type": "user", "login": "admin"}],
                    },
                },
                {"code": "done", "name": "Done", "is_final": True},
            ],
            "transitions": [
                {"name": "Check", "from": "draft", "to": "check"},
                {"name": "Submit", "from": "check", "to": "review"},
                {"name": "Approve", "from": "review", "to": "done", "trigger_type": "approval"},
                {"name": "Reject", "from": "review", "to": "draft", "trigger_type": "rejection"},
            ],
        },
    }


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))]


def error_kind(exc):
    if isinstance(exc, xmlrpc.client.Fault):
        text = exc.faultString.strip().splitlines()[-1] if exc.faultString.strip() else "Fault"
        for conflict in CONFLICTS:
            if conflict.lower() in exc.faultString.lower():
                return "conflict: " + conflict
        if "could not serialize" in exc.faultString or "SerializationFailure" in exc.faultString:
            return "SERIALIZATION FAILURE: " + text[:120]
        return re.sub(r"\d+", "N", text)[:160]
    return type(exc).__name__


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = defaultdict(list)
        self.errors = Counter()
        self.errors_own = Counter()  # errors on an instance only this client uses: must be none
        self.ok = Counter()

    def record(self, kind, seconds):
        with self.lock:
            self.latency[kind].append(seconds)
            self.ok[kind] += 1

    def error(self, kind, shared):
        with self.lock:
            (self.errors if shared else self.errors_own)[kind] += 1


def setup(url, db, instances, definitions, tag):
    """Definitions, partners, ``instances`` running instances; returns the work plan.

    Few calls: one import per definition, one ``create`` for all the partners (no chatter
    tracking: they are fixtures), one ``workflow.definition.start`` per definition.
    """
    admin = Rpc(url, db, "admin", "admin")
    plan = {"definitions": [], "instances": []}
    per = [instances // definitions + (1 if d < instances % definitions else 0) for d in range(definitions)]
    quiet = {"tracking_disable": True, "mail_create_nolog": True}
    timings = plan["seed_timings_s"] = Counter()
    t = time.perf_counter()
    partners = admin(
        "res.partner", "create", [{"name": f"load {tag} {i}"} for i in range(instances)], context=quiet
    )
    timings["partners"] += time.perf_counter() - t
    first = 0
    for d in range(definitions):
        code = f"LOAD_{tag}_{d}"
        t = time.perf_counter()
        def_id = admin("workflow.definition", "import_json", flow(code, d))
        names = {
            tr["name"]: tr["id"]
            for tr in admin("workflow.transition", "search_read", [("workflow_id", "=", def_id)], ["name"])
        }
        timings["definitions"] += time.perf_counter() - t
        mine = partners[first : first + per[d]]
        first += per[d]
        t = time.perf_counter()
        started = admin("workflow.definition", "start", [def_id], mine)
        timings["starts"] += time.perf_counter() - t
        plan["definitions"].append({"id": def_id, "code": code, "transitions": names})
        plan["instances"] += [(d, inst, partner) for inst, partner in zip(started, mine, strict=True)]
    return plan


def setup_jobs(url, db, tag, trackings):
    """An alert rule (in-app) and an SLA with ``trackings`` trackings due now, over XML-RPC."""
    admin = Rpc(url, db, "admin", "admin")
    rule = admin(
        "alert.rule",
        "create",
        {
            "name": f"load {tag}",
            "code": f"load_{tag}",
            "alert_type": "sla",
            "severity": "warning",
            "description": "Load test alert",
            "user_ids": [(6, 0, [admin.uid])],
            "channel_email": False,
            "channel_in_app": True,
            "channel_sms": False,
            "channel_push": False,
            "cooldown_minutes": 0,
            "max_alerts_per_day": 0,
            "digest_threshold": 0,
        },
    )
    model = admin("ir.model", "search", [("model", "=", "res.partner.category")])[0]
    sla = admin(
        "sla.definition",
        "create",
        {
            "name": f"Load {tag}",
            "code": f"LOAD_{tag}",
            "model_id": model,
            "critical_threshold": 1.0,
            "use_business_hours": False,
            "warning_levels": "",
        },
    )
    for i in range(0, trackings, 500):
        admin(
            "res.partner.category",
            "create",
            [{"name": f"load {tag} {j}"} for j in range(i, min(trackings, i + 500))],
        )
    return rule, sla


def make_due(db, sla, db_port=None):
    """Two hours pass for the SLA's trackings (SQL: the scan reads next_check_at)."""
    import psycopg2  # pylint: disable=import-outside-toplevel

    conn = psycopg2.connect(
        dbname=db, host="127.0.0.1", port=db_port or 5432, user=os.environ.get("PGUSER", "odoo")
    )
    with conn, conn.cursor() as cr:
        cr.execute(
            """UPDATE sla_tracking SET due_at = due_at - interval '2 hours',
                      next_check_at = next_check_at - interval '2 hours',
                      checkpoints = (SELECT jsonb_agg(jsonb_build_array(c->0,
                                        to_char((c->>1)::timestamp - interval '2 hours', 'YYYY-MM-DD HH24:MI:SS')))
                                       FROM jsonb_array_elements(checkpoints) c)
                WHERE sla_id = %s""",
            (sla,),
        )
    conn.close()


def sample_connections(db, stop, out, interval=1.0):
    import psycopg2  # pylint: disable=import-outside-toplevel

    conn = psycopg2.connect(dbname=db, host="127.0.0.1", user=os.environ.get("PGUSER", "odoo"))
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute("SHOW max_connections")
        out["max_connections"] = int(cr.fetchone()[0])
        while not stop.is_set():
            cr.execute(
                """SELECT count(*), count(*) FILTER (WHERE datname = %s),
                          count(DISTINCT application_name) FILTER (WHERE datname = %s AND application_name LIKE 'odoo-%%'),
                          max(c) FROM pg_stat_activity
                          LEFT JOIN (SELECT application_name a, count(*) c FROM pg_stat_activity
                                      WHERE datname = %s GROUP BY 1) per ON per.a = application_name""",
                (db, db, db),
            )
            total, in_db, processes, per_process = cr.fetchone()
            out.setdefault("samples", []).append((total, in_db, processes, per_process or 0))
            stop.wait(interval)
    conn.close()


def warm_up(url, db, uid, calls):
    """Concurrent cheap calls until every HTTP worker answers fast.

    The set-up may have changed the configuration (an SLA definition on a model nothing
    watched before): each Odoo worker then reloads its registry and checks the password once
    more on its next call. That is the cost of a configuration change, not of the load; it is
    timed apart (``warmup_s``).
    """
    rpcs = [Rpc(url, db, "admin", "admin", uid=uid) for _ in range(calls)]
    for _round in range(10):
        times = []

        def call(rpc, times=times):
            t = time.perf_counter()
            rpc("workflow.instance", "search_count", [("status", "=", "active")])
            times.append(time.perf_counter() - t)

        threads = [threading.Thread(target=call, args=(rpc,)) for rpc in rpcs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if max(times) < 0.5:
            return


WARM_JOB = ("workflow.instance", "_job_timeouts")  # nothing due: only loads the registry


def warm_celery_send(celery_client, db, processes=8):
    """One cheap job per pool process (and more): each loads its Odoo registry on its first job
    (seconds with every app installed); sent before the seeding so that this overlaps it."""
    for _ in range(processes):
        celery_client.send_task("workflow_celery.run_job", args=[db, *WARM_JOB])


def wait_celery_idle(celery_client, timeout):
    """Until the queue is empty and no pool process holds a job (bounded): the Celery workers
    are warm when the clock starts."""
    import redis  # pylint: disable=import-outside-toplevel

    broker = redis.Redis.from_url(celery_client.conf.broker_url)
    inspect = celery_client.control.inspect(timeout=1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not broker.llen(celery_client.conf.task_default_queue):
            active, reserved = inspect.active(), inspect.reserved()
            if active and not any(active.values()) and not any((reserved or {}).values()):
                return True
        time.sleep(0.5)
    return False


def run(
    url,
    db,
    celery_client=None,
    duration=60,
    instances=1000,
    clients=20,
    definitions=4,
    shared_every=10,
    trackings=2000,
    log=print,
    min_changes=0,
    min_approvals=0,
    max_extra=0,
    warm_calls=8,
):
    """Seed, drive for ``duration`` seconds, return the figures (a dict).

    Each client works like a user going through a pile of documents: it takes one of its own
    instances and drives it to the end (check, submit, approve), starts the next cycle on the
    same document, then takes another instance; one call in ``shared_every`` goes to an
    instance of the pool all clients share. Every state change needs an earlier one, so the
    approvals come after two transitions of the same instance, not by chance.
    """
    tag = uuid.uuid4().hex[:6]
    if celery_client is not None:
        warm_celery_send(celery_client, db)
    t0 = time.perf_counter()
    plan = setup(url, db, instances, definitions, tag)
    seed_seconds = time.perf_counter() - t0
    log(f"seeded {len(plan['instances'])} instances on {definitions} definitions in {seed_seconds:.1f} s")
    rule = sla = None
    t0 = time.perf_counter()
    if celery_client is not None:
        rule, sla = setup_jobs(url, db, tag, trackings)
        make_due(db, sla)
    jobs_seconds = time.perf_counter() - t0
    admin = Rpc(url, db, "admin", "admin")
    t0 = time.perf_counter()
    warm_up(url, db, admin.uid, warm_calls)
    celery_warm = celery_client is None or wait_celery_idle(celery_client, 120)
    warm_seconds = time.perf_counter() - t0
    log(
        f"alert rule and {trackings} SLA trackings in {jobs_seconds:.1f} s, workers warm in {warm_seconds:.1f} s"
    )
    shared = plan["instances"][: max(2, clients // 2)]
    own = plan["instances"][len(shared) :]
    chunks = [own[i::clients] for i in range(clients)]
    stats, stop = Stats(), threading.Event()
    jobs = Counter()

    def fire(rpc, definition, inst, partner, shared_instance, state):
        """One step of one instance; returns the instance and its new local state (None: unknown)."""
        names = plan["definitions"][definition]["transitions"]
        code = plan["definitions"][definition]["code"]
        if state is None or shared_instance:
            t = time.perf_counter()
            info = rpc("workflow.instance", "read", [inst], ["status", "current_state_id"])[0]
            stats.record("read", time.perf_counter() - t)
            state = "done" if info["status"] == "completed" else info["current_state_id"][1].lower()
        t = time.perf_counter()
        if state == "draft":
            rpc("workflow.instance", "fire", [inst], names["Check"])
            stats.record("fire", time.perf_counter() - t)
            return inst, "check"
        if state == "check":
            rpc("workflow.instance", "fire", [inst], names["Submit"])
            stats.record("fire", time.perf_counter() - t)
            return inst, "review"
        if state == "review":
            pending = rpc(
                "approval.request", "search", [("instance_id", "=", inst), ("status", "=", "pending")]
            )
            stats.record("read", time.perf_counter() - t)
            if not pending:
                if not shared_instance:  # an instance in review without its request: a product bug
                    stats.error("instance in review without a pending approval request", False)
                return inst, None
            t = time.perf_counter()
            rpc("approval.request", "approve", pending[:1], comment="ok")
            stats.record("approve", time.perf_counter() - t)
            return inst, "done"
        # done: a new instance on the same document keeps the number of running ones
        new = rpc("workflow.instance", "start_workflow", code, "res.partner", partner)
        stats.record("start", time.perf_counter() - t)
        return new, "draft"

    def client(n):
        rpc = Rpc(url, db, "admin", "admin", uid=admin.uid)
        rng = random.Random(n)
        mine = [[d, inst, partner, "draft"] for d, inst, partner in chunks[n]]
        item = mine[rng.randrange(len(mine))]
        shared_state = {}
        while not stop.is_set():
            if rng.randrange(shared_every) == 0:
                index = rng.randrange(len(shared))
                d, inst, partner = shared[index]
                inst = shared_state.get(index, inst)
                try:
                    new, _state = fire(rpc, d, inst, partner, True, None)
                    shared_state[index] = new
                except Exception as exc:  # pylint: disable=broad-except
                    stats.error(error_kind(exc), True)
                    if "no transition can be done" in str(exc):  # completed meanwhile: follow its successor
                        found = rpc(
                            "workflow.instance",
                            "search",
                            [("record_id", "=", partner), ("status", "=", "active")],
                            limit=1,
                        )
                        if found:
                            shared_state[index] = found[0]
                continue
            try:
                item[1], item[3] = fire(rpc, item[0], item[1], item[2], False, item[3])
            except Exception as exc:  # pylint: disable=broad-except
                stats.error(error_kind(exc), False)
                item[3] = None
                continue
            if item[3] == "draft":  # a cycle done (approved, restarted): the next document
                item = mine[rng.randrange(len(mine))]

    def raiser():
        rpc = Rpc(url, db, "admin", "admin", uid=admin.uid)
        partners = [p for _d, _i, p in plan["instances"]]
        while not stop.is_set():
            try:
                t = time.perf_counter()
                # a partner with an open alert of the rule gets no second one: count what is new
                jobs["alerts"] += len(
                    rpc(
                        "alert.rule",
                        "raise_alert",
                        rule,
                        model_name="res.partner",
                        record_ids=random.sample(partners, 10),
                        dedup_key=uuid.uuid4().hex,
                    )
                )
                stats.record("raise_alert", time.perf_counter() - t)
            except Exception as exc:  # pylint: disable=broad-except
                stats.error("raise_alert: " + error_kind(exc), False)
            stop.wait(0.5)

    def feeder():
        while not stop.is_set():
            for model, method in (
                ("alert.notification", "_job_deliver"),
                ("sla.tracking", "_job_check_deadlines"),
                ("workflow.instance", "_job_timeouts"),
                ("approval.request", "_job_deadlines"),
            ):
                celery_client.send_task("workflow_celery.run_job", args=[db, model, method])
                jobs["sent"] += 1
            stop.wait(1.0)

    conns = {}
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    extra = [threading.Thread(target=sample_connections, args=(db, stop, conns))]
    if celery_client is not None:
        extra += [threading.Thread(target=raiser), threading.Thread(target=feeder)]
    breached_before = (
        admin("sla.tracking", "search_count", [("sla_id", "=", sla), ("status", "=", "breached")])
        if sla
        else 0
    )

    def changes():
        return sum(stats.ok[k] for k in ("fire", "approve", "start"))

    with open("/proc/loadavg", encoding="ascii") as loadavg:
        load_start = loadavg.read().split()[:3]
    start = time.perf_counter()
    for thread in threads + extra:
        thread.start()
    time.sleep(duration)
    # a saturated machine: go on (bounded) until the clients did some work to judge
    deadline = time.monotonic() + max_extra
    while (changes() < min_changes or stats.ok["approve"] < min_approvals) and time.monotonic() < deadline:
        time.sleep(0.5)
    stop.set()
    for thread in threads + extra:
        thread.join(120)
    elapsed = time.perf_counter() - start
    result = {
        "duration_s": round(elapsed, 1),
        "seed_s": round(seed_seconds, 1),
        "seed_timings_s": {k: round(v, 1) for k, v in plan["seed_timings_s"].items()},
        "jobs_setup_s": round(jobs_seconds, 1),
        "warmup_s": round(warm_seconds, 1),
        "celery_warm": celery_warm,
        "instances": len(plan["instances"]),
        "clients": clients,
        "calls": dict(stats.ok),
        "calls_per_s": round(sum(stats.ok.values()) / elapsed, 1),
        "state_changes_per_s": round(changes() / elapsed, 1),
        "latency_ms": {
            k: {"p50": round(pct(v, 50) * 1000, 1), "p99": round(pct(v, 99) * 1000, 1), "n": len(v)}
            for k, v in sorted(stats.latency.items())
        },
        "errors_shared": dict(stats.errors),
        "errors_own": dict(stats.errors_own),
        "running": admin(
            "workflow.instance",
            "search_count",
            [("workflow_id.code", "like", f"LOAD_{tag}_%"), ("status", "=", "active")],
        ),
        "completed": admin(
            "workflow.instance",
            "search_count",
            [("workflow_id.code", "like", f"LOAD_{tag}_%"), ("status", "=", "completed")],
        ),
    }
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        result["loadavg"] = {"start": load_start, "end": loadavg.read().split()[:3]}  # 1, 5, 15 min
    samples = conns.get("samples", [])
    result["connections"] = {
        "max_connections": conns.get("max_connections"),
        "max_total": max((s[0] for s in samples), default=0),
        "max_in_db": max((s[1] for s in samples), default=0),
        "max_odoo_processes": max((s[2] for s in samples), default=0),
        "max_per_process": max((s[3] for s in samples), default=0),
        "median_in_db": statistics.median([s[1] for s in samples]) if samples else 0,
    }
    if celery_client is not None:
        result["celery"] = {
            "job_messages": jobs["sent"],
            "alerts_raised": jobs["alerts"],
            "notifications_sent": admin(
                "alert.notification", "search_count", [("rule_id", "=", rule), ("status", "=", "sent")]
            ),
            "notifications_waiting": admin(
                "alert.notification", "search_count", [("rule_id", "=", rule), ("status", "!=", "sent")]
            ),
            "sla_breached": admin(
                "sla.tracking", "search_count", [("sla_id", "=", sla), ("status", "=", "breached")]
            )
            - breached_before,
            "sla_trackings": trackings,
        }
    if sla:  # an SLA on a shared model would change what other suites see
        admin("sla.definition", "unlink", [sla])
        admin("alert.rule", "write", [rule], {"active": False})
    return result


def report(result, out=print):
    out(f"\n== load: {result['instances']} instances, {result['clients']} clients, {result['duration_s']} s")
    out(
        f"seeding {result['seed_s']} s {result['seed_timings_s']}, alert rule + SLA trackings {result['jobs_setup_s']} s,"
        f" warm-up {result['warmup_s']} s"
    )
    out(
        f"calls: {result['calls_per_s']} /s, state changes (fire + approve + start):"
        f" {result['state_changes_per_s']} /s   calls: {result['calls']}"
    )
    out(
        f"load average (1, 5, 15 min) when the clients start: {' '.join(result['loadavg']['start'])},"
        f" at the end: {' '.join(result['loadavg']['end'])}; Celery workers warm: {result['celery_warm']}"
    )
    out(f"instances at the end: {result['running']} running, {result['completed']} completed")
    for kind, lat in result["latency_ms"].items():
        out(f"  {kind:<12} p50 {lat['p50']:7.1f} ms   p99 {lat['p99']:7.1f} ms   (n={lat['n']})")
    out(f"errors on shared instances (two clients, one instance): {result['errors_shared'] or 'none'}")
    out(f"errors on a client's own instances: {result['errors_own'] or 'none'}")
    out(f"connections: {result['connections']}")
    if "celery" in result:
        out(f"celery: {result['celery']}")
    out(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="an installed database to use (default: install wfa_load)")
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--definitions", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 2))
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument(
        "--http-port",
        type=int,
        default=int(os.environ.get("WFA_LOAD_HTTP_PORT", 0)),
        help="Odoo's HTTP port (default: WFA_LOAD_HTTP_PORT, else a free port)",
    )
    parser.add_argument(
        "--gevent-port",
        type=int,
        default=int(os.environ.get("WFA_LOAD_GEVENT_PORT", 0)),
        help="Odoo's long-polling port (default: WFA_LOAD_GEVENT_PORT, else a free port)",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "tests"))
    from fault_harness import CeleryWorker  # pylint: disable=import-outside-toplevel

    db = args.db or "wfa_load"
    if not args.db:
        print(f"installing {ADDONS} into {db} ...", flush=True)
        install(db, ADDONS)
    logdir = Path(f"/tmp/{db}-load-logs")
    logdir.mkdir(exist_ok=True)
    from celery import Celery  # pylint: disable=import-outside-toplevel

    client = Celery("wfa-load", broker=args.redis)
    client.conf.task_default_queue = "workflow"
    workers = []
    try:
        server = OdooServer(
            db,
            workers=args.workers,
            logfile=logdir / "odoo.log",
            port=args.http_port or None,
            gevent_port=args.gevent_port or None,
        )
        with server as url:
            Rpc(url, db, "admin", "admin")("ir.config_parameter", "set_param", BROKER_PARAM, args.redis)
            workers = [
                CeleryWorker(f"load-{i}", args.redis, db, logdir, concurrency=1).start() for i in range(2)
            ]
            print(f"Odoo {args.workers} workers, 2 Celery workers; logs in {logdir}", flush=True)
            result = run(url, db, client, args.duration, args.instances, args.clients, args.definitions)
            result["odoo_workers"] = args.workers
            report(result)
            Rpc(url, db, "admin", "admin")("ir.config_parameter", "set_param", BROKER_PARAM, False)
    finally:
        for worker in workers:
            worker.stop()
        if not args.db:
            subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "odoo", db], check=False)


if __name__ == "__main__":
    main()
