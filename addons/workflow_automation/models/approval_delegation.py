from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

MAX_CHAIN = 5


class ApprovalDelegation(models.Model):
    """Out-of-office rule: assignments of the delegator go to the delegate during a period."""

    _name = "approval.delegation"
    _description = "Approval Delegation Rule"
    _order = "date_from desc, id desc"
    _rec_name = "delegator_id"

    delegator_id = fields.Many2one(
        "res.users", required=True, default=lambda self: self.env.user, index=True, ondelete="cascade"
    )
    delegate_id = fields.Many2one("res.users", required=True, index=True, ondelete="cascade")
    date_from = fields.Date(required=True, default=fields.Date.context_today)
    date_to = fields.Date(required=True)
    workflow_ids = fields.Many2many(
        "workflow.definition", string="Only for Workflows", help="Empty: every workflow."
    )
    model_ids = fields.Many2many("ir.model", string="Only for Models", help="Empty: every model.")
    reason = fields.Char()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)

    _sql_constraints = [
        ("dates_ordered", "CHECK(date_from <= date_to)", "A delegation must end after it starts."),
        ("not_self", "CHECK(delegator_id != delegate_id)", "Nobody can delegate to themselves."),
    ]

    @api.constrains("delegator_id", "delegate_id", "date_from", "date_to", "active")
    def _check_no_cycle(self):
        for rule in self.filtered("active"):
            # follow the delegate's own rules overlapping this period: must never come back
            seen = {rule.delegator_id.id}
            current = rule.delegate_id
            for _i in range(MAX_CHAIN + 1):
                if current.id in seen:
                    raise ValidationError(
                        _(
                            "Delegating from %(a)s to %(b)s would create a cycle: %(b)s already delegates "
                            "(directly or through others) back to %(a)s in that period.",
                            a=rule.delegator_id.name,
                            b=rule.delegate_id.name,
                        )
                    )
                seen.add(current.id)
                nxt = self.sudo().search(
                    [
                        ("delegator_id", "=", current.id),
                        ("active", "=", True),
                        ("date_from", "<=", rule.date_to),
                        ("date_to", ">=", rule.date_from),
                        ("id", "!=", rule.id),
                    ],
                    limit=1,
                )
                if not nxt:
                    break
                current = nxt.delegate_id

    @api.model
    def _resolve(self, user, definition=None, model_name=None, day=None):
        """The user who decides instead of ``user`` today (following chains), or ``user``."""
        day = day or fields.Date.context_today(self)
        seen = {user.id}
        current = user
        for _i in range(MAX_CHAIN):
            rules = self.sudo().search(
                [
                    ("delegator_id", "=", current.id),
                    ("active", "=", True),
                    ("date_from", "<=", day),
                    ("date_to", ">=", day),
                ]
            )
            rule = rules.filtered(
                lambda r: (
                    (
                        not r.workflow_ids
                        or (definition and (definition.current_version_id or definition) in r.workflow_ids)
                    )
                    and (not r.model_ids or model_name in r.model_ids.mapped("model"))
                )
            )[:1]
            if not rule or rule.delegate_id.id in seen:
                break
            current = rule.delegate_id
            seen.add(current.id)
        return current
