"""workflow_alerts end to end: committed data, a real Celery worker (Redis broker),
a real SMTP sink and a real HTTP gateway on loopback.

Runs against the database installed by scripts/test.sh (env WFA_DB).  Redis DB 4
(env WFA_ALERTS_REDIS) belongs to the alerts addon.
"""

import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ODOO_PATH = os.environ.get("ODOO_PATH", "/opt/odoo17")
PYTHON_BIN = Path(os.environ.get("ODOO_PYTHON", sys.executable)).parent
DB = os.environ.get("WFA_DB")
REDIS = os.environ.get("WFA_ALERTS_REDIS", "redis://127.0.0.1:6379/4")
PGHOST = os.environ.get("PGHOST", "127.0.0.1")
PGUSER = os.environ.get("PGUSER", "odoo")
WAIT = 90  # seconds: bound of every wait on the worker


def _wait(predicate, timeout=WAIT, step=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


@pytest.fixture(scope="module")
def odoo_env():
    if not DB:
        pytest.fail("WFA_DB is not set: run through scripts/test.sh")
    from odoo_harness import registry_in_process  # pylint: disable=import-outside-toplevel

    registry = registry_in_process(DB)
    from odoo import SUPERUSER_ID, api  # pylint: disable=import-outside-toplevel

    os.environ["REDIS_URL"] = REDIS  # _enqueue_after_commit must reach our worker

    @contextmanager
    def env():
        with registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})
            cr.commit()

    return env


@pytest.fixture(scope="module")
def servers():
    sys.path.insert(0, str(REPO / "addons" / "workflow_alerts" / "tests"))
    from servers import HTTPGateway, SMTPSink  # pylint: disable=import-outside-toplevel

    sink = SMTPSink(2530).start()
    gateway = HTTPGateway(18395).start()
    yield sink, gateway
    sink.stop()
    gateway.stop()


@pytest.fixture(scope="module")
def worker(odoo_env):
    import redis  # pylint: disable=import-outside-toplevel

    redis.Redis.from_url(REDIS).flushdb()
    tmp = tempfile.mkdtemp(prefix="wfa-alerts-")
    conf = Path(tmp) / "odoo.conf"
    conf.write_text(
        "[options]\naddons_path = %s/odoo/addons,%s/addons\ndb_host = %s\ndb_user = %s\ndb_name = %s\n"
        % (ODOO_PATH, REPO, PGHOST, PGUSER, DB)
    )
    log = Path(tmp) / "celery.log"
    env = dict(os.environ, ODOO_RC=str(conf), WORKFLOW_DB=DB, REDIS_URL=REDIS, ODOO_PATH=ODOO_PATH)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                str(PYTHON_BIN / "celery"),
                "-A",
                "workflow_celery.app",
                "worker",
                "-Q",
                # workflow.job._enqueue_after_commit publishes on Celery's default queue ("celery")
                # while beat/dispatch use "workflow": listen to both until the foundation agrees
                "workflow,celery",
                "-c",
                "2",
                "--loglevel=info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                "wfa-alerts-it@%h",
            ],
            cwd=str(REPO),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        assert _wait(lambda: b" ready." in log.read_bytes() or proc.poll() is not None, 60)
        assert proc.poll() is None, log.read_text()[-3000:]
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="module")
def setup(odoo_env, servers):
    sink, gateway = servers
    with odoo_env() as env:
        params = env["ir.config_parameter"]
        params.set_param("workflow_automation.broker_url", REDIS)
        # a loopback gateway: its exact host:port must be allow-listed
        params.set_param("workflow_alerts.gateway_allowed_hosts", "127.0.0.1:%s" % gateway.port)
        params.set_param("workflow_alerts.email_from", "alerts@dairy.example")
        env["ir.mail_server"].search([]).write({"active": False})
        server = env["ir.mail_server"].create(
            {"name": "it sink", "smtp_host": "127.0.0.1", "smtp_port": sink.port, "smtp_encryption": "none"}
        )
        user = env["res.users"].search([("login", "=", "it.alerts.receiver")]) or env[
            "res.users"
        ].with_context(no_reset_password=True).create(
            {
                "name": "Integration Receiver",
                "login": "it.alerts.receiver",
                "email": "receiver@dairy.example",
                "mobile": "+8801700000099",
                "groups_id": [(6, 0, [env.ref("base.group_user").id])],
            }
        )
        gateways = env["alert.gateway"].create(
            [
                {"name": "it sms", "channel": "sms", "url": gateway.url, "token": "tok", "timeout": 5},
                {"name": "it push", "channel": "push", "url": gateway.url, "timeout": 5},
            ]
        )
        ids = {"user": user.id, "server": server.id, "gateways": gateways.ids}
    yield ids
    with odoo_env() as env:
        env["alert.rule"].with_context(active_test=False).search([("code", "like", "it_%")]).unlink()
        env["alert.gateway"].browse(ids["gateways"]).unlink()
        env["ir.mail_server"].browse(ids["server"]).unlink()
        env["ir.config_parameter"].set_param("workflow_automation.broker_url", False)


def _rule(env, code, user_id, **vals):
    values = {
        "name": code,
        "code": code,
        "alert_type": "sla",
        "severity": "critical",
        "description": "Integration alert",
        "user_ids": [(6, 0, [user_id])],
        "channel_email": False,
        "channel_in_app": False,
        "channel_sms": False,
        "channel_push": False,
        "cooldown_minutes": 0,
        "max_alerts_per_day": 0,
        "digest_threshold": 0,
    }
    values.update(vals)
    return env["alert.rule"].create(values)


def _statuses(odoo_env, rule_id):
    with odoo_env() as env:
        notes = env["alert.notification"].search([("rule_id", "=", rule_id)])
        return {(n.channel, n.status) for n in notes}, notes.mapped("idempotency_key")


def test_worker_sends_right_after_commit(odoo_env, servers, worker, setup):
    sink, gateway = servers
    gateway.requests.clear()
    with odoo_env() as env:
        rule = _rule(
            env,
            "it_all_channels",
            setup["user"],
            channel_email=True,
            channel_in_app=True,
            channel_sms=True,
            channel_push=True,
        )
        alert = env["alert.rule"].raise_alert(rule)
        assert len(alert) == 1
        rule_id = rule.id
    sink.messages.clear()
    # no cron runs here, not even the mail queue's: only the Celery worker can have sent these
    assert gateway.wait_for(2, WAIT), "the worker did not call the gateway"
    assert sink.wait_for(1, WAIT), "the worker did not send the email"
    assert _wait(
        lambda: (
            _statuses(odoo_env, rule_id)[0]
            == {("sms", "delivered"), ("push", "delivered"), ("in_app", "sent"), ("email", "sent")}
        )
    ), _statuses(odoo_env, rule_id)
    with odoo_env() as env:
        notes = env["alert.notification"].search([("rule_id", "=", rule_id)])
        assert sorted(gateway.keys()) == sorted(
            notes.filtered(lambda n: n.channel in ("sms", "push")).mapped("idempotency_key")
        )
        email = notes.filtered(lambda n: n.channel == "email")
        assert [m["message"]["Message-Id"] for m in sink.messages] == [email.mail_id.message_id]
        assert email.mail_id.state == "sent"


def test_exactly_once_with_concurrent_senders(odoo_env, servers, worker, setup):
    _sink, gateway = servers
    with odoo_env() as env:
        env["ir.config_parameter"].set_param("workflow_automation.broker_url", False)
        rule = _rule(env, "it_concurrent", setup["user"], channel_sms=True)
        partners = env["res.partner"].create([{"name": "it concurrent %s" % i} for i in range(40)])
        assert len(env["alert.rule"].raise_alert(rule, partners)) == 40
        rule_id = rule.id
    with odoo_env() as env:
        env["ir.config_parameter"].set_param("workflow_automation.broker_url", REDIS)
    gateway.requests.clear()
    # the worker (2 processes) and this process run the delivery job at the same time, in small batches
    from celery import Celery  # pylint: disable=import-outside-toplevel

    client = Celery(broker=REDIS)
    for _i in range(12):
        client.send_task("workflow_celery.run_job", args=[DB, "alert.notification", "_job_deliver", 4])

    def local_sender():
        for _i in range(10):
            with odoo_env() as env:
                env["workflow.job"].run_job("alert.notification", "_job_deliver", 4)

    threads = [threading.Thread(target=local_sender) for _i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    # whatever is left is picked up by more runs
    deadline = time.time() + WAIT
    while _statuses(odoo_env, rule_id)[0] != {("sms", "delivered")} and time.time() < deadline:
        client.send_task("workflow_celery.run_job", args=[DB, "alert.notification", "_job_deliver", 10])
        time.sleep(1)
    assert _statuses(odoo_env, rule_id)[0] == {("sms", "delivered")}, _statuses(odoo_env, rule_id)
    keys = _statuses(odoo_env, rule_id)[1]
    sent = [k for k in gateway.keys() if k in set(keys)]
    assert len(sent) == 40 and len(set(sent)) == 40, "each notification reached the gateway exactly once"
    with odoo_env() as env:
        env["res.partner"].search([("name", "like", "it concurrent %")]).unlink()


def test_lost_message_is_swept(odoo_env, servers, worker, setup):
    import redis  # pylint: disable=import-outside-toplevel

    _sink, gateway = servers
    broker = redis.Redis.from_url(REDIS)
    # let the worker drain what earlier tests queued, so that nothing but the sweeper can send:
    # an empty queue is not enough — a pool process may hold a received job while it loads its
    # registry (seconds with every app installed) and that job would send what is raised next
    from celery import Celery  # pylint: disable=import-outside-toplevel

    inspect = Celery(broker=REDIS).control.inspect(timeout=2)

    def idle():
        if broker.llen("workflow") or broker.llen("celery"):
            return False
        active, reserved = inspect.active(), inspect.reserved()
        return bool(active) and not any(active.values()) and not any((reserved or {}).values())

    assert _wait(idle)
    time.sleep(1)
    with odoo_env() as env:
        env["ir.config_parameter"].set_param("workflow_automation.broker_url", False)
        os.environ.pop("REDIS_URL", None)
        rule = _rule(env, "it_lost", setup["user"], channel_push=True)
        alert = env["alert.rule"].raise_alert(rule)
        note = alert.notification_ids
        # a second one whose worker died while sending
        stale = _rule(env, "it_stale", setup["user"], channel_push=True)
        stale_note = env["alert.rule"].raise_alert(stale).notification_ids
        rule_ids = (rule.id, stale.id)
        env.cr.execute(
            "UPDATE alert_notification SET status = 'sending', claimed_at = now() at time zone 'UTC'"
            " - interval '1 hour' WHERE id = %s",
            (stale_note.id,),
        )
        ids = (note.id, stale_note.id)
    time.sleep(2)
    with odoo_env() as env:
        assert env["alert.notification"].browse(ids[0]).status == "pending", (
            "no broker, no cron: nothing sent"
        )
        env["ir.config_parameter"].set_param("workflow_automation.broker_url", REDIS)
    os.environ["REDIS_URL"] = REDIS
    with odoo_env() as env:
        assert env["workflow.job"].run_job("alert.notification", "_job_sweep") >= 1
    assert _wait(lambda: all(_statuses(odoo_env, rid)[0] == {("push", "delivered")} for rid in rule_ids)), [
        _statuses(odoo_env, rid) for rid in rule_ids
    ]
    with odoo_env() as env:
        keys = env["alert.notification"].browse(ids).mapped("idempotency_key")
    assert all(gateway.keys().count(k) == 1 for k in keys)


def test_daily_cap_is_atomic_across_transactions(odoo_env, setup):
    import psycopg2  # pylint: disable=import-outside-toplevel

    with odoo_env() as env:
        rule = _rule(env, "it_cap", setup["user"], max_alerts_per_day=10)
        rule_id = rule.id
    granted = []

    def take(n):
        for _attempt in range(20):
            try:
                with odoo_env() as env:
                    got = env["alert.throttle"]._acquire_daily(env["alert.rule"].browse(rule_id), n)
                    time.sleep(0.3)  # hold the row lock while the others wait
                granted.append(got)
                return
            except psycopg2.errors.SerializationFailure:
                time.sleep(0.05)  # what Odoo's request/cron retry does

    threads = [threading.Thread(target=take, args=(3,)) for _i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert len(granted) == 6
    assert sum(granted) == 10, granted
    with odoo_env() as env:
        assert env["alert.throttle"]._used_today(env["alert.rule"].browse(rule_id)) == 10
