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
    warning_alert_rule_id = fields.Many2one(
        "alert.rule",
        ondelete="set null",
        domain="[('alert_type', '=', 'sla')]",
        help="Alert rule that raises this SLA's warnings (at risk), so that they are not counted "
        "among the breaches. Empty: the alert rule above raises them too.",
    )

    @api.model
    def _sla_alerts_install(self):
        """On install, the SLAs already defined (the engine's defaults, demo data) alert
        through the shipped *SLA breached* rule, and warn through the shipped *SLA at risk* one."""
        SLA = self.with_context(active_test=False)
        for field, xmlid in (
            ("alert_rule_id", "workflow_sla_alerts.rule_sla_breach"),
            ("warning_alert_rule_id", "workflow_sla_alerts.rule_sla_warning"),
        ):
            rule = self.env.ref(xmlid, raise_if_not_found=False)
            if rule:
                SLA.search([(field, "=", False)])[field] = rule
