from urllib.parse import urlparse

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html_escape, plaintext2html

from ..tools.rpc_args import MAX_MESSAGE, check_sizes

ALLOWED_HOSTS_PARAM = "workflow_automation.webhook_allowed_hosts"


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

    @api.constrains("workflow_message_body")
    def _check_workflow_message_size(self):
        check_sizes(self, {"workflow_message_body": MAX_MESSAGE})

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
        self._check_webhook_host(self.webhook_url)
        return super()._run_action_webhook(eval_context=eval_context)

    def _check_webhook_host(self, url):
        """Outgoing HTTP only to hosts an administrator allowed (comma separated system parameter)."""
        allowed = {
            h.strip().lower()
            for h in (self.env["ir.config_parameter"].sudo().get_param(ALLOWED_HOSTS_PARAM) or "").split(",")
            if h.strip()
        }
        parsed = urlparse(url or "")
        host = (parsed.hostname or "").lower()
        if parsed.scheme not in ("http", "https") or not host:
            raise UserError(_("The webhook URL %s is not an http(s) URL.", html_escape(url or "")))
        if host not in allowed:
            raise UserError(
                _(
                    "The webhook host %(host)s is not allowed. An administrator can add it to the system "
                    "parameter %(param)s.",
                    host=host,
                    param=ALLOWED_HOSTS_PARAM,
                )
            )
