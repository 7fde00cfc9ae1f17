from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class TaskAutomationRule(models.Model):
    _inherit = "task.automation.rule"

    create_as = fields.Selection(
        [("activity", "Activity on the record"), ("project_task", "Project task")],
        default="activity",
        required=True,
        string="Create",
    )
    project_id = fields.Many2one("project.project", ondelete="restrict")
    checklist = fields.Text(
        help="One line per checklist item: each becomes a sub-task of the project task, for the same person."
    )

    @api.constrains("create_as", "project_id")
    def _check_project(self):
        for rule in self:
            if rule.create_as == "project_task" and not rule.project_id:
                raise ValidationError(_("%s: choose the project of the tasks.", rule.name))
            if (
                rule.project_id
                and rule.project_id.company_id
                and rule.project_id.company_id != rule.company_id
            ):
                raise ValidationError(_("%s: the project belongs to another company.", rule.name))

    def _create_targets(self, task_vals):
        if self.create_as != "project_task":
            return super()._create_targets(task_vals)
        items = [line.strip() for line in (self.checklist or "").splitlines() if line.strip()]
        vals_list = [
            {
                "name": vals["name"],
                "description": vals["description"],
                "project_id": self.project_id.id,
                "user_ids": [(6, 0, [vals["user_id"]])],
                "date_deadline": vals["deadline_at"],
                "priority": "1" if vals["priority"] != "0" else "0",
                "company_id": self.company_id.id,
                "child_ids": [
                    (
                        0,
                        0,
                        {
                            "name": item,
                            "project_id": self.project_id.id,
                            "user_ids": [(6, 0, [vals["user_id"]])],
                        },
                    )
                    for item in items
                ],
            }
            for vals in task_vals
        ]
        project_tasks = self.env["project.task"].sudo().with_context(mail_create_nolog=True).create(vals_list)
        for vals, project_task in zip(task_vals, project_tasks):
            vals["project_task_id"] = project_task.id
