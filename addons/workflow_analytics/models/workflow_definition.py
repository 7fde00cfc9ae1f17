import logging
from datetime import timedelta

from odoo import _, api, fields, models

from odoo.addons.workflow_automation.tools.jobs import job

_logger = logging.getLogger(__name__)


class WorkflowDefinition(models.Model):
    _inherit = "workflow.definition"

    analytics_digest = fields.Boolean(
        string="Weekly Analytics Email",
        help="Every week, email the owner this workflow's figures and what changed since the week before.",
    )
    analytics_owner_id = fields.Many2one(
        "res.users",
        string="Process Owner",
        default=lambda self: self.env.user,
        help="Receives the weekly analytics email.",
    )
    analytics_digest_sent_at = fields.Datetime(string="Last Analytics Email", readonly=True, copy=False)
    analytics_summary = fields.Json(compute="_compute_analytics_summary")
    analytics_completed = fields.Integer(compute="_compute_analytics_summary", string="Completed (30 days)")
    analytics_running = fields.Integer(compute="_compute_analytics_summary", string="Running Now")
    analytics_cycle_p50 = fields.Float(compute="_compute_analytics_summary", string="Median Cycle Time (h)")
    analytics_cycle_p90 = fields.Float(compute="_compute_analytics_summary", string="90th Percentile (h)")
    analytics_bottleneck = fields.Char(compute="_compute_analytics_summary", string="Waits Most In")
    analytics_rework_rate = fields.Float(compute="_compute_analytics_summary", string="Rework (%)")

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_analytics_summary(self):
        Analytics = self.env["workflow.analytics"]
        for definition in self:
            figures = {}
            if definition.id and not definition.current_version_id:
                figures = Analytics.get_dashboard({"workflow_ids": [definition.id]})["current"]
            bottleneck = figures.get("bottleneck") or {}
            definition.analytics_summary = figures or False
            definition.analytics_completed = figures.get("completed", 0)
            definition.analytics_running = figures.get("running", 0)
            definition.analytics_cycle_p50 = (figures.get("cycle") or {}).get("p50") or 0.0
            definition.analytics_cycle_p90 = (figures.get("cycle") or {}).get("p90") or 0.0
            definition.analytics_bottleneck = (
                _(
                    "%(state)s (%(share)s%% of the cycle time)",
                    state=bottleneck["name"],
                    share=round(bottleneck["share"] * 100),
                )
                if bottleneck
                else False
            )
            definition.analytics_rework_rate = ((figures.get("rework") or {}).get("rate") or 0.0) * 100

    def action_open_analytics(self):
        self.ensure_one()
        return {
            "type": "ir.actions.client",
            "tag": "workflow_analytics.dashboard",
            "name": _("Analytics: %s", self.name),
            "params": {"workflow_ids": [self.id]},
        }

    # ------------------------------------------------------------------
    # weekly digest
    # ------------------------------------------------------------------
    @job(batch_size=20)
    def _job_weekly_digest(self, limit=20):
        """Email each opted-in definition's owner its figures of the last 7 days (once a week)."""
        now = fields.Datetime.now()
        ids = self.env["workflow.job"]._lock_batch(
            "workflow_definition",
            "analytics_digest AND active AND current_version_id IS NULL AND analytics_owner_id IS NOT NULL"
            " AND (analytics_digest_sent_at IS NULL OR analytics_digest_sent_at <= %s)",
            (now - timedelta(days=7),),
            limit=limit,
        )
        for definition in self.browse(ids):
            try:
                with self.env.cr.savepoint():
                    definition._send_analytics_digest()
            except Exception:
                _logger.exception("analytics digest of workflow %s failed", definition.id)
            definition.analytics_digest_sent_at = now
        return len(ids)

    def _send_analytics_digest(self):
        """Figures computed as the owner: the email shows only what the owner may read."""
        self.ensure_one()
        owner = self.analytics_owner_id
        today = fields.Date.context_today(self.with_user(owner))
        filters = {
            "workflow_ids": [self.id],
            "date_from": fields.Date.to_string(today - timedelta(days=7)),
            "date_to": fields.Date.to_string(today - timedelta(days=1)),
        }
        analytics = (
            self.env["workflow.analytics"]
            .with_user(owner)
            .with_context(allowed_company_ids=owner.company_ids.ids)
        )
        data = analytics.get_dashboard(filters)
        body = self.env["ir.qweb"]._render(
            "workflow_analytics.analytics_digest_email",
            {"definition": self, "data": data, "owner": owner, "trend": self._digest_trend},
        )
        self.env["mail.mail"].sudo().create(
            {
                "subject": _("Weekly figures of the workflow %s", self.name),
                "body_html": body,
                "email_to": owner.email_formatted,
                "recipient_ids": [(4, owner.partner_id.id)],
                "auto_delete": True,
            }
        )

    @api.model
    def _digest_trend(self, value, previous):
        if value is None or previous is None:
            return ""
        if value == previous:
            return _("unchanged")
        return _(
            "%(sign)s%(diff)s since the week before",
            sign="+" if value > previous else "",
            diff=round(value - previous, 2),
        )
