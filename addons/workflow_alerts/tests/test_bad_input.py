"""raise_alert by id respects companies; alert rule conditions and arguments are checked."""

from xmlrpc.client import Fault

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestRaiseAlertByIdOverXmlRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Southern Dairy (alerts)"})
        managers = "base.group_user,base.group_partner_manager,workflow_automation.group_workflow_manager"
        cls.manager_b = new_test_user(
            cls.env,
            login="alert_mgr_b",
            password="alert_mgr_b_pw",
            groups=managers,
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
            name="Bilal B",
        )
        cls.rule_a = cls.env["alert.rule"].create(
            {"name": "Cold room A", "code": "cold_room", "alert_type": "sla", "company_id": cls.company_a.id}
        )
        cls.rule_b = cls.env["alert.rule"].create(
            {"name": "Cold room B", "code": "cold_room", "alert_type": "sla", "company_id": cls.company_b.id}
        )
        cls.partner_a = cls.env["res.partner"].create({"name": "North shop", "company_id": cls.company_a.id})
        cls.partner_b = cls.env["res.partner"].create({"name": "South shop", "company_id": cls.company_b.id})

    def call(self, login, model, method, *args, **kwargs):
        uids = self.__dict__.setdefault("_uids", {})
        if login not in uids:
            uids[login] = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, f"{login}_pw", {})
        uid = uids[login]
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, uid, f"{login}_pw", model, method, list(args), kwargs
        )

    def assertFault(self, sentence, *args, **kwargs):
        with self.assertRaises(Fault) as caught:
            self.call("alert_mgr_b", "alert.rule", "raise_alert", *args, **kwargs)
        fault = caught.exception.faultString
        self.assertIn(sentence, fault)
        self.assertNotIn("Traceback", fault)

    def alerts(self):
        return self.env["alert.instance"].sudo().search([("rule_id", "in", (self.rule_a | self.rule_b).ids)])

    def test_other_company_rule_and_records_refused(self):
        self.assertFault(
            f"raise_alert: alert rule {self.rule_a.id} belongs to a company you cannot access", self.rule_a.id
        )
        self.assertFault(
            f"raise_alert: you cannot access res.partner {self.partner_a.id}",
            self.rule_b.id,
            model_name="res.partner",
            record_ids=[self.partner_a.id],
        )
        self.assertFault(
            "raise_alert: no res.partner with id 99999991, 99999992",
            "cold_room",
            model_name="res.partner",
            record_ids=[self.partner_b.id, 99999991, 99999992],
        )
        self.assertFalse(self.alerts(), "nothing was raised")
        # the own company's rule, by id and by code, on the own company's record
        ids = self.call(
            "alert_mgr_b",
            "alert.rule",
            "raise_alert",
            self.rule_b.id,
            model_name="res.partner",
            record_ids=[self.partner_b.id],
        )
        self.assertEqual(self.alerts().ids, ids)
        self.assertEqual(self.alerts().rule_id, self.rule_b)

    def test_wrongly_typed_arguments(self):
        self.assertFault("raise_alert: rule must be the id or the code of an alert rule", True)
        self.assertFault("raise_alert: rule must be the id or the code of an alert rule", [self.rule_b.id])
        self.assertFault(
            "raise_alert: record_ids must hold record ids",
            "cold_room",
            model_name="res.partner",
            record_ids=["1"],
        )
        self.assertFault(
            "raise_alert: record_ids need the model_name", "cold_room", record_ids=[self.partner_b.id]
        )
        self.assertFault("raise_alert: message is too long", "cold_room", message="m" * 10001)
        self.assertFault("raise_alert: pass model_name and record_ids", "cold_room", [self.partner_b.id])
        self.assertFalse(self.alerts())

    def test_acknowledge_and_resolve_arguments(self):
        alert = self.env["alert.rule"].raise_alert(self.rule_b, self.partner_b)
        with self.assertRaises(Fault) as caught:
            self.call("alert_mgr_b", "alert.instance", "action_acknowledge", [str(alert.id)])
        self.assertIn("action_acknowledge: the alerts must hold record ids", caught.exception.faultString)
        with self.assertRaises(Fault) as caught:
            self.call("alert_mgr_b", "alert.instance", "action_resolve", [alert.id], notes=["done"])
        self.assertIn("action_resolve: notes must be text", caught.exception.faultString)
        self.assertEqual(alert.status, "active")


@tagged("post_install", "-at_install")
class TestAlertRuleConditionChecked(HttpCase):
    def test_condition_that_cannot_run_is_refused(self):
        manager = new_test_user(
            self.env,
            login="alert_cond_mgr",
            groups="base.group_user,workflow_automation.group_workflow_manager",
        )
        Rule = self.env["alert.rule"].with_user(manager)
        partner_model = self.env["ir.model"]._get("res.partner")
        for condition, expected in [
            (
                "[('name', 'ilike', 3)]",
                "The condition of rule Watch cannot be used: the condition on name needs a text value",
            ),
            ("[('no_field', '=', 1)]", "has no field no_field"),
            ("[('write_date', '<', 'last week')]", "needs a date"),
        ]:
            with self.subTest(condition=condition), self.assertRaisesRegex(ValidationError, expected):
                with self.env.cr.savepoint():
                    Rule.create(
                        {
                            "name": "Watch",
                            "code": "watch",
                            "alert_type": "event",
                            "model_id": partner_model.id,
                            "condition": condition,
                        }
                    )
        # the same with a valid condition is kept
        rule = Rule.create(
            {
                "name": "Watch",
                "code": "watch",
                "alert_type": "event",
                "model_id": partner_model.id,
                "condition": "[('name', 'ilike', 'cold')]",
            }
        )
        self.assertTrue(rule.exists())

    def test_unknown_rule_id_named(self):
        with self.assertRaisesRegex(UserError, "No alert rule 99999993"):
            self.env["alert.rule"].raise_alert(99999993)
        with self.assertRaises(AccessError):
            self.env["alert.rule"].with_user(new_test_user(self.env, login="alert_plain")).raise_alert("x")
