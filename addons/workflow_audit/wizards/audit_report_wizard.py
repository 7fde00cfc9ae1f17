import base64
import csv
import io
import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.audit_log import ACTIONS

CSV_COLUMNS = [
    "id",
    "created_at",
    "model_name",
    "record_id",
    "record_name",
    "action_type",
    "changed_fields_text",
    "old_values",
    "new_values",
    "user_id",
    "user_name",
    "ip_address",
    "user_agent",
    "session_id",
    "workflow_instance_id",
    "approval_request_id",
    "chain_day",
    "chain_slot",
    "chain_seq",
    "row_hash_hex",
]
REPORT_LIMIT = 5000


class AuditReportWizard(models.TransientModel):
    """Compliance report (PDF) and CSV export of the audit log for a period."""

    _name = "audit.report.wizard"
    _description = "Audit Compliance Report"

    date_from = fields.Datetime(
        required=True, default=lambda self: fields.Datetime.now().replace(day=1, hour=0, minute=0, second=0)
    )
    date_to = fields.Datetime(required=True, default=fields.Datetime.now)
    model_id = fields.Many2one("ir.model", ondelete="cascade")
    action_type = fields.Selection(ACTIONS, string="Action")
    user_id = fields.Many2one("res.users")

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise UserError(_("The period of the audit report ends before it starts."))

    def _domain(self):
        self.ensure_one()
        domain = [("created_at", ">=", self.date_from), ("created_at", "<=", self.date_to)]
        if self.model_id:
            domain.append(("model_name", "=", self.model_id.model))
        if self.action_type:
            domain.append(("action_type", "=", self.action_type))
        if self.user_id:
            domain.append(("user_id", "=", self.user_id.id))
        return domain

    def _report_entries(self):
        return self.env["audit.log"].search(self._domain(), limit=REPORT_LIMIT, order="created_at, id")

    def _report_summary(self):
        groups = self.env["audit.log"].read_group(
            self._domain(), ["model_name", "action_type"], ["model_name", "action_type"], lazy=False
        )
        labels = dict(ACTIONS)
        return [
            (g["model_name"], labels.get(g["action_type"], g["action_type"]), g["__count"]) for g in groups
        ]

    def _report_verification(self):
        return self.env["audit.chain"].verify(date_from=self.date_from, date_to=self.date_to)

    def action_print_pdf(self):
        return self.env.ref("workflow_audit.action_report_audit_compliance").report_action(self)

    def action_export_csv(self):
        self.ensure_one()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        entries = self.env["audit.log"].search(self._domain(), order="created_at, id")
        for start in range(0, len(entries), 2000):
            chunk = entries[start : start + 2000]
            for entry in chunk:
                row = []
                for name in CSV_COLUMNS:
                    value = entry[name]
                    if isinstance(value, models.BaseModel):
                        value = value.id or ""
                    elif isinstance(value, dict | list):
                        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
                    elif value is False or value is None:
                        value = ""
                    row.append(value)
                writer.writerow(row)
            chunk.invalidate_recordset()
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"audit_log_{self.date_from:%Y%m%d}_{self.date_to:%Y%m%d}.csv",
                "datas": base64.b64encode(buffer.getvalue().encode("utf-8")),
                "mimetype": "text/csv",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }
