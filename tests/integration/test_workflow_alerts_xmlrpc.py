"""workflow_alerts over XML-RPC on a real Odoo server, without Celery: the suite is complete
with Odoo + PostgreSQL alone (the delivery cron is woken right after the commit).

Runs against the database installed by scripts/test.sh (env WFA_DB, demo data: admin/admin).
"""

import os
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ODOO_PATH = os.environ.get("ODOO_PATH", "/opt/odoo17")
PYTHON = os.environ.get("ODOO_PYTHON", sys.executable)
DB = os.environ.get("WFA_DB")
PGHOST = os.environ.get("PGHOST", "127.0.0.1")
PGUSER = os.environ.get("PGUSER", "odoo")
PORT = int(os.environ.get("WFA_ALERTS_HTTP_PORT", "18372"))
WAIT = 90


def _wait(predicate, timeout=WAIT, step=0.3):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return True
        except (OSError, xmlrpc.client.Fault, xmlrpc.client.ProtocolError):
            pass
        time.sleep(step)
    return False


@pytest.fixture(scope="module")
def gateway():
    sys.path.insert(0, str(REPO / "addons" / "workflow_alerts" / "tests"))
    from servers import HTTPGateway  # pylint: disable=import-outside-toplevel

    gw = HTTPGateway(18410).start()
    yield gw
    gw.stop()


@pytest.fixture(scope="module")
def server():
    if not DB:
        pytest.fail("WFA_DB is not set: run through scripts/test.sh")
    log = Path(tempfile.mkdtemp(prefix="wfa-alerts-rpc-")) / "odoo.log"
    env = dict(os.environ)
    env.pop("REDIS_URL", None)  # no broker: the cron must do the delivery
    proc = subprocess.Popen(
        [
            PYTHON,
            os.path.join(ODOO_PATH, "odoo-bin"),
            "--addons-path=%s/odoo/addons,%s/addons" % (ODOO_PATH, REPO),
            "--db_host=%s" % PGHOST,
            "--db_user=%s" % PGUSER,
            "-d",
            DB,
            "--db-filter=^%s$" % DB,
            "--http-port=%d" % PORT,
            "--http-interface=127.0.0.1",
            "--max-cron-threads=1",
            "--workers=0",
            "--log-level=warn",
            "--logfile=%s" % log,
        ],
        env=env,
    )
    url = "http://127.0.0.1:%d" % PORT
    try:
        common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common")
        assert _wait(lambda: common.version(), 60), log.read_text()[-3000:] if log.exists() else "no log"
        uid = common.authenticate(DB, "admin", "admin", {})
        assert uid, "admin/admin must log in (database with demo data)"
        models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)

        def call(model, method, *args, **kw):
            return models.execute_kw(DB, uid, "admin", model, method, list(args), kw)

        yield call
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def test_raise_handle_and_deliver_over_xmlrpc(server, gateway):
    call = server
    call("ir.config_parameter", "set_param", "workflow_automation.broker_url", False)
    call(
        "ir.config_parameter",
        "set_param",
        "workflow_alerts.gateway_allowed_hosts",
        "127.0.0.1:%s" % gateway.port,
    )
    gw_id = call(
        "alert.gateway", "create", {"name": "rpc push", "channel": "push", "url": gateway.url, "timeout": 5}
    )
    partner_id = call("res.partner", "create", {"name": "RPC customer"})
    rule_id = call(
        "alert.rule",
        "create",
        {
            "name": "RPC SLA",
            "code": "rpc_sla",
            "alert_type": "sla",
            "channel_email": False,
            "channel_in_app": False,
            "channel_push": True,
            "user_ids": [(6, 0, [call("res.users", "search", [("login", "=", "admin")])[0]])],
            "escalation_step_ids": [(0, 0, {"delay_minutes": 30, "severity": "urgent"})],
        },
    )
    try:
        ids = call(
            "alert.rule",
            "raise_alert",
            "rpc_sla",
            model_name="res.partner",
            record_ids=[partner_id],
            severity="critical",
            message="Response overdue",
        )
        assert len(ids) == 1
        assert (
            call("alert.rule", "raise_alert", "rpc_sla", model_name="res.partner", record_ids=[partner_id])
            == []
        )
        # no Celery here: the delivery cron, woken at commit, sends it
        assert gateway.wait_for(1, WAIT), "the cron did not deliver"
        assert _wait(
            lambda: (
                call("alert.notification", "search_read", [("alert_id", "in", ids)], fields=["status"])[0][
                    "status"
                ]
                == "delivered"
            )
        )
        call("alert.instance", "action_acknowledge", ids, note="on it")
        alert = call("alert.instance", "read", ids, ["status", "next_escalation_at"])[0]
        assert alert["status"] == "acknowledged" and not alert["next_escalation_at"]
        call("alert.instance", "action_resolve", ids, notes="Called the customer")
        alert = call("alert.instance", "read", ids, ["status", "resolution_notes", "history_ids"])[0]
        assert alert["status"] == "resolved"
        assert alert["resolution_notes"] == "Called the customer"
        actions = [h["action"] for h in call("alert.history", "read", alert["history_ids"], ["action"])]
        assert actions == ["triggered", "acknowledged", "resolved"]
        with pytest.raises(xmlrpc.client.Fault):
            call("alert.rule", "raise_alert", "no_such_rule")
    finally:
        call("alert.rule", "unlink", [rule_id])
        call("alert.gateway", "unlink", [gw_id])
        call("res.partner", "unlink", [partner_id])
