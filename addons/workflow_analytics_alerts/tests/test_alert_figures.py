from odoo.tests import tagged

from odoo.addons.workflow_analytics.tests.common import AnalyticsCase, T


@tagged("post_install", "-at_install")
class TestAlertFigures(AnalyticsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["alert.instance"].search([]).unlink()
        partner_model = cls.env["ir.model"]._get("res.partner")
        common = {"alert_type": "threshold", "model_id": partner_model.id, "condition": "[('id', '=', 0)]"}
        cls.stock_rule = cls.env["alert.rule"].create(
            dict(common, name="Low milk stock", code="wfa_low_milk")
        )
        cls.pay_rule = cls.env["alert.rule"].create(dict(common, name="Overdue payer", code="wfa_overdue"))
        # low milk: acknowledged after 1 h, 3 h, not yet; overdue payer: after 2 h; one low milk alert
        # in the previous period acknowledged after 5 h
        for rule, raised, acked, n in [
            (cls.stock_rule, T(2, 8), T(2, 9), 1),
            (cls.stock_rule, T(3, 8), T(3, 11), 2),
            (cls.stock_rule, T(4, 8), False, 3),
            (cls.pay_rule, T(5, 8), T(5, 10), 4),
            (cls.stock_rule, T(24, 8), T(24, 13), 5),
        ]:
            cls.env["alert.instance"].create(
                {
                    "rule_id": rule.id,
                    "severity": "warning",
                    "title": f"Alert {n}",
                    "message": f"Alert {n} of the analytics test",
                    "dedup_key": f"wfa-{n}",
                    "triggered_at": raised,
                    "acknowledged_at": acked,
                    "status": "acknowledged" if acked else "active",
                    "company_id": cls.company.id,
                }
            )
        cls.env.flush_all()

    def test_alerts_per_rule_and_time_to_acknowledge(self):
        data = self.env["workflow.analytics"].with_user(self.manager).get_dashboard(self.filters)
        alerts = data["extra"]["alerts"]
        self.assertEqual(
            alerts["per_rule"],
            [
                {"rule": "Low milk stock", "raised": 3, "acknowledged": 2, "ack_p50": 2.0, "ack_p90": 2.8},
                {"rule": "Overdue payer", "raised": 1, "acknowledged": 1, "ack_p50": 2.0, "ack_p90": 2.0},
            ],
        )
        self.assertEqual(alerts["rows"][0][5:], [1, 5.0], "previous period: one alert, 5 h")

    def test_user_of_another_company_sees_no_alert(self):
        olga = self.other_company_user()
        data = self.env["workflow.analytics"].with_user(olga).get_dashboard(self.filters)
        self.assertEqual(data["extra"]["alerts"]["per_rule"], [])
