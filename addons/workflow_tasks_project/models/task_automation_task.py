from odoo import fields, models


class TaskAutomationTask(models.Model):
    _inherit = "task.automation.task"

    project_task_id = fields.Many2one("project.task", ondelete="set null", index="btree_not_null")

    def _close(self, outcome, feedback=None):
        project_tasks = self.sudo().filtered(lambda t: t.state == "open").project_task_id
        closed = super()._close(outcome, feedback=feedback)
        if project_tasks:
            project_tasks.with_context(workflow_tasks_closing=True).write(
                {"state": "1_done" if outcome == "done" else "1_canceled"}
            )
        return closed

    def _target_reassign(self, user):
        res = super()._target_reassign(user)
        if self.project_task_id:
            self.project_task_id.sudo().write({"user_ids": [(6, 0, user.ids)]})
        return res
