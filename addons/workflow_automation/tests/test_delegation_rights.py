"""Delegation is the delegator's (or a manager's) decision, to someone who may decide, never in a cycle."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .test_approval import ApprovalCase


class DelegationCase(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Delegation = cls.env["approval.delegation"]
        cls.today = fields.Date.today()
        groups = "base.group_user,base.group_partner_manager"
        cls.erin = new_test_user(cls.env, login="erin", groups=groups, name="Erin Employee")
        cls.archived = new_test_user(cls.env, login="gone", groups=groups, name="Gary Gone")
        cls.archived.active = False
        cls.portal = new_test_user(
            cls.env, login="shop_portal", groups="base.group_portal", name="Pat Portal"
        )
        cls.odoobot = cls.env.ref("base.user_root")
        cls.other_company = cls.env["res.company"].create({"name": "Other Dairy Ltd"})
        cls.foreigner = new_test_user(
            cls.env,
            login="foreigner",
            groups=groups,
            name="Fiona Foreign",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )

    def rule_vals(self, delegator, delegate, days=7):
        return {
            "delegator_id": delegator.id,
            "delegate_id": delegate.id,
            "date_from": self.today,
            "date_to": self.today + timedelta(days=days),
        }


@tagged("post_install", "-at_install")
class TestDelegationRules(DelegationCase):
    def test_user_cannot_create_a_rule_for_someone_else(self):
        with self.assertRaisesRegex(AccessError, "Only Alice Approver or a workflow manager"):
            self.Delegation.with_user(self.bob).create(self.rule_vals(self.alice, self.bob))
        self.assertFalse(self.Delegation.search([("delegator_id", "=", self.alice.id)]))
        # and the engine gives Bob nothing of Alice's
        _inst, req = self.submit(self.make_approval_flow(self.alice, "any"))
        self.assertFalse(req.assignment_ids.delegated_to)
        with self.assertRaises(AccessError):
            self.as_(self.bob, req).approve()

    def test_user_cannot_move_a_rule_to_another_delegator(self):
        rule = self.Delegation.with_user(self.bob).create(self.rule_vals(self.bob, self.carol))
        with self.assertRaisesRegex(AccessError, "Only Alice Approver or a workflow manager"):
            rule.with_user(self.bob).write({"delegator_id": self.alice.id})
        self.assertEqual(rule.delegator_id, self.bob)
        # the delegate sees the rule but cannot change it
        rule.with_user(self.carol).check_access_rule("read")
        with self.assertRaises(AccessError):
            rule.with_user(self.carol).write({"date_to": self.today + timedelta(days=30)})
        with self.assertRaises(AccessError):
            rule.with_user(self.carol).unlink()
        # someone else's rule is invisible to a third user
        self.assertFalse(self.Delegation.with_user(self.dave).search([("id", "=", rule.id)]))

    def test_manager_creates_rules_for_others(self):
        rule = self.Delegation.with_user(self.manager).create(self.rule_vals(self.alice, self.bob))
        self.assertEqual(rule.delegator_id, self.alice)
        rule.with_user(self.manager).write({"delegator_id": self.carol.id})
        self.assertEqual(rule.delegator_id, self.carol)

    def test_rule_refuses_delegates_who_cannot_decide(self):
        cases = [
            (self.archived, "Gary Gone is archived"),
            (self.portal, "Pat Portal is a portal or public user"),
            (self.odoobot, "is the system user"),
            (self.foreigner, "Fiona Foreign is not allowed in the company"),
        ]
        for delegate, message in cases:
            with (
                self.subTest(delegate=delegate.name),
                self.assertRaisesRegex(ValidationError, message),
                self.env.cr.savepoint(),  # the caller's transaction is rolled back, as over RPC
            ):
                self.Delegation.with_user(self.alice).create(self.rule_vals(self.alice, delegate))
        self.assertFalse(self.Delegation.search([("delegator_id", "=", self.alice.id)]))

    def test_rule_cycles_of_length_two_and_three_refused(self):
        self.Delegation.with_user(self.alice).create(self.rule_vals(self.alice, self.bob))
        with (
            self.assertRaisesRegex(
                ValidationError, "from Bob Approver to Alice Approver would create a cycle"
            ),
            self.env.cr.savepoint(),
        ):
            self.Delegation.with_user(self.bob).create(self.rule_vals(self.bob, self.alice))
        self.Delegation.with_user(self.bob).create(self.rule_vals(self.bob, self.carol))
        with (
            self.assertRaisesRegex(
                ValidationError, "from Carol Approver to Alice Approver would create a cycle"
            ),
            self.env.cr.savepoint(),
        ):
            self.Delegation.with_user(self.carol).create(self.rule_vals(self.carol, self.alice))
        # a longer chain: A→B→C→D, then D→A
        self.Delegation.with_user(self.carol).create(self.rule_vals(self.carol, self.dave))
        with self.assertRaisesRegex(ValidationError, "would create a cycle"), self.env.cr.savepoint():
            self.Delegation.with_user(self.dave).create(self.rule_vals(self.dave, self.alice))
        self.assertFalse(self.Delegation.search([("delegate_id", "=", self.alice.id)]))

    def test_rule_to_an_approver_of_another_level_is_not_applied(self):
        self.Delegation.with_user(self.alice).create(self.rule_vals(self.alice, self.bob))
        _inst, req = self.submit(self.make_approval_flow(self.alice | self.bob, "sequential"))
        first = req.assignment_ids.filtered(lambda a: a.approver_id == self.alice)
        self.assertFalse(first.delegated_to, "Bob decides level 2: he may not decide level 1 too")

    def test_rule_to_a_user_of_another_company_is_not_applied(self):
        self.foreigner.company_ids |= self.env.company
        self.Delegation.with_user(self.alice).create(self.rule_vals(self.alice, self.foreigner))
        self.foreigner.company_ids = self.other_company
        _inst, req = self.submit(self.make_approval_flow(self.alice, "any"))
        self.assertFalse(req.assignment_ids.delegated_to)


@tagged("post_install", "-at_install")
class TestOneOffDelegation(DelegationCase):
    def assert_refused(self, req, as_user, delegate, message):
        assignments = req.assignment_ids
        before = [(a.delegated_to, a.activity_id, a.previous_holder_ids) for a in assignments]
        history = len(req.instance_id.history_ids)
        with self.assertRaisesRegex(UserError, message):
            self.as_(as_user, req).delegate(delegate.id, comment="away")
        self.assertEqual(
            [(a.delegated_to, a.activity_id, a.previous_holder_ids) for a in assignments], before
        )
        self.assertEqual(len(req.instance_id.history_ids), history, "nothing stored")

    def test_delegates_who_cannot_decide_are_refused(self):
        _inst, req = self.submit(self.make_approval_flow(self.alice, "any"))
        self.assert_refused(req, self.alice, self.archived, "Gary Gone is archived")
        self.assert_refused(req, self.alice, self.portal, "Pat Portal is a portal or public user")
        self.assert_refused(req, self.alice, self.odoobot, "is the system user")
        self.assert_refused(req, self.alice, self.foreigner, "Fiona Foreign is not allowed in the company")

    def test_approver_of_another_level_is_refused(self):
        _inst, req = self.submit(self.make_approval_flow(self.alice | self.bob, "sequential"))
        self.assert_refused(
            req,
            self.alice,
            self.bob,
            "Bob Approver decides level 2 of .*would let one person decide two levels",
        )

    def test_cycles_of_length_two_and_three_are_refused(self):
        _inst, req = self.submit(self.make_approval_flow(self.alice, "any"))
        self.as_(self.alice, req).delegate(self.bob.id)
        self.assert_refused(req, self.bob, self.alice, "back to them.*delegation cycle")  # A→B→A
        self.as_(self.bob, req).delegate(self.carol.id)
        self.assert_refused(req, self.carol, self.alice, "back to them.*delegation cycle")  # A→B→C→A
        self.assert_refused(req, self.carol, self.bob, "back to them.*delegation cycle")  # A→B→C→B
        self.as_(self.carol, req).delegate(self.dave.id)
        self.assertEqual(req.assignment_ids.delegated_to, self.dave)

    def test_cycle_through_out_of_office_rules_is_refused(self):
        # Dave is away and his rule sends his approvals to Alice: Alice → Dave would come back to Alice
        self.Delegation.with_user(self.dave).create(self.rule_vals(self.dave, self.erin))
        self.Delegation.with_user(self.erin).create(self.rule_vals(self.erin, self.alice))
        _inst, req = self.submit(self.make_approval_flow(self.alice, "any"))
        self.assert_refused(req, self.alice, self.dave, "back to Alice Approver through out-of-office rules")

    def test_only_the_holder_delegates(self):
        _inst, req = self.submit(self.make_approval_flow(self.alice | self.bob, "sequential"))
        # Bob sees the request (he decides level 2) but has nothing in hand yet
        with self.assertRaisesRegex(AccessError, "no approval to delegate"):
            self.as_(self.bob, req).delegate(self.carol.id)
        # Dave does not even see it
        with self.assertRaises(AccessError):
            self.as_(self.dave, req).delegate(self.carol.id)
        self.assertFalse(req.assignment_ids.delegated_to)

    def test_valid_delegation_then_the_delegate_approves(self):
        inst, req = self.submit(self.make_approval_flow(self.alice | self.bob, "sequential"))
        self.as_(self.alice, req).delegate(self.carol.id, comment="At the farm fair")
        first = req.assignment_ids.filtered(lambda a: a.approver_id == self.alice)
        self.assertEqual((first.delegated_to, first.previous_holder_ids), (self.carol, self.alice))
        self.assertEqual(self.env["approval.request"].with_user(self.carol).get_my_pending_count(), 1)
        self.as_(self.carol, req).approve(comment="fine")
        self.assertEqual(first.decided_by, self.carol)
        self.as_(self.bob, req).approve()
        self.assertEqual(inst.current_state_id.code, "approved")
