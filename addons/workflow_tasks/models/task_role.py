from odoo import api, fields, models


class TaskRole(models.Model):
    """A named set of people who share a kind of work (e.g. QA analysts of one plant)."""

    _name = "task.role"
    _description = "Task Role"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    team = fields.Char(help="Optional team or site within the company, e.g. 'Plant 1 lab'.")
    member_ids = fields.One2many("task.role.member", "role_id", string="Members")
    user_ids = fields.Many2many("res.users", compute="_compute_user_ids", string="Users")

    @api.depends("member_ids.user_id")
    def _compute_user_ids(self):
        for role in self:
            role.user_ids = role.member_ids.user_id


class TaskRoleMember(models.Model):
    _name = "task.role.member"
    _description = "Task Role Member"
    _order = "role_id, id"

    role_id = fields.Many2one("task.role", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="role_id.company_id", store=True, index=True)
    user_id = fields.Many2one("res.users", required=True, ondelete="cascade", domain=[("share", "=", False)])
    capacity = fields.Float(
        default=1.0,
        help="Relative capacity for the 'weighted by capacity' strategy: a member with 2 gets twice "
        "as many open tasks as a member with 1.",
    )

    _sql_constraints = [
        ("user_unique", "unique(role_id, user_id)", "A person is listed once per role."),
        ("capacity_positive", "CHECK(capacity > 0)", "A member's capacity must be positive."),
    ]
