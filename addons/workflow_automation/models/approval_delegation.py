from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

MAX_CHAIN = 5
MANAGER_GROUP = "workflow_automation.group_workflow_manager"


class ApprovalDelegation(models.Model):
    """Out-of-office rule: assignments of the delegator go to the delegate during a period.

    A rule is the delegator's decision: users create and change their own rules
    only (record rules and the checks of create/write), workflow managers
    create them for anyone.
    """

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

    # ------------------------------------------------------------------
    # who may create or change a rule
    # ------------------------------------------------------------------
    def _check_delegator_is_me(self, delegator_ids):
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        others = self.env["res.users"].browse(delegator_ids) - self.env.user
        if others:
            raise AccessError(
                _(
                    "Only %(user)s or a workflow manager may decide who approves in their place.",
                    user=others[0].sudo().name,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_delegator_is_me([vals.get("delegator_id") or self.env.uid for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        if "delegator_id" in vals:
            self._check_delegator_is_me([vals["delegator_id"], *self.delegator_id.ids])
        return super().write(vals)

    # ------------------------------------------------------------------
    # who may be a delegate
    # ------------------------------------------------------------------
    @api.model
    def _delegate_refusal(self, user, company=None):
        """Why ``user`` cannot decide approvals in someone's place (in ``company``), or None."""
        user = user.sudo().with_context(active_test=False)
        if user.id == SUPERUSER_ID or user._is_superuser():
            return _("%s is the system user and cannot decide approvals.", user.name)
        if not user.active:
            return _("%s is archived and cannot decide approvals.", user.name)
        if user.share:
            return _(
                "%s is a portal or public user; approvals can only be delegated to an internal user.",
                user.name,
            )
        if company and company not in user.company_ids:
            return _(
                "%(user)s is not allowed in the company %(company)s and cannot decide its approvals.",
                user=user.name,
                company=company.name,
            )
        return None

    @api.constrains("delegator_id", "delegate_id", "company_id", "active")
    def _check_delegate(self):
        for rule in self.filtered("active"):
            refusal = self._delegate_refusal(rule.delegate_id, rule.company_id)
            if refusal:
                raise ValidationError(refusal)
            if rule.delegator_id.share:
                raise ValidationError(
                    _("%s is not an internal user and has no approvals to delegate.", rule.delegator_id.name)
                )

    @api.constrains("delegator_id", "delegate_id", "date_from", "date_to", "active")
    def _check_no_cycle(self):
        """No chain of rules overlapping in time may lead back to the delegator, however long."""
        for rule in self.filtered("active"):
            reached, frontier = rule.delegate_id, rule.delegate_id
            while frontier:
                if rule.delegator_id in frontier:
                    raise ValidationError(
                        _(
                            "Delegating from %(a)s to %(b)s would create a cycle: %(b)s already delegates "
                            "(directly or through others) back to %(a)s in that period.",
                            a=rule.delegator_id.name,
                            b=rule.delegate_id.name,
                        )
                    )
                following = self.sudo().search(
                    [
                        ("delegator_id", "in", frontier.ids),
                        ("active", "=", True),
                        ("date_from", "<=", rule.date_to),
                        ("date_to", ">=", rule.date_from),
                        ("id", "!=", rule.id),
                    ]
                )
                frontier = following.delegate_id - reached
                reached |= frontier

    # ------------------------------------------------------------------
    # applying the rules
    # ------------------------------------------------------------------
    @api.model
    def _chain(self, user, definition=None, model_name=None, day=None):
        """The users the rules in force hand ``user``'s approvals to, one after the other."""
        day = day or fields.Date.context_today(self)
        chain, current = self.env["res.users"], user
        while True:
            current = self._resolve(current, definition, model_name, day, max_steps=1)
            if current == user or current in chain:
                return chain
            chain |= current

    @api.model
    def _resolve(
        self,
        user,
        definition=None,
        model_name=None,
        day=None,
        company=None,
        excluded=None,
        max_steps=MAX_CHAIN,
    ):
        """The user who decides instead of ``user`` today (following chains), or ``user``.

        The chain stops before a delegate who may not decide (archived, portal,
        system user, not allowed in ``company``) or who is in ``excluded``
        (e.g. the approvers of the other levels of the same request).
        """
        day = day or fields.Date.context_today(self)
        excluded = excluded or self.env["res.users"]
        seen = {user.id}
        current = user
        for _i in range(max_steps):
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
            if (
                not rule
                or rule.delegate_id.id in seen
                or rule.delegate_id in excluded
                or self._delegate_refusal(rule.delegate_id, company)
            ):
                break
            current = rule.delegate_id
            seen.add(current.id)
        return current
