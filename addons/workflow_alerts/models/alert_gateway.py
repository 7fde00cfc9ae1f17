from dataclasses import dataclass

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

ALLOWED_HOSTS_PARAM = "workflow_alerts.gateway_allowed_hosts"
# what only an administrator may set: where alerts (names, phone numbers, texts) go, and the secret sent there
ADMIN_FIELDS = ("url", "token")


@dataclass(frozen=True)
class GatewayRequest:
    """A gateway's address and credentials, detached from the ORM."""

    name: str
    url: str
    token: str
    timeout: float
    purpose: str

    def _post(self, env, payload, headers):
        """POST through the suite's outgoing-HTTP guard (allow-list, checked address, no redirect)."""
        headers = dict(headers)
        if self.token:
            headers["Authorization"] = "Bearer %s" % self.token
        return env["workflow.http"]._post(
            self.url,
            json=payload,
            headers=headers,
            timeout=self.timeout,
            purpose=self.purpose,
            param=ALLOWED_HOSTS_PARAM,
        )


class AlertGateway(models.Model):
    _name = "alert.gateway"
    _description = "SMS / Push Gateway"
    _order = "sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    channel = fields.Selection([("sms", "SMS"), ("push", "Push Notification")], required=True)
    url = fields.Char(
        "URL",
        required=True,
        help="HTTP(S) endpoint receiving a JSON POST per notification. Only an administrator may change it; "
        "changing it clears the token unless a new one is given at the same time.",
    )
    token = fields.Char(
        groups="base.group_system",
        copy=False,
        help="Sent as 'Authorization: Bearer <token>' to this URL only: changing the URL clears it.",
    )
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

    @api.constrains("url", "channel")
    def _check_url(self):
        for gateway in self:
            gateway._check_url_value(gateway.url, gateway.channel)

    @api.model
    def _check_url_value(self, url, channel):
        """The guard's check of a URL, without DNS (sending checks again with it): ValidationError."""
        try:
            self.env["workflow.http"]._check_url(url, ALLOWED_HOSTS_PARAM, purpose=self._purpose(channel))
        except UserError as exc:
            raise ValidationError(exc.args[0]) from exc

    @api.model
    def _purpose(self, channel):
        return _(
            "%s gateway", dict(self._fields["channel"]._description_selection(self.env)).get(channel, "")
        )

    def _check_admin_fields(self, vals):
        if any(name in vals for name in ADMIN_FIELDS) and not self.env.is_system():
            raise AccessError(
                _("Only an administrator may set the URL or the token of an SMS / push gateway.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_admin_fields(vals)
            self._check_url_value(vals.get("url"), vals.get("channel"))
        return super().create(vals_list)

    def write(self, vals):
        self._check_admin_fields(vals)
        if "url" in vals:
            # refused before anything is written (the token in particular)
            for gateway in self:
                self._check_url_value(vals["url"], vals.get("channel", gateway.channel))
        if "url" in vals and "token" not in vals:
            # the token belongs to the URL it was given for: a new URL must not receive it
            moved = self.filtered(lambda g: g.url != vals["url"])
            if moved:
                super(AlertGateway, moved).write({"token": False})
        return super().write(vals)

    def _post(self, payload, headers):
        """POST ``payload`` to this gateway through the guard; returns an ``http_guard.Result``."""
        self.ensure_one()
        return self._request()._post(self.env, payload, headers)

    def _request(self):
        """What a POST to this gateway needs, read once (a batch of sends commits after each one,
        which empties the ORM cache): a :class:`GatewayRequest`."""
        self.ensure_one()
        return GatewayRequest(
            name=self.name,
            url=self.url,
            token=self.sudo().token or "",
            timeout=self.timeout,
            purpose=self._purpose(self.channel),
        )

    @api.model
    def _for_channel(self, channel, company):
        return self.search(
            [("channel", "=", channel), ("company_id", "in", [company.id, False])],
            order="company_id, sequence, id",
            limit=1,
        )
