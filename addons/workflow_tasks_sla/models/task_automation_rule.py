from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class TaskAutomationRule(models.Model):
    _inherit = "task.automation.rule"

    trigger = fields.Selection(
        selection_add=[("sla_warning", "SLA warning"), ("sla_breach", "SLA breach")],
        ondelete={"sla_warning": "cascade", "sla_breach": "cascade"},
    )
    sla_definition_id = fields.Many2one(
        "sla.definition",
        string="SLA",
        ondelete="cascade",
        help="Only this SLA's events (all SLAs when empty).",
    )

    @api.constrains("sla_definition_id", "model_id")
    def _check_sla_definition(self):
        for rule in self:
            if rule.sla_definition_id and rule.sla_definition_id.model_name != rule.model_name:
                raise ValidationError(_("%s: the SLA watches another model.", rule.name))
