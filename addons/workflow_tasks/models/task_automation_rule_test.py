from odoo import api, fields, models


class TaskAutomationRuleTest(models.TransientModel):
    """Who would get the task for a chosen record and when it would be due; nothing is created."""

    _name = "task.automation.rule.test"
    _description = "Test a Task Rule"

    rule_id = fields.Many2one("task.automation.rule", required=True, ondelete="cascade")
    record_ref = fields.Reference(selection="_selection_record_model", string="Record")
    matches = fields.Boolean(compute="_compute_result", string="Record Matches the Rule")
    already_open = fields.Boolean(compute="_compute_result", string="A Task Is Already Open")
    user_name = fields.Char(compute="_compute_result", string="Would Be Assigned To")
    deadline_at = fields.Datetime(compute="_compute_result", string="Would Be Due")
    title = fields.Char(compute="_compute_result")
    description = fields.Text(compute="_compute_result")

    @api.model
    def _selection_record_model(self):
        return self.env["task.automation.rule"]._selection_sample_model()

    @api.depends("rule_id", "record_ref")
    def _compute_result(self):
        for wiz in self:
            wiz.update(
                {"matches": False, "already_open": False, "user_name": False, "deadline_at": False, "title": False,
                 "description": False}
            )  # fmt: skip
            if not wiz.rule_id or not wiz.record_ref or wiz.record_ref._name != wiz.rule_id.model_name:
                continue
            res = wiz.rule_id.action_test(wiz.record_ref.id)
            wiz.update(
                {
                    "matches": res["matches"],
                    "already_open": res["already_open"],
                    "user_name": res["user_name"],
                    "deadline_at": res["deadline_at"],
                    "title": res["title"],
                    "description": res["description"],
                }
            )
