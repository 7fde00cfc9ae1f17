from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.workflow_automation.tests.common import WorkflowCase, make_approval_definition
from odoo.addons.workflow_automation.tests.http_listener import HttpListener

ALLOW_PARAM = "workflow_automation.webhook_allowed_hosts"


class WebhookMixin:
    """A loopback receiver allow-listed by ``host:port``, and helpers to build flows."""

    @classmethod
    def setup_webhooks(cls):
        cls.listener = HttpListener().start()
        cls.addClassCleanup(cls.listener.stop)
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param(ALLOW_PARAM, cls.listener.netloc)
        params.set_param("workflow_webhooks.retry_jitter", "0")
        cls.webhook_manager = new_test_user(
            cls.env,
            login="wh_manager",
            groups="base.group_user,base.group_partner_manager,workflow_automation.group_workflow_manager",
            name="Hanna Hooks",
            email="hanna@dairy.example",
        )
        cls.all_events = cls.env["workflow.webhook.event.type"].search([])

    @classmethod
    def make_endpoint(cls, **vals):
        # a manager subscribes as themself; another subscriber is an administrator's choice
        author = (
            cls.webhook_manager
            if vals.get("user_id", cls.webhook_manager.id) == cls.webhook_manager.id
            else None
        )
        return (
            cls.env["workflow.webhook.endpoint"]
            .with_user(author or cls.env.ref("base.user_admin"))
            .create(
                dict(
                    {
                        "name": "ERP bus",
                        "url": cls.listener.url,
                        "event_type_ids": [Command.set(cls.all_events.ids)],
                        "user_id": cls.webhook_manager.id,
                    },
                    **vals,
                )
            )
            .sudo()
        )

    @classmethod
    def make_approval_flow(cls, approvers, code="WH_APPROVAL"):
        return make_approval_definition(
            cls.env,
            {
                "name": "Manager approval",
                "code": "review",
                "state_type": "approval",
                "sequence": 2,
                "approval_type": "any",
                "approver_user_ids": [Command.set(approvers.ids)],
            },
            code,
            name="Credit approval",
        )


class WebhookCase(WebhookMixin, WorkflowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_webhooks()

    def setUp(self):
        super().setUp()
        self.listener.reset()

    def deliver(self):
        """Runs of the delivery job (as ir.cron / a Celery worker runs it) until nothing is due."""
        total = 0
        for _run in range(20):
            done = self.env["workflow.job"].run_job("workflow.webhook.message", "_job_deliver")
            if not done:
                break
            total += done
        return total
