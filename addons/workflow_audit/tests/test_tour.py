import base64
import csv
import io
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import isolate_checkpoints


@tagged("post_install", "-at_install")
class TestAuditorTour(HttpCase):
    """Journey 3, an auditor reading a change: in the browser (the tour
    workflow_audit_read_change), then in the CSV export."""

    def setUp(self):
        super().setUp()
        isolate_checkpoints(self)
        self.addCleanup(self._reset_hooks)
        model = self.env["ir.model"]._get("res.partner")
        rule = self.env["audit.rule"].with_context(active_test=False).search([("model_id", "=", model.id)])
        vals = {
            "name": "Contacts",
            "model_id": model.id,
            "active": True,
            "log_create": True,
            "log_write": True,
        }
        if rule:
            rule.write(vals)
        else:
            self.env["audit.rule"].create(vals)
        # an auditor and nothing else (an internal user)
        self.auditor = new_test_user(
            self.env, "wfa_tour_auditor", groups="base.group_user,workflow_audit.group_audit_auditor"
        )
        admin = self.env.ref("base.user_admin")
        Partner = self.env["res.partner"].with_user(admin)
        holding = Partner.create({"name": "Tour Holding", "is_company": True})
        self.partner = Partner.create({"name": "Tour Dairy", "type": "contact"})
        self.partner.write(
            {
                "name": "Tour Dairy Ltd",
                "type": "invoice",
                "country_id": self.env.ref("base.be").id,
                "parent_id": holding.id,
            }
        )
        self.env.cr.flush()  # the entries are written (precommit), as at COMMIT

    def _reset_hooks(self):
        self.registry.clear_cache()
        self.env["workflow.hook"]._register_hook()

    def test_auditor_reads_a_change(self):
        self.start_tour("/web", "workflow_audit_read_change", login="wfa_tour_auditor")

    def test_auditor_csv_export(self):
        now = fields.Datetime.now()
        wizard = (
            self.env["audit.report.wizard"]
            .with_user(self.auditor)
            .create(
                {
                    "date_from": now - timedelta(hours=1),
                    "date_to": now + timedelta(hours=1),
                    "model_id": self.env["ir.model"]._get("res.partner").id,
                }
            )
        )
        action = wizard.action_export_csv()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        rows = list(csv.reader(io.StringIO(base64.b64decode(attachment.datas).decode())))
        header = rows[0]
        self.assertEqual(
            header[:9],
            ["Entry", "Date (UTC)", "User", "Action", "Model", "Record", "Field", "Old Value", "New Value"],
        )
        data = [dict(zip(header, row, strict=True)) for row in rows[1:]]
        update = {
            r["Field"]: r for r in data if r["Action"] == "Update" and r["Record"].endswith("Tour Dairy Ltd")
        }
        self.assertEqual(
            (update["Name"]["Old Value"], update["Name"]["New Value"]), ("Tour Dairy", "Tour Dairy Ltd")
        )
        self.assertEqual(
            (update["Address Type"]["Old Value"], update["Address Type"]["New Value"]),
            ("Contact", "Invoice Address"),
        )
        self.assertEqual((update["Country"]["Old Value"], update["Country"]["New Value"]), ("", "Belgium"))
        self.assertEqual(update["Related Company"]["New Value"], "Tour Holding")
        self.assertEqual(update["Name"]["User"], self.env.ref("base.user_admin").name)
        self.assertEqual(update["Name"]["Model"], "Contact")
        self.assertEqual(len(update["Name"]["Entry Hash"]), 64)
        mine = "\n".join(",".join(row) for row in rows[1:] if "Tour" in row[5])
        for raw in ("res.partner", "parent_id", "country_id", ",invoice,", "False", "None"):
            self.assertNotIn(raw, mine)
