import base64
import csv
import io
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import AuditCase


@tagged("post_install", "-at_install")
class TestReport(AuditCase):
    def setUp(self):
        super().setUp()
        self.partner = self.env["res.partner"].create({"name": "Reported"})
        self.partner.write({"name": "Reported twice"})
        self.commit_point()
        now = fields.Datetime.now()
        self.wizard = self.env["audit.report.wizard"].create(
            {
                "date_from": now - timedelta(hours=1),
                "date_to": now + timedelta(hours=1),
                "model_id": self.partner_model.id,
            }
        )

    def test_deleted_user_keeps_the_name_logged(self):
        """The log outlives users: an entry of a deleted user shows the name logged with it
        (reading the user itself would fail and break the report, the CSV and the integrity message)."""
        gone = self.Log.new({"user_id": 2_000_000_000, "user_name": "Temp Clerk"})
        self.assertEqual(gone.user_display, "Temp Clerk (deleted)")
        here = self.Log.new({"user_id": self.env.user.id, "user_name": "Old name"})
        self.assertEqual(here.user_display, self.env.user.name)

    def test_csv_export(self):
        """one line per changed field, with labels and values in words; blank for none"""
        action = self.wizard.action_export_csv()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        rows = list(csv.DictReader(io.StringIO(base64.b64decode(attachment.datas).decode())))
        mine = [r for r in rows if r["Record"] == "Reported twice"]
        self.assertEqual([r["Action"] for r in mine if r["Field"] == "Name"], ["Create", "Update"])
        update = next(r for r in mine if r["Action"] == "Update")
        self.assertEqual(
            (update["Field"], update["Old Value"], update["New Value"]),
            ("Name", "Reported", "Reported twice"),
        )
        self.assertTrue(all(r["Model"] == "Contact" for r in rows))
        self.assertEqual(len(update["Entry Hash"]), 64)
        self.assertEqual(update["Workflow Instance"], "")

    def test_compliance_report_renders(self):
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("workflow_audit.report_audit_compliance", self.wizard.ids)[0]
            .decode()
        )
        self.assertIn("Audit Compliance Report", html)
        self.assertIn("Reported twice", html)
        self.assertIn("Intact", html)
        self.assertIn("Reported → Reported twice", html)
        self.assertNotIn("res.partner", html.split("Summary")[1])
        action = self.wizard.action_print_pdf()
        # the report itself, or first the document layout configurator on a fresh company
        self.assertIn(action["type"], ("ir.actions.report", "ir.actions.act_window"))
