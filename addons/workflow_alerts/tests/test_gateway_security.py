from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import AlertCase

PARAM = "workflow_alerts.gateway_allowed_hosts"


@tagged("post_install", "-at_install")
class TestGatewaySecurity(AlertCase):
    """A gateway's URL and token are an administrator's: where alerts go and the secret sent there."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(PARAM, "127.0.0.1:18999, sms.example.com")
        cls.alert_manager = new_test_user(
            cls.env,
            login="alerts.manager",
            groups="base.group_user,stock.group_stock_user,workflow_automation.group_workflow_manager",
            name="Mona Alert Manager",
        )
        cls.admin = cls.env.ref("base.user_admin")
        cls.gateway = cls.env["alert.gateway"].create(
            {"name": "SMS", "channel": "sms", "url": "https://sms.example.com/send", "token": "tok-1"}
        )

    def test_alert_manager_cannot_change_url_or_token(self):
        self.assertFalse(self.alert_manager.has_group("base.group_system"))
        as_manager = self.gateway.with_user(self.alert_manager)
        self.assertEqual(as_manager.url, "https://sms.example.com/send", "the manager sees the URL")
        with self.assertRaises(AccessError):
            as_manager.write({"url": "http://127.0.0.1:18999/steal"})
        with self.assertRaises(AccessError):
            as_manager.write({"token": "mine"})
        with self.assertRaises(AccessError):
            as_manager.read(["token"])
        with self.assertRaises(AccessError):
            self.env["alert.gateway"].with_user(self.alert_manager).create(
                {"name": "Mine", "channel": "push", "url": "http://127.0.0.1:18999/steal"}
            )
        self.assertEqual(self.gateway.url, "https://sms.example.com/send")
        self.assertEqual(self.gateway.token, "tok-1")
        # the rest of the gateway stays theirs
        as_manager.write({"timeout": 20, "name": "SMS (primary)"})
        self.assertEqual(self.gateway.timeout, 20)

    def test_new_url_clears_the_token(self):
        as_admin = self.gateway.with_user(self.admin)
        as_admin.write({"name": "same URL", "url": "https://sms.example.com/send"})
        self.assertEqual(self.gateway.token, "tok-1", "an unchanged URL keeps its token")
        as_admin.write({"url": "https://sms.example.com/v2/send"})
        self.assertFalse(self.gateway.token, "the old token is not sent to a new URL")
        as_admin.write({"url": "http://127.0.0.1:18999/send", "token": "tok-2"})
        self.assertEqual(self.gateway.token, "tok-2", "a new token given with the new URL is kept")

    def test_url_checked_by_the_guard_when_saved(self):
        as_admin = self.gateway.with_user(self.admin)
        for url, message in (
            ("http://127.0.0.1:18998/send", "127.0.0.1 in the SMS gateway URL .* is a loopback address"),
            ("http://127.0.0.1:18999\\@sms.example.com/", "backslash"),
            ("http://sms.example.com@127.0.0.1:18999/", "before '@'"),
            ("http://sms.example.com/send", r"not encrypted \(http\)"),
            ("https://2130706433/", "unusual spelling"),
            ("https://elsewhere.example.com/", "host elsewhere.example.com is not allowed"),
        ):
            with self.subTest(url=url), self.assertRaisesRegex(ValidationError, message):
                as_admin.write({"url": url})
        self.assertEqual(self.gateway.url, "https://sms.example.com/send")
        self.assertEqual(self.gateway.token, "tok-1")
