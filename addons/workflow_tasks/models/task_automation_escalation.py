from odoo import fields, models


class TaskAutomationEscalation(models.Model):
    """One step of a rule's escalation: once a task is overdue by ``after_hours``, hand it on."""

    _name = "task.automation.escalation"
    _description = "Task Escalation Step"
    _order = "rule_id, after_hours, id"

    rule_id = fields.Many2one("task.automation.rule", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="rule_id.company_id", store=True, index=True)
    after_hours = fields.Float(string="Overdue by (hours)", required=True, default=1.0)
    target = fields.Selection(
        [
            ("user", "A user"),
            ("group", "A group (least open tasks)"),
            ("manager", "The assignee's manager"),
        ],
        required=True,
        default="user",
        help="The assignee's manager comes from HR (the employee's manager) when the Employees app is "
        "installed; without it, or without a manager, the task stays with its assignee.",
    )
    user_id = fields.Many2one("res.users", domain=[("share", "=", False)])
    group_id = fields.Many2one("res.groups")

    _sql_constraints = [
        ("after_positive", "CHECK(after_hours >= 0)", "An escalation step cannot come before the due date."),
    ]
