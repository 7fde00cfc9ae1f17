from xmlrpc.client import Fault

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSaleApprovalXmlRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write({"sale_approval_threshold": 10000.0, "sale_approval_auto_confirm": True})
        cls.salesman = new_test_user(
            cls.env, login="rpc_salesman", password="rpc_salesman_pw", groups="sales_team.group_sale_salesman"
        )
        cls.approver = new_test_user(
            cls.env, login="rpc_approver", password="rpc_approver_pw", groups="sales_team.group_sale_manager"
        )
        cls.env["sale.approval.matrix"].search([]).write({"active": False})
        cls.env["sale.approval.matrix"].create(
            {
                "company_id": cls.env.company.id,
                "amount_min": 10000,
                "level_ids": [
                    Command.create({"name": "Sales manager", "user_ids": [Command.set(cls.approver.ids)]})
                ],
            }
        )
        partner = cls.env["res.partner"].create({"name": "Hillside Dairy Shop"})
        product = cls.env["product.product"].create({"name": "Butter 250g", "taxes_id": [Command.clear()]})
        cls.order = (
            cls.env["sale.order"]
            .with_user(cls.salesman)
            .create(
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create(
                            {"product_id": product.id, "price_unit": 25000, "tax_id": [Command.clear()]}
                        )
                    ],
                }
            )
        )

    def call(self, login, model, method, *args, **kwargs):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, f"{login}_pw", {})
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, uid, f"{login}_pw", model, method, list(args), kwargs
        )

    def test_salesman_cannot_approve_own_order(self):
        with self.assertRaisesRegex(Fault, "cannot be confirmed"):
            self.call("rpc_salesman", "sale.order", "action_confirm", [self.order.id])
        self.call("rpc_salesman", "sale.order", "action_request_approval", [self.order.id])
        request = self.env["approval.request"].search(
            [("model_name", "=", "sale.order"), ("record_id", "=", self.order.id)]
        )
        with self.assertRaises(Fault) as caught:
            self.call("rpc_salesman", "approval.request", "approve", request.ids, comment="my own")
        self.assertEqual(caught.exception.faultCode, 4, "an AccessError")
        with self.assertRaises(Fault) as caught:
            self.call("rpc_salesman", "sale.order", "write", [self.order.id], {"approval_state": "approved"})
        self.assertEqual(caught.exception.faultCode, 4, "an AccessError")
        self.assertEqual(self.order.approval_state, "pending")
        pending = self.call("rpc_approver", "approval.request", "list_my_pending")
        self.assertEqual([p["id"] for p in pending], request.ids)
        self.call("rpc_approver", "approval.request", "approve", request.ids, comment="ok")
        self.assertEqual(self.order.state, "sale")
