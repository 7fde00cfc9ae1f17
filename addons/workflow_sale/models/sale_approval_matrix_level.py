from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class SaleApprovalMatrixLevel(models.Model):
    """One approval level of a band: its approvers decide after the previous level approved."""

    _name = "sale.approval.matrix.level"
    _description = "Order Approval Level"
    _order = "matrix_id, sequence, id"

    matrix_id = fields.Many2one("sale.approval.matrix", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True, help="Shown to users, e.g. Sales manager or Finance.")
    group_id = fields.Many2one(
        "res.groups", string="Approver Group", help="Every internal user of this group may approve."
    )
    user_ids = fields.Many2many("res.users", string="Approvers", domain=[("share", "=", False)])
    company_id = fields.Many2one(related="matrix_id.company_id", store=True, index=True)

    @api.constrains("group_id", "user_ids")
    def _check_approvers(self):
        for level in self:
            if not level.group_id and not level.user_ids:
                raise ValidationError(_("Level %s needs an approver group or approvers.", level.name))

    def _approver_pairs(self):
        """[(user, group or None), ...] of this level: named users first, then the group's users."""
        self.ensure_one()
        pairs, seen = [], set()
        for user in self.user_ids.filtered(lambda u: u.active and not u.share).sorted("id"):
            seen.add(user.id)
            pairs.append((user, None))
        if self.group_id:
            for user in self.group_id.users.filtered(lambda u: u.active and not u.share).sorted("id"):
                if user.id not in seen:
                    seen.add(user.id)
                    pairs.append((user, self.group_id))
        return pairs
