from lxml import etree
from odoo_test_helper import FakeModelLoader

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import WorkflowCase


@tagged("post_install", "-at_install")
class TestWorkflowMixin(WorkflowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loader = FakeModelLoader(cls.env, cls.__module__)
        cls.loader.backup_registry()
        from .fake_models import WorkflowTestDocument

        cls.loader.update_registry((WorkflowTestDocument,))
        cls.doc_model = cls.env["ir.model"]._get("workflow.test.document")
        cls.env["ir.model.access"].create(
            {
                "name": "test doc",
                "model_id": cls.doc_model.id,
                "perm_read": True,
                "perm_write": True,
                "perm_create": True,
                "perm_unlink": True,
            }
        )
        cls.flow = cls.env["workflow.definition"].import_json(
            {
                "name": "Document flow",
                "code": "DOC_FLOW",
                "model": "workflow.test.document",
                "timeout_hours": 0,
                "workflow_config": {
                    "states": [
                        {"code": "draft", "name": "Draft", "is_initial": True},
                        {"code": "checked", "name": "Checked"},
                        {"code": "done", "name": "Done", "is_final": True},
                    ],
                    "transitions": [
                        {"name": "Check", "from": "draft", "to": "checked", "button_label": "Mark checked"},
                        {"name": "Close", "from": "checked", "to": "done", "require_comment": True},
                        {
                            "name": "Big",
                            "from": "checked",
                            "to": "done",
                            "trigger_type": "condition",
                            "domain": "[('amount', '>', 1000)]",
                        },
                    ],
                },
            }
        )

    @classmethod
    def tearDownClass(cls):
        cls.loader.restore_registry()
        super().tearDownClass()

    def test_record_gains_state_badge_and_buttons(self):
        doc = self.env["workflow.test.document"].create({"name": "Invoice 42"})
        self.assertEqual(doc.workflow_status, "none")
        doc.action_workflow_start()
        self.assertEqual(doc.workflow_status, "active")
        self.assertEqual(doc.workflow_state_name, "Draft")
        self.assertEqual([t["label"] for t in doc.workflow_transitions], ["Mark checked"])
        doc.action_workflow_fire(doc.workflow_transitions[0]["id"])
        doc.invalidate_recordset()
        self.assertEqual(doc.workflow_state_name, "Checked")
        # the transition that needs a comment opens the wizard instead of firing
        close = [t for t in doc.workflow_transitions if t["name"] == "Close"][0]
        self.assertTrue(close["require_comment"])
        action = doc.action_workflow_fire(close["id"])
        self.assertEqual(action["res_model"], "workflow.transition.wizard")
        wizard = (
            self.env["workflow.transition.wizard"].with_context(**action["context"]).create({"comment": "ok"})
        )
        wizard.action_confirm()
        doc.invalidate_recordset()
        self.assertEqual(doc.workflow_status, "completed")
        self.assertEqual(doc.workflow_instance_count, 1)

    def test_chatter_has_each_change(self):
        self.env["workflow.definition"].browse(self.flow).chatter_mode = "all"
        doc = self.env["workflow.test.document"].create({"name": "Invoice 43"})
        doc.action_workflow_start()
        doc.action_workflow_fire(doc.workflow_transitions[0]["id"])
        bodies = doc.message_ids.mapped("body")
        self.assertTrue(any("Started <b>" in b for b in bodies))
        self.assertTrue(any("— now Checked" in b for b in bodies))

    def test_chatter_start_and_end_by_default(self):
        doc = self.env["workflow.test.document"].create({"name": "Invoice 44"})
        doc.action_workflow_start()
        doc.action_workflow_fire(doc.workflow_transitions[0]["id"])
        bodies = doc.message_ids.mapped("body")
        self.assertTrue(any("Started <b>" in b for b in bodies))
        self.assertFalse(any("— now Checked" in b for b in bodies), "a step in between: History only")
        self.assertEqual(
            self.env["workflow.instance"]
            .search([("model_name", "=", doc._name), ("record_id", "=", doc.id)])
            .history_ids.mapped("to_state_name")
            .count("Checked"),
            1,
        )

    def test_condition_on_business_field(self):
        doc = self.env["workflow.test.document"].create({"name": "Big order"})
        doc.action_workflow_start()
        doc.action_workflow_fire(doc.workflow_transitions[0]["id"])
        doc.amount = 5000
        doc.invalidate_recordset()
        self.assertEqual(doc.workflow_status, "completed")

    def test_search_by_state_and_status(self):
        docs = self.env["workflow.test.document"].create([{"name": "A"}, {"name": "B"}, {"name": "C"}])
        docs[:2].action_workflow_start()
        docs[0].action_workflow_fire(docs[0].workflow_transitions[0]["id"])
        Doc = self.env["workflow.test.document"]
        self.assertEqual(Doc.search([("id", "in", docs.ids), ("workflow_state_id", "=", "Checked")]), docs[0])
        self.assertEqual(Doc.search([("id", "in", docs.ids), ("workflow_status", "=", "active")]), docs[:2])
        self.assertEqual(Doc.search([("id", "in", docs.ids), ("workflow_status", "=", "none")]), docs[2])

    def test_form_view_gets_buttons_and_badge(self):
        arch = self.env["workflow.test.document"].get_view(view_type="form")["arch"]
        tree = etree.fromstring(arch)
        self.assertTrue(
            tree.xpath("//header/field[@name='workflow_transitions'][@widget='workflow_buttons']")
        )
        self.assertTrue(tree.xpath("//header/field[@name='workflow_state_name'][@widget='badge']"))

    def test_no_workflow_is_a_clear_error(self):
        doc = self.env["workflow.test.document"].create({"name": "Nothing"})
        with self.assertRaisesRegex(UserError, "has no running workflow"):
            doc.action_workflow_fire(1)
        with self.assertRaisesRegex(UserError, "No active workflow NOPE"):
            doc.action_workflow_start(code="NOPE")
