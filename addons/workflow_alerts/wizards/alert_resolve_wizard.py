from odoo import fields, models


class AlertResolveWizard(models.TransientModel):
    _name = "alert.resolve.wizard"
    _description = "Resolve Alerts"

    alert_ids = fields.Many2many("alert.instance", string="Alerts", required=True)
    notes = fields.Text("Resolution Notes")

    def action_resolve(self):
        self.ensure_one()
        self.alert_ids.action_resolve(self.notes)
        return {"type": "ir.actions.act_window_close"}
