from urllib.parse import urlparse

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class AlertGateway(models.Model):
    _name = "alert.gateway"
    _description = "SMS / Push Gateway"
    _order = "sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    channel = fields.Selection([("sms", "SMS"), ("push", "Push Notification")], required=True)
    url = fields.Char("URL", required=True, help="HTTP(S) endpoint receiving a JSON POST per notification.")
    token = fields.Char(groups="base.group_system", help="Sent as 'Authorization: Bearer <token>'.")
    timeout = fields.Float("Timeout (Seconds)", default=10.0)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", help="Leave empty to use it for every company.")

    _sql_constraints = [
        (
            "timeout_positive",
            "CHECK(timeout > 0 AND timeout <= 120)",
            "The timeout must be between 0 and 120 s.",
        ),
    ]

    @api.constrains("url")
    def _check_url(self):
        for gateway in self:
            parsed = urlparse(gateway.url or "")
            if parsed.scheme not in ("http", "https") or not parsed.hostname:
                raise ValidationError(_("The URL of gateway %s must be an http(s) URL.", gateway.name))
            if not gateway._host_allowed():
                raise ValidationError(
                    _(
                        "The host %(host)s is not allowed. Add it to the system parameter "
                        "workflow_alerts.gateway_allowed_hosts (comma-separated).",
                        host=parsed.hostname,
                    )
                )

    @api.model
    def _allowed_hosts(self):
        value = self.env["ir.config_parameter"].sudo().get_param("workflow_alerts.gateway_allowed_hosts", "")
        return {host.strip().lower() for host in value.split(",") if host.strip()}

    def _host_allowed(self):
        self.ensure_one()
        host = (urlparse(self.url or "").hostname or "").lower()
        return bool(host) and host in self._allowed_hosts()

    @api.model
    def _for_channel(self, channel, company):
        return self.search(
            [("channel", "=", channel), ("company_id", "in", [company.id, False])],
            order="company_id, sequence, id",
            limit=1,
        )
