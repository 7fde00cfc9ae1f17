from odoo import _, models


class WorkflowInstance(models.Model):
    """'Workflow state entered' rules, and tasks done when the workflow leaves the state.

    A rule names a state of the live definition; instances that run on a
    frozen older version (see ``_freeze_running_versions``) are in a copy of
    that state with the same code, so states are matched by definition and code.
    """

    _inherit = "workflow.instance"

    def _enter_state_hook(self, state):
        res = super()._enter_state_hook(state)
        live = state.workflow_id.current_version_id or state.workflow_id
        rules = (
            self.env["task.automation.rule"]
            .sudo()
            .search(
                [
                    ("trigger", "=", "state_enter"),
                    ("state_id.workflow_id", "=", live.id),
                    ("state_id.code", "=", state.code),
                ]
            )
        )
        if rules:
            for inst in self:
                record = inst._get_record()
                if record:
                    rules.filtered(lambda r, c=inst.company_id: r.company_id == c)._fire(
                        record, instance=inst, state=state
                    )
        return res

    def _leave_state_hook(self, state):
        res = super()._leave_state_hook(state)
        tasks = (
            self.env["task.automation.task"]
            .sudo()
            .search(
                [("instance_id", "in", self.ids), ("state_id.code", "=", state.code), ("state", "=", "open")]
            )
        )
        tasks.filtered("rule_id.close_on_state_leave")._close("done", feedback=_("The workflow moved on."))
        return res
