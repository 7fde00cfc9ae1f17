import base64
import json
import os
import uuid

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import WorkflowCase

# a Redis database of the test run (the integration suites use the same variable)
REDIS_URL = os.environ.get("WFA_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


@tagged("post_install", "-at_install")
class TestJobSchedule(WorkflowCase):
    """Each job's period comes from its ir.cron line; the Celery beat follows it."""

    def test_interval_of_each_job_is_its_cron_line(self):
        intervals = self.env["workflow.job"]._job_intervals()
        self.assertEqual(intervals[("workflow.instance", "_job_timeouts")], 60)
        self.assertEqual(intervals[("workflow.definition", "_job_scheduled_starts")], 300)
        cron = self.env.ref("workflow_automation.ir_cron_workflow_scheduled_starts")
        cron.write({"interval_number": 2, "interval_type": "hours"})
        intervals = self.env["workflow.job"]._job_intervals()
        self.assertEqual(intervals[("workflow.definition", "_job_scheduled_starts")], 7200)
        # a deactivated line still gives the period (it stops the cron, not Celery)
        cron.active = False
        self.assertEqual(
            self.env["workflow.job"]._job_intervals()[("workflow.definition", "_job_scheduled_starts")], 7200
        )

    def test_every_registered_job_has_a_cron_line(self):
        """Of every installed addon: a job without a cron line would never run without Celery."""
        intervals = self.env["workflow.job"]._job_intervals()
        jobs = {(model, method) for model, method, _batch in self.env["workflow.job"]._registered_jobs()}
        self.assertFalse(jobs - set(intervals), "registered jobs without an ir.cron line")
        schedule = self.env["workflow.job"]._beat_schedule()
        self.assertEqual({(m, f) for m, f, _s in schedule}, jobs)

    def test_job_without_cron_line_is_left_out_of_the_beat(self):
        cron = self.env.ref("workflow_automation.ir_cron_approval_reminders")
        cron.code = "model.search([], limit=1)"  # no longer a run_job call
        with self.assertLogs("odoo.addons.workflow_automation.models.workflow_job", level="WARNING") as logs:
            schedule = self.env["workflow.job"]._beat_schedule()
        self.assertNotIn("_job_reminders", {f for _m, f, _s in schedule})
        self.assertIn("approval.request._job_reminders has no ir.cron line", logs.output[0])


@tagged("post_install", "-at_install")
class TestCelerySwitch(WorkflowCase):
    """Celery is on for a database when its administrator set workflow_automation.broker_url,
    and only then: the REDIS_URL environment variable does not switch it on."""

    def setUp(self):
        super().setUp()
        import redis  # pylint: disable=import-outside-toplevel

        self.redis = redis.Redis.from_url(REDIS_URL)
        self.redis.ping()  # Redis is needed by the test suite (README)
        # a queue of this test only: other runs may share the Redis database
        self.queue = f"wfa-switch-{uuid.uuid4().hex}"
        for name, value in (("WORKFLOW_QUEUE", self.queue), ("REDIS_URL", REDIS_URL)):
            old = os.environ.get(name)
            os.environ[name] = value
            self.addCleanup(self._restore_env, name, old)
        self.addCleanup(self._drop_keys)

    @staticmethod
    def _restore_env(name, old):
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old

    def _drop_keys(self):
        for key in self.redis.keys(f"*{self.queue}*"):
            self.redis.delete(key)

    def _commit_callbacks(self):
        """What COMMIT runs after the transaction: the postcommit callbacks."""
        self.env.cr.postcommit.run()

    def test_off_by_default_even_with_redis_url_in_environment(self):
        self.env["ir.config_parameter"].set_param("workflow_automation.broker_url", False)
        self.assertFalse(self.env["workflow.job"]._broker_url())
        self.assertFalse(self.env["workflow.job"]._enqueue_after_commit("workflow.instance", "_job_timeouts"))
        self._commit_callbacks()
        self.assertEqual(self.redis.llen(self.queue), 0)
        self.assertEqual(self.redis.keys(f"*{self.queue}*"), [])

    def test_on_when_the_administrator_sets_the_broker(self):
        self.env["ir.config_parameter"].set_param("workflow_automation.broker_url", REDIS_URL)
        self.assertTrue(
            self.env["workflow.job"]._enqueue_after_commit("workflow.instance", "_job_timeouts", 7)
        )
        self.assertEqual(self.redis.llen(self.queue), 0, "nothing is sent before the commit")
        self._commit_callbacks()
        self.assertEqual(self.redis.llen(self.queue), 1)
        message = json.loads(self.redis.lindex(self.queue, 0))
        self.assertEqual(message["headers"]["task"], "workflow_celery.run_job")
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        # the message names its database: a worker serving another one refuses it
        self.assertEqual(args, [self.env.cr.dbname, "workflow.instance", "_job_timeouts", 7])

    def test_only_an_administrator_switches_celery_on(self):
        self.env["ir.config_parameter"].set_param("workflow_automation.broker_url", False)
        params = self.env["ir.config_parameter"].with_user(self.manager)
        with self.assertRaises(AccessError):
            params.set_param("workflow_automation.broker_url", REDIS_URL)
        with self.assertRaises(AccessError):
            params.create({"key": "workflow_automation.broker_url", "value": REDIS_URL})
        self.assertFalse(self.env["workflow.job"]._broker_url())
