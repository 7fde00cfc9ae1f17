from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import AuditCase


@tagged("post_install", "-at_install")
class TestDisplay(AuditCase):
    """The audit trail as an auditor reads it: labels, names and words instead of
    technical model names, raw keys and ids; names read with the auditor's rights."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auditor = new_test_user(
            cls.env, "wfa_display_auditor", groups="base.group_user,workflow_audit.group_audit_auditor"
        )
        cls.other_auditor = new_test_user(
            cls.env, "wfa_display_auditor2", groups="base.group_user,workflow_audit.group_audit_auditor"
        )
        cls.holding = cls.env["res.partner"].create({"name": "Dairy Holding", "is_company": True})
        cls.belgium = cls.env.ref("base.be")

    def _lines(self, entry, user=None):
        entry = entry.with_user(user or self.auditor)
        return {line["field"]: line for line in entry._audit_changes()[entry.id]}

    def test_values_in_words(self):
        """char, selection, many2one, boolean and empty values as the user reads them"""
        partner = self.env["res.partner"].create({"name": "Farm", "type": "contact", "employee": False})
        partner.write(
            {
                "name": "Farm Ltd",
                "type": "invoice",
                "country_id": self.belgium.id,
                "parent_id": self.holding.id,
                "employee": True,
                "email": False,
            }
        )
        self.commit_point()
        update = self.entries(partner, "update")
        lines = self._lines(update)
        self.assertEqual(
            (lines["name"]["label"], lines["name"]["old"], lines["name"]["new"]), ("Name", "Farm", "Farm Ltd")
        )
        self.assertEqual(
            (lines["type"]["label"], lines["type"]["old"], lines["type"]["new"]),
            ("Address Type", "Contact", "Invoice Address"),
        )
        self.assertEqual(
            (lines["country_id"]["label"], lines["country_id"]["old"], lines["country_id"]["new"]),
            ("Country", "", "Belgium"),
        )
        self.assertEqual(lines["parent_id"]["new"], "Dairy Holding")
        self.assertEqual((lines["employee"]["old"], lines["employee"]["new"]), ("No", "Yes"))
        self.assertNotIn("email", lines, "a field written with its current (empty) value is no change")
        # the form shows the same words, the model by its label and a link to the record
        update = update.with_user(self.auditor)
        self.assertIn("Invoice Address", update.diff_html)
        self.assertNotIn("invoice<", update.diff_html)
        self.assertEqual(update.model_label, "Contact")
        self.assertEqual(update.model_id, self.partner_model)
        self.assertEqual(update.record_display, "Dairy Holding, Farm Ltd")
        self.assertEqual(update.record_ref, partner)
        self.assertEqual(
            set(update.changed_fields_text.split(", ")),
            {"Name", "Address Type", "Country", "Related Company", "Employee"},
        )
        # a creation: no "before"; empty values are not logged, never shown as "False"
        create = self._lines(self.entries(partner, "create"))
        self.assertEqual((create["name"]["old"], create["name"]["new"]), ("", "Farm"))
        self.assertNotIn("False", {line["new"] for line in create.values()})

    def test_deleted_targets(self):
        """a many2one pointing to a deleted record: its last logged name, else "(deleted)"
        (never its id); a deleted record shows its name when logged"""
        title = self.env["res.partner.title"].create({"name": "Herd Master"})
        employer = self.env["res.partner"].create({"name": "Gone Dairy", "is_company": True})
        partner = self.env["res.partner"].create({"name": "Milker"})
        partner.write({"title": title.id, "parent_id": employer.id})
        partner.write({"parent_id": False, "title": False})
        title.unlink()
        employer.unlink()
        self.commit_point()
        first, second = self.entries(partner, "update").sorted("id")
        lines = self._lines(first)
        self.assertEqual(lines["title"]["new"], "(deleted)")  # titles are not audited
        self.assertEqual(lines["parent_id"]["new"], "Gone Dairy (deleted)")  # contacts are
        lines = self._lines(second)
        self.assertEqual((lines["parent_id"]["old"], lines["parent_id"]["new"]), ("Gone Dairy (deleted)", ""))
        deletion = self.entries(employer, "delete").with_user(self.auditor)
        self.assertEqual(deletion.record_display, "Gone Dairy (deleted)")
        self.assertFalse(deletion.record_ref)
        self.assertFalse(deletion.action_open_record())
        self.assertNotIn(str(employer.id), deletion.record_display)

    def test_no_access_shows_no_name(self):
        """an auditor who may not read a record sees "(no access)", not its current name"""
        no_secrets = self.env["res.groups"].create({"name": "No secret suppliers"})
        self.auditor.groups_id = [Command.link(no_secrets.id)]
        self.env["ir.rule"].create(
            {
                "name": "Some auditors do not read secret suppliers",
                "model_id": self.partner_model.id,
                "groups": [Command.link(no_secrets.id)],
                "domain_force": "[('ref', '!=', 'SECRET')]",
            }
        )
        secret = self.env["res.partner"].create(
            {"name": "Secret Supplier", "ref": "SECRET", "is_company": True}
        )
        partner = self.env["res.partner"].create({"name": "Buyer"})
        secret.write({"name": "Secret Supplier Renamed"})
        partner.write({"parent_id": secret.id})
        self.commit_point()
        entry = self.entries(secret, "update").with_user(self.auditor)
        self.assertEqual(entry.record_display, "(no access)")
        self.assertFalse(entry.record_ref)
        self.assertFalse(entry.action_open_record())
        lines = self._lines(self.entries(partner, "update"))
        self.assertEqual(lines["parent_id"]["new"], "(no access)")
        # an auditor allowed to read the supplier reads the same entries with its name
        other = self.other_auditor
        self.assertEqual(entry.with_user(other).record_display, "Secret Supplier Renamed")
        self.assertEqual(entry.with_user(other).record_ref, secret)
        lines = self._lines(self.entries(partner, "update"), other)
        self.assertEqual(lines["parent_id"]["new"], "Secret Supplier Renamed")

    def test_search_and_group_by_labels(self):
        partner = self.env["res.partner"].create({"name": "Labelled"})
        partner.write({"type": "delivery"})
        self.commit_point()
        Log = self.env["audit.log"].with_user(self.auditor)
        update = self.entries(partner, "update")
        self.assertIn(update, Log.search([("changed_fields_text", "ilike", "Address Type")]))
        self.assertIn(update, Log.search([("changed_fields_text", "=", "type")]))
        self.assertNotIn(update, Log.search([("changed_fields_text", "ilike", "Country")]))
        self.assertIn(update, Log.search([("model_id", "ilike", "Contact"), ("record_id", "=", partner.id)]))
        groups = Log.read_group([("record_id", "=", partner.id)], ["model_id"], ["model_id"])
        self.assertEqual([g["model_id"][1] for g in groups], ["Contact"])

    def test_verify_message_in_words(self):
        partner = self.env["res.partner"].create({"name": "Checked"})
        self.commit_point()
        action = self.env["audit.log"].with_user(self.auditor).action_verify_integrity()
        self.assertEqual(action["params"]["type"], "success")
        self.assertTrue(action["params"]["title"])
        entry = self.entries(partner)
        self.env.cr.execute("SET session_replication_role = replica")
        try:
            self.env.cr.execute("UPDATE audit_log SET record_name = 'Forged' WHERE id = %s", [entry.id])
        finally:
            self.env.cr.execute("RESET session_replication_role")
        self.env.invalidate_all()
        params = self.env["audit.log"].with_user(self.auditor).action_verify_integrity()["params"]
        self.assertEqual(params["type"], "danger")
        self.assertIn("Create of Contact “Checked”", params["message"])
        self.assertIn(self.env.user.name, params["message"])
        self.assertNotIn(f"id {entry.id}", params["message"])
        self.assertIn(f"id={entry.id}", params["links"][0]["url"])

    def test_workflow_and_approval_entries_in_words(self):
        """a transition by its stage, transition and kind; a decision by its status label;
        the workflow instance and the approval request by name, or "(no access)" """
        approver = new_test_user(
            self.env,
            "wfa_display_approver",
            groups="base.group_user,workflow_audit.group_audit_auditor",
            name="Display Approver",
        )
        Definition = self.env["workflow.definition"]
        definition = Definition.browse(
            Definition.import_json(
                {
                    "name": "Displayed approval",
                    "code": "DISPLAYED_APPROVAL",
                    "model": "res.partner",
                    "workflow_config": {
                        "states": [
                            {"code": "draft", "name": "Draft", "is_initial": True},
                            {
                                "code": "review",
                                "name": "Review",
                                "state_type": "approval",
                                "approval_config": {"approvers": [{"type": "user", "login": approver.login}]},
                            },
                            {"code": "ok", "name": "Approved", "is_final": True},
                            {"code": "ko", "name": "Rejected", "is_final": True},
                        ],
                        "transitions": [
                            {"name": "Submit", "from": "draft", "to": "review"},
                            {"name": "Yes", "from": "review", "to": "ok", "trigger_type": "approval"},
                            {"name": "No", "from": "review", "to": "ko", "trigger_type": "rejection"},
                        ],
                    },
                }
            )
        )
        partner = self.env["res.partner"].create({"name": "Displayed shop"})
        inst = self.env["workflow.instance"]._start(definition, partner)
        inst.fire(definition.transition_ids.filtered(lambda t: t.name == "Submit").id, comment="please")
        request = self.env["approval.request"].search([("instance_id", "=", inst.id)])
        request.with_user(approver).approve(comment="fine by me")
        self.commit_point()

        submit = self.entries(partner, "workflow").filtered(
            lambda e: e.new_values.get("transition") == "Submit"
        )
        lines = self._lines(submit)
        self.assertEqual(
            (lines["state"]["label"], lines["state"]["old"], lines["state"]["new"]),
            ("Workflow Stage", "Draft", "Review"),
        )
        self.assertEqual((lines["transition"]["label"], lines["transition"]["new"]), ("Transition", "Submit"))
        self.assertEqual(lines["action_type"]["new"], "Transition")
        self.assertEqual(lines["comment"]["new"], "please")
        submit = submit.with_user(self.auditor)
        self.assertEqual(submit.model_label, "Contact")
        self.assertEqual(submit.workflow_instance_ref, inst)
        self.assertEqual(submit.workflow_instance_display, inst.display_name)

        decision = self.Log.search(
            [("action_type", "=", "approval"), ("approval_request_id", "=", request.id)]
        ).filtered(lambda e: e.new_values.get("status") == "approved")
        lines = self._lines(decision)
        self.assertEqual((lines["status"]["label"], lines["status"]["new"]), ("Status", "Approved"))
        self.assertEqual(lines["comment"]["new"], "fine by me")
        self.assertEqual(decision.with_user(self.auditor).model_label, "Approval Assignment")
        # approval requests are read by those who decide them: the approver sees its name,
        # another auditor does not
        self.assertEqual(decision.with_user(approver).approval_request_ref, request)
        self.assertEqual(
            decision.with_user(approver).approval_request_display, request.with_user(approver).display_name
        )
        self.assertEqual(decision.with_user(self.auditor).approval_request_display, "(no access)")
        self.assertFalse(decision.with_user(self.auditor).approval_request_ref)
