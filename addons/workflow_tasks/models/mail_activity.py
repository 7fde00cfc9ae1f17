from odoo import fields, models


class MailActivity(models.Model):
    """A person marking the activity done (or deleting it) closes the rule's task."""

    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        self._task_sync("done")
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    def unlink(self):
        self._task_sync("cancelled")
        return super().unlink()

    def _task_sync(self, outcome):
        if not self.ids:
            return
        tasks = (
            self.env["task.automation.task"]
            .sudo()
            .search([("activity_id", "in", self.ids), ("state", "=", "open")])
        )
        if tasks:
            tasks.write({"state": outcome, "done_at": fields.Datetime.now()})
