from lxml import etree

from odoo import Command
from odoo.tests import TransactionCase, new_test_user

SUBVIEWS = ("tree", "list", "form", "kanban")


def arch_spec(model, node):
    """The web_read specification the web client builds from a view's architecture: the fields of
    the nodes it shows (after Odoo took out those of groups the user is not in), with the fields of
    x2many sub-views for the lines, display names for relations."""
    spec = {}
    for field_node in node.iter("field"):
        parent = field_node.getparent()
        while parent is not node and parent.tag != "field":
            parent = parent.getparent()
        if parent is not node:
            continue  # a field of a sub-view, read by its x2many
        name = field_node.get("name")
        field = model._fields[name]
        if field.type in ("one2many", "many2many"):
            sub = {}
            for child in field_node:
                if child.tag in SUBVIEWS:
                    sub.update(arch_spec(model.env[field.comodel_name], child))
            spec[name] = {"fields": sub or {"display_name": {}}}
        elif field.type == "many2one":
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


def web_form_read(record, user):
    """Open ``record``'s form as ``user`` does in the browser: get_views, then web_read of every
    field the form shows him. Returns the values read."""
    Model = record.env[record._name].with_user(user)
    arch = Model.get_views([(False, "form")])["views"]["form"]["arch"]
    return Model.browse(record.id).web_read(arch_spec(Model, etree.fromstring(arch)))[0]


class SaleApprovalCase(TransactionCase):
    """The dairy distributor's matrix, built through the models as a sales manager would."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True))
        cls.company = cls.env.company
        cls.company.write(
            {
                "sale_approval_threshold": 10000.0,
                "sale_approval_auto_confirm": True,
                "price_change_approval": True,
                "price_change_threshold": 10.0,
            }
        )
        cls.salesman = new_test_user(
            cls.env, login="so_salesman", groups="sales_team.group_sale_salesman", name="Sam Salesman"
        )
        cls.sales_manager = new_test_user(
            cls.env, login="so_manager", groups="sales_team.group_sale_manager", name="Sofia Sales Manager"
        )
        cls.finance = new_test_user(
            cls.env, login="so_finance", groups="base.group_user", name="Frank Finance"
        )
        cls.gm = new_test_user(cls.env, login="so_gm", groups="base.group_user", name="Gina General Manager")
        cls.manager_group = cls.env["res.groups"].create(
            {"name": "Dairy sales managers", "users": [Command.set(cls.sales_manager.ids)]}
        )
        cls.env["sale.approval.matrix"].search([]).write({"active": False})
        Matrix = cls.env["sale.approval.matrix"]
        manager_level = {"sequence": 1, "name": "Sales manager", "group_id": cls.manager_group.id}
        finance_level = {"sequence": 2, "name": "Finance", "user_ids": [Command.set(cls.finance.ids)]}
        gm_level = {"sequence": 3, "name": "General manager", "user_ids": [Command.set(cls.gm.ids)]}
        cls.band_auto = Matrix.create({"company_id": cls.company.id, "amount_min": 0, "amount_max": 10000})
        cls.band_manager = Matrix.create(
            {
                "company_id": cls.company.id,
                "amount_min": 10000,
                "amount_max": 50000,
                "level_ids": [Command.create(manager_level)],
            }
        )
        cls.band_finance = Matrix.create(
            {
                "company_id": cls.company.id,
                "amount_min": 50000,
                "amount_max": 200000,
                "level_ids": [Command.create(manager_level), Command.create(finance_level)],
            }
        )
        cls.band_gm = Matrix.create(
            {
                "company_id": cls.company.id,
                "amount_min": 200000,
                "amount_max": 0,
                "level_ids": [
                    Command.create(manager_level),
                    Command.create(finance_level),
                    Command.create(gm_level),
                ],
            }
        )
        cls.dairy = cls.env["res.partner.category"].create({"name": "Dairy retail (test)"})
        cls.customer = cls.env["res.partner"].create(
            {"name": "Green Valley Dairy Shop", "category_id": [Command.set(cls.dairy.ids)]}
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Whole milk 1L (crate of 12)", "list_price": 10.0, "taxes_id": [Command.clear()]}
        )

    def make_order(self, amount, user=None, partner=None):
        """A quotation of ``amount`` (no tax) created by ``user`` (the salesman by default)."""
        user = user or self.salesman
        return (
            self.env["sale.order"]
            .with_user(user)
            .create(
                {
                    "partner_id": (partner or self.customer).id,
                    "user_id": user.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "product_uom_qty": 1,
                                "price_unit": amount,
                                "tax_id": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )

    def request_of(self, order):
        return self.env["approval.request"].search(
            [("model_name", "=", "sale.order"), ("record_id", "=", order.id), ("status", "=", "pending")]
        )
