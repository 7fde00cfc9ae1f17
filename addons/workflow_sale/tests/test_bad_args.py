"""Sales public methods called with wrongly typed ids get a sentence, not a traceback."""

from odoo.api import call_kw
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSaleBadArguments(TransactionCase):
    def test_ids_as_strings_or_booleans(self):
        salesman = new_test_user(self.env, login="sale_bad_args", groups="sales_team.group_sale_salesman")
        cases = [
            (
                "sale.order",
                "action_request_approval",
                [["12"]],
                "action_request_approval: the quotations must hold",
            ),
            ("sale.order", "action_request_approval", [[True]], "True is not one"),
            (
                "price.change.request",
                "action_cancel_request",
                [["1"]],
                "action_cancel_request: the price change",
            ),
            ("workflow.instance", "action_cancel", [[-4]], "action_cancel: the workflow instances must hold"),
        ]
        for model, method, args, expected in cases:
            with self.subTest(method=method, args=args), self.assertRaisesRegex(ValidationError, expected):
                call_kw(self.env[model].with_user(salesman), method, args, {})
