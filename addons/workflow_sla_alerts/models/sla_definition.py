from odoo import api, fields, models


class SlaDefinition(models.Model):
    _inherit = "sla.definition"

    alert_rule_id = fields.Many2one(
        "alert.rule",
        ondelete="set null",
        domain="[('alert_type', '=', 'sla')]",
        help="Alert rule (type SLA) that raises this SLA's warnings, breaches and escalations as "
        "alerts (its channels, recipients, deduplication and escalation apply). Empty: they are "
        "posted on the record with to-dos for the responsible.",
    )

    @api.model
    def _sla_alerts_install(self):
        """On install, the SLAs already defined (the engine's defaults, demo data) alert
        through the shipped *SLA breached* rule."""
        rule = self.env.ref("workflow_sla_alerts.rule_sla_breach", raise_if_not_found=False)
        if rule:
            self.with_context(active_test=False).search([("alert_rule_id", "=", False)]).alert_rule_id = rule
