from odoo import fields, models


class ProjectTask(models.Model):
    """A person closing (or cancelling) the project task closes the rule's task."""

    _inherit = "project.task"

    def write(self, vals):
        res = super().write(vals)
        if vals.get("state") in ("1_done", "1_canceled") and not self.env.context.get(
            "workflow_tasks_closing"
        ):
            tasks = (
                self.env["task.automation.task"]
                .sudo()
                .search([("project_task_id", "in", self.ids), ("state", "=", "open")])
            )
            if tasks:
                outcome = "done" if vals["state"] == "1_done" else "cancelled"
                tasks.write({"state": outcome, "done_at": fields.Datetime.now()})
        return res
