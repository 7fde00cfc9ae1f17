from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestApproverJourneyTour(HttpCase):
    """Journey 1 in a real browser: a salesman's 60,000 quotation, approved by a sales manager and
    then by a finance approver who has no Sales rights at all, each deciding on the order's form."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        company.write({"sale_approval_threshold": 10000.0, "sale_approval_auto_confirm": True})
        # the password is the login, as start_tour expects
        cls.salesman = new_test_user(
            cls.env,
            login="so_tour_salesman",
            groups="sales_team.group_sale_salesman",
            name="Sam Tour-Salesman",
        )
        cls.manager = new_test_user(
            cls.env, login="so_tour_manager", groups="sales_team.group_sale_manager", name="Mia Tour-Manager"
        )
        cls.finance = new_test_user(
            cls.env, login="so_tour_finance", groups="base.group_user", name="Fay Tour-Finance"
        )
        managers = cls.env["res.groups"].create(
            {"name": "Tour sales managers", "users": [Command.set(cls.manager.ids)]}
        )
        cls.env["sale.approval.matrix"].search([]).write({"active": False})
        cls.env["sale.approval.matrix"].create(
            {
                "company_id": company.id,
                "amount_min": 50000,
                "amount_max": 0,
                "level_ids": [
                    Command.create({"sequence": 1, "name": "Sales manager", "group_id": managers.id}),
                    Command.create(
                        {"sequence": 2, "name": "Finance", "user_ids": [Command.set(cls.finance.ids)]}
                    ),
                ],
            }
        )
        cls.customer = cls.env["res.partner"].create({"name": "Tour Dairy Shop"})
        cls.env["product.product"].create(
            {
                "name": "Tour milk tanker, monthly contract",
                "list_price": 60000.0,
                "taxes_id": [Command.clear()],
            }
        )

    def test_quotation_approved_at_two_levels_on_the_order(self):
        self.start_tour(
            "/web#action=sale.action_quotations_with_onboarding&view_type=form",
            "workflow_sale_journey_salesman",
            login="so_tour_salesman",
        )
        order = self.env["sale.order"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.approval_state, "pending")
        self.assertEqual(order.user_id, self.salesman)
        self.assertEqual(order.amount_untaxed, 60000)
        self.assertFalse(
            self.env["sale.order"]
            .with_user(self.finance)
            .check_access_rights("write", raise_exception=False),
            "the finance approver gains no write access to orders",
        )

        self.start_tour("/web", "workflow_sale_journey_manager", login="so_tour_manager")
        order.invalidate_recordset()
        self.assertEqual(order.approval_state, "pending")

        self.start_tour("/web", "workflow_sale_journey_finance", login="so_tour_finance")
        order.invalidate_recordset()
        self.assertEqual(order.approval_state, "approved")
        self.assertEqual(order.state, "sale", "the last approval confirms the order")
        text = "\n".join(order.message_ids.mapped("body"))
        self.assertIn("Requested approval — now waiting for Mia Tour-Manager (level 1 of 2).", text)
        self.assertIn("Approved by Mia Tour-Manager (level 1 of 2)", text)
        self.assertIn("Approved by Fay Tour-Finance (level 2 of 2)", text)
        for engine_words in ("started in state", "To-Do done", "→"):
            self.assertNotIn(engine_words, text)
