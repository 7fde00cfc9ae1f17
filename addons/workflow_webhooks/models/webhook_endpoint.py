"""Outgoing subscriptions: who receives which workflow events, and the outbox writer."""

import json
import logging
import uuid
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.workflow_automation.models.workflow_http import ALLOWED_HOSTS_PARAM
from odoo.addons.workflow_automation.tools.conditions import parse_domain

from ..tools import signature

_logger = logging.getLogger(__name__)

PAYLOAD_VERSION = "1"


class WebhookEndpoint(models.Model):
    _name = "workflow.webhook.endpoint"
    _description = "Webhook Subscription"
    _inherit = ["mail.thread"]
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    url = fields.Char("URL", required=True, tracking=True, help="Where the events are POSTed (https).")
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    event_type_ids = fields.Many2many(
        "workflow.webhook.event.type", string="Events", required=True, help="The events sent to this URL."
    )
    workflow_ids = fields.Many2many(
        "workflow.definition", string="Only Workflows", help="Empty: every workflow of the company."
    )
    model_id = fields.Many2one(
        "ir.model", "Only Documents Of", ondelete="cascade", help="Empty: documents of any type."
    )
    filter_domain = fields.Char(
        "Only Documents Matching", help="A condition on the document (domain), checked as the subscriber."
    )
    state_ids = fields.Many2many(
        "workflow.state",
        string="Only States",
        help="For 'Workflow entered a state': empty means every state.",
    )
    user_id = fields.Many2one(
        "res.users",
        "Subscriber",
        required=True,
        default=lambda self: self.env.user,
        help="Events are sent only about what this user may read.",
    )
    owner_id = fields.Many2one(
        "res.users", default=lambda self: self.env.user, help="Told when the endpoint is disabled."
    )
    secret = fields.Char(groups="base.group_system", copy=False, help="Signing secret (whsec_...).")
    previous_secret = fields.Char(groups="base.group_system", copy=False)
    previous_secret_until = fields.Datetime(
        "Previous Secret Valid Until",
        copy=False,
        readonly=True,
        help="Until then every message carries two signatures: the new secret's and the previous one's.",
    )
    ordered = fields.Boolean(
        "Deliver In Order",
        help="One message at a time, each only after the previous one succeeded or failed.",
    )
    max_in_flight = fields.Integer(
        "Concurrent Deliveries", default=5, help="At most this many requests to this URL at once."
    )
    timeout = fields.Integer("Timeout (s)", default=10)
    failing_since = fields.Datetime(readonly=True, copy=False)
    disabled_reason = fields.Text(readonly=True, copy=False)
    message_ids_count = fields.Integer("Deliveries", compute="_compute_stats")
    succeeded_count = fields.Integer("Succeeded", compute="_compute_stats")
    failed_count = fields.Integer("Failed", compute="_compute_stats")
    pending_count = fields.Integer("Waiting", compute="_compute_stats")

    def _compute_stats(self):
        groups = self.env["workflow.webhook.message"]._read_group(
            [("endpoint_id", "in", self.ids)], ["endpoint_id", "status"], ["__count"]
        )
        stats = {}
        for endpoint, status, count in groups:
            stats.setdefault(endpoint.id, {})[status] = count
        for endpoint in self:
            mine = stats.get(endpoint.id, {})
            endpoint.message_ids_count = sum(mine.values())
            endpoint.succeeded_count = mine.get("succeeded", 0)
            endpoint.failed_count = mine.get("failed", 0)
            endpoint.pending_count = sum(mine.get(s, 0) for s in ("pending", "retry", "sending"))

    @api.constrains("url")
    def _check_url(self):
        for endpoint in self:
            # the suite's outgoing-HTTP guard, without DNS: the allow-list and the URL's form
            self.env["workflow.http"]._check_url(
                endpoint.url, param=ALLOWED_HOSTS_PARAM, purpose=_("webhook %s", endpoint.name)
            )

    @api.constrains("filter_domain")
    def _check_filter_domain(self):
        for endpoint in self:
            if endpoint.filter_domain:
                parse_domain(endpoint.filter_domain, where=_("the filter of %s", endpoint.name))

    @api.constrains("max_in_flight", "timeout")
    def _check_limits(self):
        for endpoint in self:
            if endpoint.max_in_flight < 1 or endpoint.timeout < 1 or endpoint.timeout > 60:
                raise ValidationError(
                    _("%s: at least one concurrent delivery and a timeout of 1 to 60 seconds.", endpoint.name)
                )

    @api.model
    def _check_subscriber(self, vals, field="user_id"):
        """Only an administrator may make another user the subscriber (events are filtered by that
        user's rights: choosing a stronger user would show what the configuring manager may not read)."""
        user_id = vals.get(field)
        if not user_id or user_id == self.env.uid or self.env.is_superuser():
            return
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(
                _(
                    "Only an administrator may choose another user than yourself for a webhook (%s).",
                    self._fields[field].string,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_subscriber(vals)
        endpoints = super().create(vals_list)
        for endpoint in endpoints.sudo():
            if not endpoint.secret:
                endpoint.secret = signature.new_secret()
        return endpoints

    def write(self, vals):
        self._check_subscriber(vals)
        if vals.get("active"):
            vals = dict(vals, failing_since=False, disabled_reason=False)
        return super().write(vals)

    # ------------------------------------------------------------------
    # secrets
    # ------------------------------------------------------------------
    def _check_admin(self):
        if not self.env.is_superuser() and not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only administrators may see or change webhook secrets."))

    def action_rotate_secret(self):
        """New secret; the previous one keeps signing (a second signature) for a day."""
        self._check_admin()
        hours = int(self.env["ir.config_parameter"].sudo().get_param("workflow_webhooks.rotation_hours", 24))
        for endpoint in self.sudo():
            endpoint.write(
                {
                    "previous_secret": endpoint.secret,
                    "previous_secret_until": fields.Datetime.now() + timedelta(hours=hours),
                    "secret": signature.new_secret(),
                }
            )
            endpoint.message_post(
                body=_("Signing secret rotated; the previous one is accepted for %s hours.", hours)
            )
        return True

    def _signing_secrets(self, now):
        self.ensure_one()
        endpoint = self.sudo()
        secrets = [endpoint.secret]
        if (
            endpoint.previous_secret
            and endpoint.previous_secret_until
            and endpoint.previous_secret_until > now
        ):
            secrets.append(endpoint.previous_secret)
        return secrets

    # ------------------------------------------------------------------
    # buttons
    # ------------------------------------------------------------------
    def action_send_test(self):
        """Queue a ``webhook.test`` event for these endpoints and deliver it after commit."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        data = {"message": _("Test event sent by %s.", self.env.user.name)}
        for endpoint in self:
            if not endpoint.active:
                raise UserError(_("%s is disabled: enable it before sending a test event.", endpoint.name))
            endpoint.sudo()._queue("webhook.test", endpoint.company_id, data)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "success", "message": _("Test event queued: see the deliveries.")},
        }

    def action_view_deliveries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("workflow_webhooks.action_webhook_message")
        action["domain"] = [("endpoint_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------
    # the outbox writer (system path: called by the engine's extension points)
    # ------------------------------------------------------------------
    @api.model
    def _emit(self, code, company, data, target=None, record=None, workflow=None, state=None):
        """Write one message per subscribed endpoint, in the caller's transaction.

        ``target`` is the instance or approval request the event is about,
        ``record`` its document: an endpoint whose subscriber may not read both
        gets nothing.
        """
        endpoints = (
            self.sudo()
            .with_context(active_test=True)
            .search([("event_type_ids.code", "=", code), ("company_id", "=", company.id)])
        )
        if not endpoints:
            return self.env["workflow.webhook.message"]
        event_id = "evt_" + uuid.uuid4().hex
        messages = self.env["workflow.webhook.message"]
        for endpoint in endpoints:
            if endpoint._wants(code, target, record, workflow, state):
                messages |= endpoint._queue(code, company, data, event_id=event_id)
        return messages

    def _wants(self, code, target, record, workflow, state):
        self.ensure_one()
        if self.workflow_ids and (not workflow or workflow not in self.workflow_ids):
            return False
        if self.model_id and (not record or record._name != self.model_id.model):
            return False
        if code == "workflow.state_entered" and self.state_ids and state not in self.state_ids:
            return False
        user = self.user_id
        if not user.active:
            return False
        for rec in (target, record):
            if rec is None or rec is False:
                continue
            rec = rec.with_user(user)
            if (
                not rec.check_access_rights("read", raise_exception=False)
                or rec._filter_access_rules("read") != rec
            ):
                return False
        if self.filter_domain and record:
            try:
                return bool(record.with_user(user).filtered_domain(parse_domain(self.filter_domain)))
            except (AccessError, UserError, ValueError):
                return False
        return True

    @api.model
    def _event_type_id(self, code):
        Types = self.env["workflow.webhook.event.type"].sudo()
        return Types.search([("code", "=", code)], limit=1).id

    def _queue(self, code, company, data, event_id=None):
        self.ensure_one()
        now = fields.Datetime.now()
        payload = {
            "version": PAYLOAD_VERSION,
            "id": event_id or "evt_" + uuid.uuid4().hex,
            "type": code,
            "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "company": {"id": company.id, "name": company.name},
            "data": data,
        }
        message = (
            self.env["workflow.webhook.message"]
            .sudo()
            .create(
                {
                    "endpoint_id": self.id,
                    "event_id": payload["id"],
                    "event_type": code,
                    "event_type_id": self._event_type_id(code),
                    "payload": json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str),
                    "company_id": company.id,
                }
            )
        )
        self.env["workflow.webhook.message"]._enqueue_delivery_once()
        return message

    # ------------------------------------------------------------------
    # endpoint health (called by the delivery job)
    # ------------------------------------------------------------------
    def _delivery_succeeded(self):
        failing = self.filtered("failing_since")
        if failing:
            failing.sudo().write({"failing_since": False})

    def _delivery_failed(self, now):
        params = self.env["ir.config_parameter"].sudo()
        days = float(params.get_param("workflow_webhooks.disable_after_days", 5))
        for endpoint in self.sudo():
            if not endpoint.failing_since:
                endpoint.failing_since = now
            elif endpoint.failing_since <= now - timedelta(days=days):
                endpoint._disable(
                    _(
                        "Every delivery failed for more than %(days)s days (since %(since)s).",
                        days=days,
                        since=endpoint.failing_since,
                    )
                )

    def _disable(self, reason):
        for endpoint in self.sudo().filtered("active"):
            endpoint.write({"active": False})
            endpoint.write({"disabled_reason": reason})
            partners = endpoint.owner_id.partner_id
            endpoint.message_post(
                body=_("Webhook %(name)s disabled: %(reason)s", name=endpoint.name, reason=reason),
                partner_ids=partners.ids,
                subtype_xmlid="mail.mt_comment",
            )
