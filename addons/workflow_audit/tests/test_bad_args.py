"""verify() over RPC: wrongly typed arguments get a sentence, not a database error."""

from odoo.api import call_kw
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestVerifyArguments(TransactionCase):
    def test_bad_dates_and_limits(self):
        auditor = new_test_user(
            self.env, login="audit_bad_args", groups="base.group_user,workflow_audit.group_audit_auditor"
        )
        Chain = self.env["audit.chain"].with_user(auditor)
        for kwargs, expected in [
            ({"date_from": "last monday"}, "verify: date_from must be a date such as 2024-01-31"),
            ({"date_to": 20240131}, "verify: date_to must be a date"),
            ({"limit": -1}, "verify: limit must be a whole number between 1 and 10000, not -1"),
            ({"limit": "20"}, "verify: limit must be a whole number"),
        ]:
            with self.subTest(kwargs=kwargs), self.assertRaisesRegex(ValidationError, expected):
                call_kw(Chain, "verify", [], kwargs)
        self.assertIn("ok", call_kw(Chain, "verify", [], {"date_from": "2024-01-01", "limit": 5}))
