"""The Celery side of the job runner with real Redis and real Celery processes:

* the beat dispatches each job at the period of its ir.cron line, once, however
  many beats or dispatch runs there are;
* with Celery switched off for the database, nothing is sent to Redis;
* a worker refuses (does not run, does not retry) a message for a database it
  does not serve.

Runs on the database of scripts/test.sh (WFA_DB) and the Redis database of
WFA_TEST_REDIS_URL (flushed by the conftest: use one of your own).
"""

import json
import re
import time
import uuid

import pytest
import redis
from fault_harness import CeleryWorker, celery_beat
from odoo_harness import wait_until
from test_workflow_automation import FLOW

BROKER_PARAM = "workflow_automation.broker_url"
SECONDS = {"minutes": 60, "hours": 3600, "days": 86400, "weeks": 7 * 86400, "months": 30 * 86400}
TICK = 30  # WORKFLOW_JOB_INTERVAL of the conftest workers
CRON_CALL = re.compile(r"""run_job\(\s*['"]([\w.]+)['"]\s*,\s*['"](_job_\w+)['"]""")


def _worker(redis_url, served, logdir, **kw):
    """A worker of this deployment (the conftest's beat tick) serving ``served``."""
    return CeleryWorker(
        kw.pop("name", "wfa-jobs"),
        redis_url,
        served,
        logdir,
        extra_env={"WORKFLOW_JOB_INTERVAL": str(TICK)},
        **kw,
    )


@pytest.fixture()
def broker(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    for key in client.keys("workflow_celery:beat:*"):
        client.delete(key)


@pytest.fixture()
def celery_on(admin, redis_url, broker):
    """The administrator switches Celery on for the test database."""
    admin("ir.config_parameter", "set_param", BROKER_PARAM, redis_url)
    yield
    admin("ir.config_parameter", "set_param", BROKER_PARAM, False)


def _cron_periods(admin, dbname):
    """{(model, method): seconds} read from the ir.cron lines over XML-RPC."""
    crons = admin(
        "ir.cron",
        "search_read",
        [("code", "like", "run_job(")],
        ["code", "interval_number", "interval_type"],
        context={"active_test": False},
    )
    periods = {}
    for cron in crons:
        for model, method in CRON_CALL.findall(cron["code"]):
            periods[(model, method)] = cron["interval_number"] * SECONDS[cron["interval_type"]]
    return periods


def _beat_keys(broker, dbname):
    prefix = f"workflow_celery:beat:{dbname}:"
    return {key.decode()[len(prefix) :]: broker.pttl(key) for key in broker.keys(prefix + "*")}


def _dispatched(results):
    return sorted(f"{model}.{method}" for result in results for _db, model, method in result["dispatched"])


def test_dispatch_follows_each_cron_period_once_across_beats(
    celery_workers, celery_on, broker, admin, dbname
):
    client = celery_workers["client"]
    periods = _cron_periods(admin, dbname)
    assert ("audit.chain", "_job_checkpoint") in periods and periods[
        ("audit.chain", "_job_checkpoint")
    ] == 600
    assert periods[("audit.partition", "_job_retention")] == 86400
    # four beats tick at the same moment, on two worker processes of concurrency 2
    results = [client.send_task("workflow_celery.dispatch") for _i in range(4)]
    results = [r.get(timeout=120) for r in results]
    dispatched = _dispatched(results)
    assert dispatched == sorted(f"{m}.{f}" for m, f in periods), "each job dispatched exactly once"
    # each job is held for its own period (less half a tick): daily jobs for a day, not 30 s
    ttls = _beat_keys(broker, dbname)
    for (model, method), seconds in periods.items():
        ttl = ttls[f"{model}.{method}"] / 1000
        assert seconds - TICK / 2 - 30 < ttl <= seconds - TICK / 2, (model, method, seconds, ttl)
    # the next ticks dispatch nothing: no period has passed
    again = client.send_task("workflow_celery.dispatch", args=[dbname]).get(timeout=120)
    assert again["dispatched"] == []
    # once a job's period has passed (its mark expires), the next tick dispatches it, and only it
    broker.pexpire(f"workflow_celery:beat:{dbname}:workflow.instance._job_timeouts", 1)
    time.sleep(0.05)
    later = client.send_task("workflow_celery.dispatch", args=[dbname]).get(timeout=120)
    assert _dispatched([later]) == ["workflow.instance._job_timeouts"]


def test_real_beat_ticking_every_second_dispatches_each_job_once(
    celery_workers, celery_on, broker, redis_url, admin, dbname, tmp_path
):
    periods = _cron_periods(admin, dbname)
    before = set(broker.keys("celery-task-meta-*"))
    beat = celery_beat(tmp_path, dict(_worker(redis_url, dbname, tmp_path).env(), WORKFLOW_JOB_INTERVAL="1"))
    try:

        def dispatch_results():
            found = []
            for key in set(broker.keys("celery-task-meta-*")) - before:
                meta = json.loads(broker.get(key) or "{}")
                if isinstance(meta.get("result"), dict) and "dispatched" in meta["result"]:
                    found.append(meta["result"])
            return found

        wait_until(lambda: len(dispatch_results()) >= 4, 90, "four ticks of the beat")
    finally:
        beat.terminate()
        beat.wait(20)
    results = dispatch_results()
    assert len(results) >= 4
    assert _dispatched(results) == sorted(f"{m}.{f}" for m, f in periods), (
        "a beat ticking every second dispatched each job once, not once a tick"
    )


def test_nothing_reaches_redis_with_celery_off(celery_workers, broker, admin, dbname):
    admin("ir.config_parameter", "set_param", BROKER_PARAM, False)
    client = celery_workers["client"]
    wait_until(lambda: broker.llen("workflow") == 0, 60, "an empty job queue")
    result = client.send_task("workflow_celery.dispatch", args=[dbname]).get(timeout=120)
    assert result == {"dispatched": [], "off": [dbname]}
    time.sleep(1)
    assert broker.llen("workflow") == 0
    assert broker.keys("workflow_celery:beat:*") == []


def test_worker_refuses_a_message_for_another_database(
    admin, celery_workers, broker, redis_url, dbname, tmp_path
):
    # due work in the test database
    code = f"REFUSED_{uuid.uuid4().hex[:8].upper()}"
    admin("workflow.definition", "import_json", dict(FLOW, code=code))
    partners = admin("res.partner", "create", [{"name": f"Refused {i} {code}"} for i in range(3)])
    instances = [admin("workflow.instance", "start_workflow", code, "res.partner", pid) for pid in partners]
    admin("workflow.instance", "write", instances, {"state_due_at": "2020-01-01 00:00:00"})
    # a worker of another deployment, sharing this Redis, listening on its own queue
    queue = f"wfa-foreign-{uuid.uuid4().hex[:8]}"
    foreign = _worker(redis_url, "another_deployment", tmp_path, name=queue, queues=queue, pool="solo")
    log = foreign.logfile
    foreign.start(wait=False)
    client = celery_workers["client"]
    try:
        wait_until(lambda: log.exists() and " ready." in log.read_text(), 60, "the foreign worker")
        result = client.send_task(
            "workflow_celery.run_job", args=[dbname, "workflow.instance", "_job_timeouts", 10], queue=queue
        )
        with pytest.raises(Exception, match="is not served by this worker") as refused:
            result.get(timeout=60, propagate=True)
        assert type(refused.value).__name__ == "JobRefused"
        assert result.state == "FAILURE"
        time.sleep(3)  # a retry would come within 1 s
        text = log.read_text()
        assert text.count(f"refused a message for database '{dbname}'") == 1, text[-3000:]
        assert "retrying" not in text and "Retry in" not in text, text[-3000:]
        assert broker.llen(queue) == 0
    finally:
        foreign.stop()
    # nothing ran: the due instances are still waiting in their first state
    rows = admin("workflow.instance", "read", instances, ["status", "state_due_at"])
    assert {(r["status"], r["state_due_at"]) for r in rows} == {("active", "2020-01-01 00:00:00")}
    # the workers of this deployment refuse another database name too, and run their own
    other = client.send_task(
        "workflow_celery.run_job", args=["wfa_other_deployment", "workflow.instance", "_job_timeouts"]
    )
    with pytest.raises(Exception, match="is not served by this worker"):
        other.get(timeout=60, propagate=True)
    handled = client.send_task(
        "workflow_celery.run_job", args=[dbname, "workflow.instance", "_job_timeouts", 50]
    )
    assert handled.get(timeout=120) >= len(instances)
    rows = admin("workflow.instance", "read", instances, ["status"])
    assert {r["status"] for r in rows} == {"completed"}
