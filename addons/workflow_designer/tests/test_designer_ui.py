"""The designer in a browser: Odoo's QUnit tests of its components, and a manager's tour."""

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestDesignerJs(HttpCase):
    def test_designer_qunit(self):
        self.browser_js(
            "/web/tests?filter=workflow_designer&hidepassed=1",
            "",
            "",
            login="admin",
            timeout=240,
            success_signal="QUnit test suite done.",
            error_checker=lambda message: (
                "[HOOT]" not in message and "failed" in message.lower() and "0 failed" not in message
            ),
        )


@tagged("post_install", "-at_install")
class TestDesignerTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="wf_designer_manager",  # the password is the login, as start_tour expects
            groups="base.group_user,base.group_partner_manager,workflow_automation.group_workflow_manager",
            name="Dana Designer",
        )
        cls.definition = cls.env["workflow.definition"].browse(
            cls.env["workflow.definition"].import_json(
                {
                    "name": "Designer tour flow",
                    "code": "DESIGNER_TOUR",
                    "model": "res.partner",
                    "trigger_type": "on_create",
                    "trigger_domain": "[('name', 'ilike', 'Designer Tour')]",
                    "timeout_hours": 0,
                    "workflow_config": {
                        "states": [
                            {"code": "draft", "name": "Draft", "state_type": "start"},
                            {"code": "done", "name": "Done", "state_type": "end"},
                        ],
                        "transitions": [{"name": "Finish", "from": "draft", "to": "done"}],
                    },
                }
            )
        )

    def test_draw_save_start_and_fire(self):
        url = f"/web#model=workflow.definition&id={self.definition.id}&view_type=form"
        self.start_tour(url, "workflow_designer_draw_and_run", login="wf_designer_manager", timeout=120)
        definition = self.definition
        self.assertEqual(
            sorted((t.name, t.from_state_id.name, t.to_state_id.name) for t in definition.transition_ids),
            [("Check", "Draft", "Checking"), ("Checked", "Checking", "Checked"), ("Finish", "Draft", "Done")],
        )
        checking = definition.state_ids.filtered(lambda s: s.name == "Checking")
        self.assertTrue(checking.position_x or checking.position_y, "the designer stored where it is drawn")
        partners = self.env["res.partner"].search([("name", "=", "Designer Tour Creamery")])
        instance = self.env["workflow.instance"].search([("record_name", "=", "Designer Tour Creamery")])
        self.assertEqual(
            len(partners), 1, instance.mapped(lambda i: (i.record_id, i.workflow_id.id, i.version))
        )
        self.assertEqual(instance.current_state_id, checking)
        self.assertEqual(instance.history_ids.filtered("transition_id").transition_id.name, "Check")
