from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, format_amount

from odoo.addons.workflow_automation.models.workflow_definition import MAX_APPROVAL_LEVELS


class SaleApprovalMatrix(models.Model):
    """A band of the order approval matrix: orders whose amount falls in it need its levels.

    A band covers ``amount_min <= amount < amount_max`` (``amount_max`` 0 means
    no upper limit), in the currency of the order's company.  A band may be
    limited to a company, a sales team and/or a customer category; the most
    specific band that matches an order wins.  A band without levels lets the
    order pass without approval.
    """

    _name = "sale.approval.matrix"
    _description = "Order Approval Band"
    _order = "company_id, team_id, partner_category_id, amount_min, sequence, id"

    name = fields.Char(compute="_compute_name", store=True, readonly=False, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10, help="Breaks ties between equally specific bands.")
    company_id = fields.Many2one(
        "res.company",
        index=True,
        default=lambda self: self.env.company,
        help="Empty: the band applies to every company.",
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    team_id = fields.Many2one("crm.team", string="Sales Team", help="Empty: every sales team.")
    partner_category_id = fields.Many2one(
        "res.partner.category", string="Customer Category", help="Empty: every customer."
    )
    amount_min = fields.Monetary(string="From Amount", required=True, default=0.0)
    amount_max = fields.Monetary(string="Up to Amount", default=0.0, help="Excluded; 0 means no upper limit.")
    level_ids = fields.One2many(
        "sale.approval.matrix.level", "matrix_id", string="Approval Levels", copy=True
    )
    level_count = fields.Integer(compute="_compute_level_summary")
    level_summary = fields.Char(compute="_compute_level_summary", string="Approvals")

    _sql_constraints = [
        ("amount_min_positive", "CHECK(amount_min >= 0)", "The lower bound of a band cannot be negative."),
        (
            "amount_range",
            "CHECK(amount_max = 0 OR amount_max > amount_min)",
            "The upper bound of a band must be above its lower bound (or 0 for no limit).",
        ),
    ]

    @api.depends("company_id")
    def _compute_currency_id(self):
        for band in self:
            band.currency_id = (band.company_id or self.env.company).currency_id

    @api.depends("amount_min", "amount_max", "team_id", "partner_category_id")
    def _compute_name(self):
        for band in self:
            currency = (band.company_id or self.env.company).currency_id
            low = format_amount(self.env, band.amount_min, currency)
            if band.amount_max:
                name = _(
                    "%(low)s to %(high)s", low=low, high=format_amount(self.env, band.amount_max, currency)
                )
            else:
                name = _("%s and above", low)
            scope = [s for s in (band.team_id.name, band.partner_category_id.name) if s]
            band.name = f"{name} ({', '.join(scope)})" if scope else name

    @api.depends("level_ids.name", "level_ids.sequence")
    def _compute_level_summary(self):
        for band in self:
            levels = band.level_ids.sorted(lambda lv: (lv.sequence, lv.id))
            band.level_count = len(levels)
            band.level_summary = " → ".join(levels.mapped("name")) if levels else _("Automatic approval")

    @api.constrains("level_ids")
    def _check_level_count(self):
        for band in self:
            if len(band.level_ids) > MAX_APPROVAL_LEVELS:
                raise ValidationError(
                    _(
                        "Band %(band)s has %(count)s approval levels; at most %(max)s are allowed.",
                        band=band.name,
                        count=len(band.level_ids),
                        max=MAX_APPROVAL_LEVELS,
                    )
                )

    @api.constrains("amount_min", "amount_max", "company_id", "team_id", "partner_category_id", "active")
    def _check_overlap(self):
        """Two active bands of the same scope may not cover the same amount."""
        for band in self.filtered("active"):
            others = self.search(
                [
                    ("id", "!=", band.id),
                    ("company_id", "=", band.company_id.id),
                    ("team_id", "=", band.team_id.id),
                    ("partner_category_id", "=", band.partner_category_id.id),
                ]
            )
            for other in others:
                below = other.amount_max and float_compare(other.amount_max, band.amount_min, 2) <= 0
                above = band.amount_max and float_compare(band.amount_max, other.amount_min, 2) <= 0
                if not (below or above):
                    raise ValidationError(
                        _(
                            "Bands %(a)s and %(b)s overlap: an order amount must fall in one band only.",
                            a=band.name,
                            b=other.name,
                        )
                    )

    # ------------------------------------------------------------------
    # matching
    # ------------------------------------------------------------------
    def _specificity(self):
        self.ensure_one()
        return (
            4 * bool(self.team_id) + 2 * bool(self.partner_category_id) + bool(self.company_id),
            -self.sequence,
            -self.id,
        )

    def _covers(self, amount, currency):
        self.ensure_one()
        if currency.compare_amounts(amount, self.amount_min) < 0:
            return False
        return not self.amount_max or currency.compare_amounts(amount, self.amount_max) < 0

    @api.model
    def _find_bands(self, orders, amounts):
        """The band of each order, as ``{order.id: band}`` (empty recordset when none matches).

        One search loads every band of the orders' companies; matching is in memory.
        """
        result = {order.id: self.browse() for order in orders}
        if not orders:
            return result
        bands = self.sudo().search([("company_id", "in", [False, *orders.company_id.ids])])
        for order in orders:
            amount = amounts[order.id]
            currency = order.company_id.currency_id
            categories = order.partner_id.category_id | order.partner_id.commercial_partner_id.category_id
            candidates = bands.filtered(
                lambda b, o=order, cats=categories, amt=amount, cur=currency: (
                    (not b.company_id or b.company_id == o.company_id)
                    and (not b.team_id or b.team_id == o.team_id)
                    and (not b.partner_category_id or b.partner_category_id in cats)
                    and b._covers(amt, cur)
                )
            )
            if candidates:
                result[order.id] = max(candidates, key=lambda b: b._specificity()).with_env(self.env)
        return result

    def _levels_text(self):
        self.ensure_one()
        levels = self.level_ids.sorted(lambda lv: (lv.sequence, lv.id))
        return ", ".join(f"{i}. {lv.name}" for i, lv in enumerate(levels, start=1))

    def action_open_levels(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }
