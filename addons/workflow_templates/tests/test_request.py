from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import TemplateCase


@tagged("post_install", "-at_install")
class TestRequest(TemplateCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = new_test_user(cls.env, login="tpl_other", groups="base.group_user", name="Omar Other")
        cls.qa = new_test_user(cls.env, login="tpl_qa", groups="base.group_user", name="Quazi QA")
        cls.haccp = cls.env["workflow.request.category"].search([("code", "=", "haccp_deviation")])
        cls.general = cls.env.ref("workflow_templates.request_category_general")

    def test_reference_and_rights(self):
        request = (
            self.env["workflow.request"]
            .with_user(self.employee)
            .create({"name": "New label printer", "category_id": self.general.id, "amount": 450})
        )
        self.assertTrue(request.reference.startswith("REQ/"))
        self.assertEqual(request.requester_id, self.employee)
        self.assertIn(request.reference, request.display_name)
        # someone else's request is not visible to an employee, every request is to a manager
        with self.assertRaises(AccessError):
            request.with_user(self.other).read(["name"])
        self.assertFalse(self.env["workflow.request"].with_user(self.other).search([("id", "=", request.id)]))
        self.assertEqual(
            self.env["workflow.request"].with_user(self.manager).search([("id", "=", request.id)]), request
        )
        # the responsible person sees it
        request.user_id = self.other
        self.assertEqual(request.with_user(self.other).name, "New label printer")
        with self.assertRaises(AccessError):
            request.with_user(self.employee).unlink()

    def test_haccp_template_runs_on_its_requests(self):
        template = self.template("HACCP_DEVIATION")
        self.assertTrue(template.usable)
        definition = template.with_user(self.admin)._instantiate(
            {"containment_hours": 1},
            {
                "shift_supervisor": {"users": self.other},
                "quality_manager": {"users": self.qa},
                "plant_manager": {"users": self.manager},
            },
        )
        definition.action_activate()
        Request = self.env["workflow.request"].with_user(self.employee)
        other_kind = Request.create({"name": "Printer", "category_id": self.general.id})
        self.assertEqual(other_kind.workflow_status, "none")
        request = Request.create(
            {"name": "Pasteuriser 2 below 72 °C", "category_id": self.haccp.id, "priority": "3"}
        )
        self.assertEqual(request.workflow_state_name, "Reported")
        # the supervisor gets the containment task
        activity = request.sudo().activity_ids
        self.assertEqual(activity.user_id, self.other)
        self.assertIn("Contain the deviation", activity.summary)
        # the requester contains it (a comment is required), then submits for review
        transitions = {t["name"]: t["id"] for t in request.workflow_transitions}
        request.action_workflow_fire(
            transitions["Product on hold"], comment="Lot 0412 on hold in cold room 3"
        )
        self.assertEqual(request.workflow_state_name, "Containment")
        self.assertEqual(definition.state_ids.filtered(lambda s: s.code == "containment").timeout_hours, 1)
        transitions = {t["name"]: t["id"] for t in request.workflow_transitions}
        request.action_workflow_fire(transitions["Corrective action done"])
        self.assertEqual(request.workflow_state_name, "Quality review")
        # the quality manager is not the requester, yet sees the request to decide on it
        self.assertEqual(request.with_user(self.qa).name, "Pasteuriser 2 below 72 °C")
        self.assertIn(
            request, self.env["workflow.request"].with_user(self.qa).search([("is_my_approval", "=", True)])
        )
        approval = self.env["approval.request"].with_user(self.qa).search([("my_turn", "=", True)])
        approval.approve(comment="Diversion valve repaired, lot destroyed")
        request.invalidate_recordset()
        self.assertEqual(request.workflow_state_name, "Closed")
        self.assertEqual(request.workflow_status, "completed")
