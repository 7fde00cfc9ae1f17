from odoo import _, api, fields, models
from odoo.exceptions import UserError


class WorkflowRequest(models.Model):
    """A generic request for processes that have no document of their own in Odoo
    (deviation, complaint, change control, ...), as Odoo's Approvals app has. Its workflow
    (started by a template's trigger on its category) decides what happens to it."""

    _name = "workflow.request"
    _description = "Request"
    _inherit = ["mail.thread", "mail.activity.mixin", "workflow.mixin"]
    _order = "priority desc, date desc, id desc"
    # a document people file, not one of the suite's internals: a Workflow Manager's workflow may
    # change requests (workflow_automation's deny-list of models reserved to administrators)
    _workflow_business_document = True

    name = fields.Char(string="Subject", required=True, tracking=True)
    reference = fields.Char(readonly=True, copy=False, index=True, default=lambda self: _("New"))
    category_id = fields.Many2one(
        "workflow.request.category", required=True, tracking=True, index=True, ondelete="restrict"
    )
    category_code = fields.Char(related="category_id.code", store=True, index=True, string="Category Key")
    requester_id = fields.Many2one(
        "res.users",
        string="Requested By",
        required=True,
        default=lambda self: self.env.user,
        tracking=True,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        index=True,
        help="Who handles the request; tasks of its workflow go to them by default.",
    )
    partner_id = fields.Many2one("res.partner", tracking=True)
    product_id = fields.Many2one("product.product", tracking=True)
    lot_number = fields.Char(string="Lot / Batch", tracking=True, help="The lot or batch number concerned.")
    quantity = fields.Float(digits="Product Unit of Measure")
    uom_id = fields.Many2one("uom.uom", related="product_id.uom_id", string="Unit")
    amount = fields.Monetary(currency_field="currency_id", tracking=True)
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id
    )
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    deadline = fields.Date(tracking=True)
    priority = fields.Selection(
        [("0", "Normal"), ("1", "Important"), ("2", "Urgent"), ("3", "Critical")], default="0", index=True
    )
    description = fields.Html()
    result = fields.Text(string="Outcome", help="What was found, decided or done.")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    attachment_count = fields.Integer(compute="_compute_attachment_count", string="Attachments")
    is_my_approval = fields.Boolean(
        compute="_compute_is_my_approval", search="_search_is_my_approval", string="Waiting for My Decision"
    )
    color = fields.Integer()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("reference") or vals["reference"] == _("New"):
                vals["reference"] = self.env["ir.sequence"].next_by_code("workflow.request") or _("New")
        return super().create(vals_list)

    @api.depends("name", "reference")
    def _compute_display_name(self):
        for rec in self:
            rec.display_name = f"{rec.reference} {rec.name}" if rec.reference else rec.name

    def _compute_attachment_count(self):
        counts = dict(
            self.env["ir.attachment"]._read_group(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)], ["res_id"], ["__count"]
            )
        )
        for rec in self:
            rec.attachment_count = counts.get(rec.id, 0)

    def _approval_request_ids_for(self, user):
        """Requests (ids) on which ``user`` is an approver or a delegate (system lookup)."""
        assignments = (
            self.env["approval.assignment"]
            .sudo()
            .search(
                [
                    ("request_id.model_name", "=", self._name),
                    "|",
                    ("approver_id", "=", user.id),
                    ("delegated_to", "=", user.id),
                ]
            )
        )
        return assignments.mapped("request_id.record_id")

    def _compute_is_my_approval(self):
        mine = set(self._approval_request_ids_for(self.env.user))
        for rec in self:
            rec.is_my_approval = rec.id in mine

    def _search_is_my_approval(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(_("Unsupported search on Waiting for My Decision."))
        ids = self._approval_request_ids_for(self.env.user)
        positive = (operator == "=") == bool(value)
        return [("id", "in" if positive else "not in", ids)]

    def action_view_attachments(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Attachments"),
            "res_model": "ir.attachment",
            "view_mode": "kanban,tree,form",
            "domain": [("res_model", "=", self._name), ("res_id", "=", self.id)],
            "context": {"default_res_model": self._name, "default_res_id": self.id},
        }
