from odoo import fields, models


class SlaTeam(models.Model):
    _name = "sla.team"
    _description = "SLA Team"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    manager_id = fields.Many2one("res.users", help="Receives the escalations of the team's SLAs.")
    member_ids = fields.Many2many("res.users", string="Members")
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
