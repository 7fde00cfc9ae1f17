from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestUseTemplateTour(HttpCase):
    """A process owner adopts a template in the browser (static/tests/tours/use_template_tour.js)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = new_test_user(
            cls.env,
            login="wf_tpl_tour_owner",  # the password is the login, as start_tour expects
            groups="base.group_user,workflow_automation.group_workflow_manager",
            name="Otto Owner",
        )
        cls.line_manager = new_test_user(cls.env, login="wf_tpl_tour_lina", name="Lina Linemanager")

    def test_process_owner_adopts_a_template(self):
        self.start_tour("/web", "workflow_templates_use_template", login="wf_tpl_tour_owner")
        Definition = self.env["workflow.definition"].with_context(active_test=False)
        definition = Definition.search([("name", "=", "Weighbridge access")])
        self.assertEqual(len(definition), 1, "one workflow made from the template")
        self.assertFalse(definition.active, "made as a draft, to be activated after a check")
        approval_states = definition.state_ids.filtered(lambda s: s.state_type == "approval")
        self.assertIn(
            self.line_manager, approval_states.approver_user_ids, "the line manager approves a step"
        )
        self.assertIn(
            self.env.ref("base.group_system"),
            approval_states.approver_group_ids,
            "the administrators grant it",
        )


@tagged("post_install", "-at_install")
class TestFileRequestTour(HttpCase):
    """An employee files a request in the browser (static/tests/tours/file_request_tour.js)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee = new_test_user(
            cls.env,
            login="wf_req_tour_emma",  # the password is the login, as start_tour expects
            groups="base.group_user,workflow_automation.group_workflow_user",
            name="Emma Employee",
        )
        cls.line_manager = new_test_user(cls.env, login="wf_req_tour_lina", name="Lina Linemanager")
        template = cls.env["workflow.template"].search([("code", "=", "ACCESS_REQUEST")])
        cls.definition = template._instantiate(
            {},
            {
                "line_manager": {"users": cls.line_manager},
                "it_admin": {"groups": cls.env.ref("base.group_system")},
            },
            name="Access requests",
        )
        cls.definition.active = True

    def test_employee_files_a_request_and_submits_it(self):
        self.start_tour("/web", "workflow_templates_file_request", login="wf_req_tour_emma")
        request = self.env["workflow.request"].search([("name", "=", "Access to the weighbridge")])
        self.assertEqual(len(request), 1)
        self.assertEqual(request.requester_id, self.employee)
        instance = request.workflow_instance_id
        self.assertEqual(instance.workflow_id, self.definition)
        self.assertEqual(instance.current_state_id.code, "manager_review")
        pending = self.env["approval.request"].search(
            [("instance_id", "=", instance.id), ("status", "=", "pending")]
        )
        self.assertEqual(
            pending.mapped("assignment_ids.approver_id"), self.line_manager, "the line manager decides"
        )
