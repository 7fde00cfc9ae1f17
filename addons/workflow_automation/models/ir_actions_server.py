import json
import logging

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html

from .workflow_http import ALLOWED_HOSTS_PARAM

_logger = logging.getLogger(__name__)
WEBHOOK_TIMEOUT = 1.0  # Odoo's: a slow receiver must not hold the user's transaction


class IrActionsServer(models.Model):
    _inherit = "ir.actions.server"

    state = fields.Selection(
        selection_add=[("workflow_message", "Post a Message (workflow)")],
        ondelete={"workflow_message": "cascade"},
    )
    workflow_message_body = fields.Text(
        string="Message",
        translate=True,
        help="Plain text posted in the record's chatter. {state} and {workflow} are replaced; nothing is evaluated.",
    )

    def _run_action_workflow_message(self, eval_context=None):
        record = self.env[self.model_id.model].browse(self._context.get("active_id")).exists()
        if not record or not hasattr(record, "message_post"):
            return False
        instance = (
            self.env["workflow.instance"].sudo().browse(self._context.get("workflow_instance_id")).exists()
        )
        text = self.workflow_message_body or ""
        text = text.replace("{state}", instance.current_state_id.name or "").replace(
            "{workflow}", instance.workflow_id.name or ""
        )
        record.message_post(body=plaintext2html(text), subtype_xmlid="mail.mt_note")
        return False

    def _run_action_webhook(self, eval_context=None):
        """Odoo's webhook (same JSON payload, same 'send and forget' with a 1 s limit), sent
        through the suite's outgoing-HTTP guard instead of a bare ``requests.post``."""
        record = self.env[self.model_id.model].browse(self._context.get("active_id"))
        url = self.webhook_url
        if not record:
            return
        if not url:
            raise UserError(_("The webhook action %s has no URL.", self.name))
        vals = {"_model": self.model_id.model, "_id": record.id, "_action": f"{self.name}(#{self.id})"}
        if self.webhook_field_ids:
            vals.update(record.read(self.webhook_field_ids.mapped("name"), load=None)[0])
        payload = json.dumps(vals, sort_keys=True, default=str)
        result = self.env["workflow.http"]._post(
            url,
            data=payload,
            headers={"Content-Type": "application/json"},
            timeout=WEBHOOK_TIMEOUT,
            purpose=_("webhook"),
            param=ALLOWED_HOSTS_PARAM,
        )
        if not result.ok:
            _logger.warning("Webhook call to %s failed: %s", url, result.describe())

    def _check_webhook_host(self, url):
        """Refuse (UserError) a webhook URL the guard would refuse, without resolving its name:
        the check when a URL is saved or imported; sending checks again, resolution included."""
        self.env["workflow.http"]._check_url(url, ALLOWED_HOSTS_PARAM, purpose=_("webhook"))
