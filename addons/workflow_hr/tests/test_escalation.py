"""With hr installed, an overdue approval without a configured escalation goes to the
pending approvers' managers (the employee's manager in HR)."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.workflow_automation.tests.test_approval import ApprovalCase


@tagged("post_install", "-at_install")
class TestEscalationToManager(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Employee = cls.env["hr.employee"]
        cls.dave_employee = Employee.create({"name": "Dave Director", "user_id": cls.dave.id})
        cls.alice_employee = Employee.create(
            {"name": "Alice Approver", "user_id": cls.alice.id, "parent_id": cls.dave_employee.id}
        )

    def _overdue_request(self):
        _inst, req = self.submit(
            self.make_approval_flow(self.alice, "any", timeout_hours=4, timeout_action="escalate")
        )
        req.due_at = fields.Datetime.now() - timedelta(minutes=1)
        self.env["workflow.job"].run_job("approval.request", "_job_deadlines")
        return req

    def test_escalates_to_the_approvers_manager(self):
        req = self._overdue_request()
        self.assertEqual(req.escalation_level, 1)
        self.assertEqual(req.escalated_to, self.dave)
        dave = req.assignment_ids.filtered(lambda a: a.approver_id == self.dave)
        self.assertEqual(dave.status, "pending")
        self.as_(self.dave, req).approve()
        self.assertEqual(req.status, "approved")

    def test_a_manager_in_another_company_is_not_used(self):
        other = self.env["res.company"].create({"name": "Other dairy"})
        self.alice_employee.company_id = other
        req = self._overdue_request()
        self.assertEqual(req.escalation_level, 0)
        self.assertFalse(req.escalated_to)
        self.assertFalse(req.assignment_ids.filtered(lambda a: a.approver_id == self.dave))
        self.assertEqual(self.alice._workflow_managers(other), self.dave)

    def test_configured_escalation_wins_over_the_manager(self):
        _inst, req = self.submit(
            self.make_approval_flow(
                self.alice, "any", timeout_hours=4, timeout_action="escalate", escalation_user_id=self.bob.id
            )
        )
        req.due_at = fields.Datetime.now() - timedelta(minutes=1)
        self.env["workflow.job"].run_job("approval.request", "_job_deadlines")
        self.assertEqual(req.escalated_to, self.bob)
        self.assertFalse(req.assignment_ids.filtered(lambda a: a.approver_id == self.dave))
