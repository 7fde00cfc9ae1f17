from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class WorkflowRequestCategory(models.Model):
    _name = "workflow.request.category"
    _description = "Request Category"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        index=True,
        help="Stable key that workflows test in their conditions (category_code), e.g. haccp_deviation.",
    )
    description = fields.Text(translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    request_count = fields.Integer(compute="_compute_request_count", string="Requests")

    _sql_constraints = [("code_unique", "UNIQUE(code)", "A request category code is unique.")]

    @api.constrains("code")
    def _check_code(self):
        for rec in self:
            if not rec.code.replace("_", "").isalnum() or rec.code != rec.code.lower():
                raise ValidationError(
                    _("The code %s may hold lower-case letters, digits and underscores only.", rec.code)
                )

    def _compute_request_count(self):
        counts = dict(
            self.env["workflow.request"]._read_group(
                [("category_id", "in", self.ids)], ["category_id"], ["__count"]
            )
        )
        for rec in self:
            rec.request_count = counts.get(rec, 0)

    @api.model
    def _ensure(self, code, name):
        """The category with this code, created when missing (a template's category); an
        existing one is left as the company set it."""
        category = self.with_context(active_test=False).search([("code", "=", code)], limit=1)
        return category or self.create({"code": code, "name": name})

    def action_view_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("workflow_templates.action_workflow_request")
        action["domain"] = [("category_id", "=", self.id)]
        action["context"] = {"default_category_id": self.id}
        return action
