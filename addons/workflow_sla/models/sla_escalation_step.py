from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class SlaEscalationStep(models.Model):
    _name = "sla.escalation.step"
    _description = "SLA Escalation Step"
    _order = "definition_id, elapsed_percent, sequence, id"

    definition_id = fields.Many2one("sla.definition", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    elapsed_percent = fields.Float(
        string="At % of Target",
        required=True,
        default=100.0,
        help="Escalate when this share of the target business time has elapsed: "
        "100 = at the breach, 150 = half the target again after the breach.",
    )
    notify_responsible = fields.Boolean(default=True, help="Notify the user responsible for the record.")
    notify_team_manager = fields.Boolean(default=True, help="Notify the manager of the SLA's team.")
    notify_responsible_manager = fields.Boolean(
        string="Notify Responsible's Manager",
        help="Notify the manager of the responsible's employee (needs the Employees app).",
    )
    user_ids = fields.Many2many("res.users", string="Also Notify")
    note = fields.Char(translate=True, help="Added to the escalation message.")

    @api.constrains("elapsed_percent")
    def _check_elapsed_percent(self):
        for step in self:
            if step.elapsed_percent <= 0:
                raise ValidationError(_("An escalation step must trigger after more than 0% of the target."))
