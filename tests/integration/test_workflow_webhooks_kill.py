"""workflow_webhooks' at-least-once window with a real process killed by SIGKILL.

A delivery worker (a separate Odoo process running the ``_job_deliver`` job, as
ir.cron or Celery would) is SIGKILLed after the receiver got the request and
before the worker recorded the outcome.  The message is sent again, after the
sweeper's lease, with the same ``webhook-id``, and never a third time.

Runs against the database installed by scripts/test.sh (env WFA_DB).
"""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DB = os.environ.get("WFA_DB")
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "addons" / "workflow_automation" / "tests"))

from odoo_harness import DB_ARGS, ODOO_PATH, PYTHON, addons_path, registry_in_process  # noqa: E402

WORKER = """
import sys
sys.path.insert(0, %(odoo)r)
import odoo
from odoo import SUPERUSER_ID, api
odoo.tools.config.parse_config(["--addons-path", %(addons)r, *%(db_args)r, "-d", %(db)r])
registry = odoo.modules.registry.Registry(%(db)r)
with registry.cursor() as cr:
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["workflow.job"].run_job("workflow.webhook.message", "_job_deliver")
    cr.commit()
"""


@pytest.fixture(scope="module")
def odoo_env():
    if not DB:
        pytest.fail("WFA_DB is not set: run through scripts/test.sh")
    registry = registry_in_process(DB)
    from odoo import SUPERUSER_ID, api  # pylint: disable=import-outside-toplevel

    with registry.cursor() as cr:
        installed = api.Environment(cr, SUPERUSER_ID, {})["ir.module.module"].search_count(
            [("name", "=", "workflow_webhooks"), ("state", "=", "installed")]
        )
    if not installed:
        pytest.fail("workflow_webhooks is not installed in %s: scripts/test.sh installs every addon" % DB)

    @contextmanager
    def env():
        with registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})
            cr.commit()

    return env


def test_killed_worker_sends_again_with_the_same_webhook_id(odoo_env):
    from http_listener import HttpListener  # pylint: disable=import-outside-toplevel

    listener = HttpListener().start()
    with odoo_env() as env:
        broker = env["ir.config_parameter"].get_param("workflow_automation.broker_url")
    try:
        with odoo_env() as env:
            env["ir.config_parameter"].set_param("workflow_automation.webhook_allowed_hosts", listener.netloc)
            # the cron path: no Celery worker of another suite may deliver this message first
            env["ir.config_parameter"].set_param("workflow_automation.broker_url", "")
            env["workflow.webhook.endpoint"].with_context(active_test=False).search([]).write(
                {"active": False}
            )
            test_event = env.ref("workflow_webhooks.event_webhook_test")
            endpoint = env["workflow.webhook.endpoint"].create(
                {
                    "name": "kill test",
                    "url": listener.url,
                    "event_type_ids": [(6, 0, test_event.ids)],
                    "user_id": env.ref("base.user_admin").id,
                    "ordered": True,
                }
            )
            endpoint.action_send_test()
            endpoint_id = endpoint.id
            message = env["workflow.webhook.message"].search([("endpoint_id", "=", endpoint_id)])
            message_id, msg_id = message.id, message.msg_id
        listener.answer = {"status": 200, "body": "ok", "delay": 30}  # the worker waits for the answer
        script = WORKER % {"odoo": ODOO_PATH, "addons": addons_path(), "db_args": DB_ARGS, "db": DB}
        worker = subprocess.Popen([PYTHON, "-c", script])
        deadline = time.time() + 120
        while not listener.requests and time.time() < deadline and worker.poll() is None:
            time.sleep(0.05)
        assert listener.requests, "the worker did not send"
        os.kill(worker.pid, signal.SIGKILL)  # sent, not recorded
        worker.wait(10)
        listener.answer = {"status": 200, "body": "ok"}
        with odoo_env() as env:
            message = env["workflow.webhook.message"].browse(message_id)
            assert message.status == "sending"
            assert not message.attempt_ids
            # not sent again before the lease ends
            assert env["workflow.job"].run_job("workflow.webhook.message", "_job_deliver") == 0
            env["ir.config_parameter"].set_param("workflow_webhooks.claim_lease_seconds", "0")
        time.sleep(1.1)
        with odoo_env() as env:
            assert env["workflow.job"].run_job("workflow.webhook.message", "_job_sweep") == 1
        with odoo_env() as env:
            assert env["workflow.job"].run_job("workflow.webhook.message", "_job_deliver") == 1
        with odoo_env() as env:
            assert env["workflow.job"].run_job("workflow.webhook.message", "_job_deliver") == 0
            message = env["workflow.webhook.message"].browse(message_id)
            assert message.status == "succeeded"
            env["ir.config_parameter"].set_param("workflow_webhooks.claim_lease_seconds", "300")
            env["workflow.webhook.endpoint"].browse(endpoint_id).unlink()
        assert [r["headers"]["webhook-id"] for r in listener.requests] == [msg_id, msg_id]
    finally:
        with odoo_env() as env:
            env["ir.config_parameter"].set_param("workflow_automation.broker_url", broker or "")
        listener.stop()
