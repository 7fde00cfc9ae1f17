"""What people read on the alert screens: stock against the reorder point, Replenish,
what "Check now" found, delivery errors in words, dialog titles."""

from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import AlertCase
from .servers import HTTPGateway, SMTPSink, free_port


@tagged("post_install", "-at_install")
class TestAlertCards(AlertCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the warehouse lead: runs the rules (workflow manager) and replenishes (inventory user)
        cls.lead = new_test_user(
            cls.env,
            "alerts_display_lead",
            groups="workflow_automation.group_workflow_manager,stock.group_stock_user",
        )
        # an office colleague who reads alerts but has no inventory rights
        cls.clerk = new_test_user(cls.env, "alerts_display_clerk", groups="base.group_user")
        cls.milk = cls.make_product_cls("Fresh milk 1L", 4)
        cls.butter = cls.make_product_cls("Butter 250g", 2)
        cls.yogurt = cls.make_product_cls("Yogurt 500g", 30)
        for product, min_qty in ((cls.milk, 10), (cls.butter, 5), (cls.yogurt, 12)):
            cls.env["stock.warehouse.orderpoint"].create(
                {
                    "product_id": product.id,
                    "location_id": cls.stock.id,
                    "warehouse_id": cls.warehouse.id,
                    "product_min_qty": min_qty,
                    "product_max_qty": min_qty * 2,
                }
            )

    @classmethod
    def make_product_cls(cls, name, qty):
        product = cls.env["product.product"].create(
            {"name": name, "type": "product", "categ_id": cls.category.id}
        )
        cls.env["stock.quant"]._update_available_quantity(product, cls.stock, qty)
        return product

    def reorder_rule(self):
        return self.inventory_rule(check_type="reorder_point")

    def test_card_shows_quantity_against_reorder_point_with_units_and_warehouse(self):
        rule = self.reorder_rule()
        rule.with_user(self.lead).action_check_now()
        alert = self.open_alerts(rule).filtered(lambda a: a.record_id == self.milk.id).with_user(self.clerk)
        self.assertEqual(alert.product_id, self.milk)
        self.assertEqual((alert.qty_on_hand, alert.reorder_min_qty), (4.0, 10.0))
        self.assertEqual(alert.product_uom_id, self.env.ref("uom.product_uom_unit"))
        self.assertEqual(alert.warehouse_id, self.warehouse)
        self.assertEqual(alert.stock_text, "4 Units on hand, reorder point 10 Units")
        kanban = self.Alert.with_user(self.clerk).get_views([(False, "kanban")])["views"]["kanban"]["arch"]
        self.assertIn('name="stock_text"', kanban)
        self.assertNotIn(
            "action_replenish", kanban, "no Replenish button for a user without inventory rights"
        )
        kanban = self.Alert.with_user(self.lead).get_views([(False, "kanban")])["views"]["kanban"]["arch"]
        self.assertIn('name="action_replenish"', kanban)

    def test_alert_not_about_a_product_has_no_stock_figures(self):
        rule = self.Rule.create(
            {
                "name": "Late churning",
                "code": "display_sla",
                "alert_type": "sla",
                "description": "Churning late",
                "user_ids": [(6, 0, self.manager.ids)],
            }
        )
        alert = self.Rule.raise_alert(rule)
        self.assertFalse(alert.product_id or alert.stock_text or alert.warehouse_id)
        with self.assertRaisesRegex(Exception, "not about a product"):
            alert.with_user(self.lead).action_replenish()

    def test_replenish_opens_odoos_replenishment_for_the_missing_quantity(self):
        rule = self.reorder_rule()
        rule._evaluate()
        alert = self.open_alerts(rule).filtered(lambda a: a.record_id == self.milk.id)
        action = alert.with_user(self.lead).action_replenish()
        self.assertEqual((action["res_model"], action["target"]), ("product.replenish", "new"))
        self.assertEqual(action["name"], "Replenish Fresh milk 1L")
        self.assertEqual(action["context"]["default_product_id"], self.milk.id)
        self.assertEqual(action["context"]["default_quantity"], 6.0, "up to the reorder point of 10")
        self.assertEqual(action["context"]["default_warehouse_id"], self.warehouse.id)
        # the wizard opens with those values for the lead
        wizard = self.env["product.replenish"].with_user(self.lead).with_context(**action["context"])
        values = wizard.default_get(["product_id", "quantity", "warehouse_id", "product_uom_id"])
        self.assertEqual(values["product_id"], self.milk.id)
        self.assertEqual(values["quantity"], 6.0)
        self.assertEqual(values["warehouse_id"], self.warehouse.id)
        # a colleague without inventory rights is refused
        with self.assertRaises(AccessError):
            alert.with_user(self.clerk).action_replenish()

    def test_check_now_says_what_it_found(self):
        rule = self.reorder_rule()
        result = rule.with_user(self.lead).action_check_now()
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(result["params"]["title"], "Check done: Low stock")
        self.assertEqual(
            result["params"]["message"], "2 product(s) below their reorder point, 2 new alert(s), 0 resolved."
        )
        # milk is restocked, yogurt runs low: one resolved, one new, butter still open (no new alert)
        self.env["stock.quant"]._update_available_quantity(self.milk, self.stock, 20)
        self.env["stock.quant"]._update_available_quantity(self.yogurt, self.stock, -25)
        result = rule.with_user(self.lead).action_check_now()
        self.assertEqual(
            result["params"]["message"], "2 product(s) below their reorder point, 1 new alert(s), 1 resolved."
        )

    def test_check_now_is_for_workflow_managers(self):
        rule = self.reorder_rule()
        with self.assertRaises(AccessError):
            rule.with_user(self.clerk).action_check_now()
        self.assertFalse(self.open_alerts(rule))

    def test_resolve_dialog_has_a_real_title(self):
        rule = self.reorder_rule()
        rule._evaluate()
        alerts = self.open_alerts(rule)
        milk = alerts.filtered(lambda a: a.record_id == self.milk.id)
        self.assertEqual(milk.action_open_resolve_wizard()["name"], "Resolve alert: Low stock: Fresh milk 1L")
        self.assertEqual(alerts.action_open_resolve_wizard()["name"], "Resolve 2 alerts")


@tagged("post_install", "-at_install")
class TestDeliveryErrorsInWords(AlertCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gateway = HTTPGateway(18420).start()
        cls.addClassCleanup(cls.gateway.stop)
        cls.sink = SMTPSink(2560).start()
        cls.addClassCleanup(cls.sink.stop)
        cls.env["ir.mail_server"].search([]).active = False
        cls.env["ir.mail_server"].create(
            {
                "name": "display sink",
                "smtp_host": "127.0.0.1",
                "smtp_port": cls.sink.port,
                "smtp_encryption": "none",
            }
        )
        cls.env["ir.config_parameter"].sudo().set_param("workflow_alerts.email_from", "alerts@dairy.example")
        # the outgoing-HTTP guard reaches a loopback gateway only through its host:port entry
        cls.env["ir.config_parameter"].sudo().set_param(
            "workflow_alerts.gateway_allowed_hosts", "127.0.0.1:%s" % cls.gateway.port
        )
        cls.sms = cls.env["alert.gateway"].create(
            {"name": "Local SMS", "channel": "sms", "url": cls.gateway.url, "timeout": 5}
        )
        cls.workflow_manager = new_test_user(
            cls.env, "alerts_display_wfm", groups="workflow_automation.group_workflow_manager"
        )

    def setUp(self):
        super().setUp()
        self.gateway.requests.clear()
        self.gateway.script.clear()
        self.sink.refuse = False

    def send(self, **channels):
        vals = {"channel_email": False, "channel_in_app": False, "channel_sms": False, "channel_push": False}
        vals.update(channels)
        rule = self.Rule.create(
            {
                "name": "Errors in words",
                "code": "display_errors_%s" % len(self.Rule.search([]).ids),
                "alert_type": "sla",
                "description": "Churning failed",
                "user_ids": [(6, 0, self.manager.ids)],
                **vals,
            }
        )
        note = self.Rule.raise_alert(rule).notification_ids
        self.env["workflow.job"].run_job("alert.notification", "_job_deliver")
        return note

    def test_http_statuses_in_words_raw_detail_kept(self):
        cases = [
            (401, "The SMS gateway refused our credentials (HTTP 401): check the gateway's token."),
            (404, "The SMS gateway's address was not found (HTTP 404): check its URL."),
            (429, "The SMS gateway is limiting how many messages we send; it will be sent again later."),
            (503, "The SMS gateway had a problem of its own (HTTP 503); the message will be sent again."),
        ]
        for status, sentence in cases:
            with self.subTest(status=status):
                self.gateway.default = (status, {"error": "raw gateway detail"})
                note = self.send(channel_sms=True)
                self.assertEqual(note.error_summary, sentence)
                self.assertIn(
                    "raw gateway detail", note.error_message, "the raw answer stays for administrators"
                )

    def test_unreachable_gateway_and_missing_address(self):
        port = free_port(18460)
        self.env["ir.config_parameter"].sudo().set_param(
            "workflow_alerts.gateway_allowed_hosts", "127.0.0.1:%s, 127.0.0.1:%s" % (self.gateway.port, port)
        )
        self.sms.url = "http://127.0.0.1:%s/send" % port
        note = self.send(channel_sms=True)
        self.assertEqual(
            note.error_summary,
            "The SMS gateway could not be reached (network or address problem); the message will be sent again.",
        )
        self.manager.partner_id.mobile = False
        self.manager.partner_id.phone = False
        note = self.send(channel_sms=True)
        self.assertEqual(note.error_summary, "The recipient has no address for SMS: add it on their contact.")

    def test_smtp_refusal_in_words(self):
        self.sink.refuse = True
        with (
            mute_logger("odoo.addons.mail.models.mail_mail"),
            patch.object(type(self.env["ir.mail_server"]), "_is_test_mode", lambda self: False),
        ):
            # the delivery run sends the email itself
            note = self.send(channel_email=True)
        self.assertEqual(note.status, "retry")
        self.assertTrue(note.error_code.startswith("smtp:"))
        self.assertNotIn("550", note.error_summary)
        self.assertIn("550", note.error_message)

    def test_technical_details_for_administrators_only(self):
        form = self.Notification.with_user(self.workflow_manager).get_views(
            [(False, "form"), (False, "list")]
        )
        for view_type in ("form", "list"):
            arch = form["views"][view_type]["arch"]
            self.assertIn('name="error_summary"', arch)
            self.assertNotIn('name="error_message"', arch, view_type)
            self.assertNotIn('name="idempotency_key"', arch, view_type)
        admin_form = self.Notification.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="error_message"', admin_form)


@tagged("post_install", "-at_install")
class TestSilenceByRecord(AlertCase):
    def test_silence_picks_the_record_by_name(self):
        milk = self.make_product("Silenced milk", 1)
        rule = self.inventory_rule()
        silence = self.env["alert.silence"].create(
            {
                "name": "Stock take",
                "record_ref": "product.product,%s" % milk.id,
                "date_end": "2099-01-01 00:00:00",
            }
        )
        self.assertEqual((silence.model_name, silence.record_id), ("product.product", milk.id))
        self.assertEqual(silence.record_ref, milk)
        self.assertIn(
            ("product.product", "Product Variant"), self.env["alert.silence"]._selection_record_model()
        )
        rule._evaluate()
        self.assertFalse(
            self.open_alerts(rule).filtered(lambda a: a.record_id == milk.id), "the record is muted"
        )
        arch = self.env["alert.silence"].get_views([(False, "list")])["views"]["list"]["arch"]
        self.assertIn('name="record_ref"', arch)
        self.assertNotIn('name="model_name"', arch)
