import base64
import csv
import io

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.audit_log import ACTIONS

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
        """``[(model label, action label, count)]`` of the period."""
        Log = self.env["audit.log"]
        groups = Log.read_group(
            self._domain(), ["model_name", "action_type"], ["model_name", "action_type"], lazy=False
        )
        models_ = Log._audit_model_labels({g["model_name"] for g in groups})
        actions = dict(Log._fields["action_type"]._description_selection(self.env))
        return [
            (
                models_.get(g["model_name"]) or g["model_name"],
                actions.get(g["action_type"], g["action_type"]),
                g["__count"],
            )
            for g in groups
        ]

    def _report_verification(self):
        return self.env["audit.chain"].verify(date_from=self.date_from, date_to=self.date_to)

    def action_print_pdf(self):
        return self.env.ref("workflow_audit.action_report_audit_compliance").report_action(self)

    @api.model
    def _csv_header(self):
        return [
            _("Entry"),
            _("Date (UTC)"),
            _("User"),
            _("Action"),
            _("Model"),
            _("Record"),
            _("Field"),
            _("Old Value"),
            _("New Value"),
            _("IP Address"),
            _("Workflow Instance"),
            _("Approval Request"),
            _("Chain Day"),
            _("Chain"),
            _("Sequence"),
            _("Entry Hash"),
        ]

    @api.model
    def _csv_rows(self, entries):
        """Rows of ``entries`` for the CSV: one per changed field (label, old and
        new values as read in the form), one for an entry without values; blank
        where there is nothing."""
        actions = dict(entries._fields["action_type"]._description_selection(self.env))
        changes = entries._audit_changes()
        rows = []
        for entry in entries:
            common = [
                entry.id,
                entry.created_at.strftime("%Y-%m-%d %H:%M:%S") if entry.created_at else "",
                entry.user_display or "",
                actions.get(entry.action_type, entry.action_type or ""),
                entry.model_label or "",
                entry.record_display or "",
            ]
            tail = [
                entry.ip_address or "",
                entry.workflow_instance_display or "",
                entry.approval_request_display or "",
                entry.chain_day.isoformat() if entry.chain_day else "",
                entry.chain_slot,
                entry.chain_seq,
                entry.row_hash_hex or "",
            ]
            lines = changes.get(entry.id)
            if lines:
                rows.extend(common + [line["label"], line["old"], line["new"]] + tail for line in lines)
            else:
                rows.append(common + [entry.changed_fields_text or "", "", ""] + tail)
        return rows

    def action_export_csv(self):
        self.ensure_one()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(self._csv_header())
        entries = self.env["audit.log"].search(self._domain(), order="created_at, id")
        for start in range(0, len(entries), 2000):
            chunk = entries.browse(entries.ids[start : start + 2000])  # prefetch this chunk only
            writer.writerows(self._csv_rows(chunk))
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
