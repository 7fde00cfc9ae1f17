from odoo import fields, models


class ApprovalRejectionReason(models.Model):
    _name = "approval.rejection.reason"
    _description = "Rejection Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    require_comment = fields.Boolean(help="A comment must explain a rejection with this reason.")
