import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.bus.models.bus import channel_with_db, json_dump

from .common import SaleApprovalCase, web_form_read


class ApproverDayCase(SaleApprovalCase):
    def submitted(self, amount=150000, user=None):
        order = self.make_order(amount, user=user)
        order.with_user(user or self.salesman).action_request_approval()
        return order

    def bus_events(self, user):
        """The systray's bus notifications sent to ``user`` (what makes their counter refresh)."""
        rows = (
            self.env["bus.bus"]
            .sudo()
            .search([("channel", "=", json_dump(channel_with_db(self.env.cr.dbname, user.partner_id)))])
        )
        messages = [json.loads(r.message) for r in rows]
        return [m["payload"]["event"] for m in messages if m["type"] == "workflow_automation/approvals"]

    def open_form_as(self, order, user):
        """Load the order's form as ``user`` does in the browser: the view, then every field it shows."""
        return web_form_read(order, user)


@tagged("post_install", "-at_install")
class TestApproverReadsDocument(ApproverDayCase):
    def test_finance_approver_reads_the_order_but_cannot_write_it(self):
        """Frank has no Sales rights: assigned at level 2, he opens the whole order form, read only."""
        order = self.submitted()
        self.request_of(order).with_user(self.sales_manager).approve(comment="fine")
        data = self.open_form_as(order, self.finance)
        self.assertEqual(data["name"], order.name)
        self.assertEqual(data["approval_band_id"]["display_name"], self.band_finance.display_name)
        self.assertEqual(len(data["order_line"]), 1)
        self.assertIn("Whole milk", data["order_line"][0]["product_id"]["display_name"])
        as_finance = order.with_user(self.finance)
        with self.assertRaises(AccessError):
            as_finance.write({"note": "approved, change the terms"})
        with self.assertRaises(AccessError):
            as_finance.order_line.write({"price_unit": 1.0})
        with self.assertRaises(AccessError):
            as_finance.copy()
        with self.assertRaises(AccessError):
            as_finance.unlink()

    def test_finance_reads_before_his_turn_and_after_deciding(self):
        order = self.submitted()
        self.assertEqual(order.with_user(self.finance).read(["name"])[0]["name"], order.name)
        self.request_of(order).with_user(self.sales_manager).approve()
        self.request_of(order).with_user(self.finance).approve()
        self.assertEqual(order.with_user(self.finance).read(["state"])[0]["state"], "sale")

    def test_delegate_reads_the_order(self):
        deputy = new_test_user(self.env, login="so_deputy", groups="base.group_user", name="Dora Deputy")
        order = self.submitted()
        self.request_of(order).with_user(self.sales_manager).approve()
        with self.assertRaises(AccessError):
            order.with_user(deputy).read(["name"])
        self.request_of(order).with_user(self.finance).delegate(deputy.id, comment="on leave")
        self.assertEqual(order.with_user(deputy).read(["name"])[0]["name"], order.name)
        with self.assertRaises(AccessError):
            order.with_user(deputy).write({"note": "x"})

    def test_user_without_assignment_still_cannot_read(self):
        stranger = new_test_user(
            self.env, login="so_stranger", groups="base.group_user", name="Stan Stranger"
        )
        other_salesman = new_test_user(
            self.env, login="so_salesman2", groups="sales_team.group_sale_salesman", name="Sue Salesman"
        )
        order = self.submitted()
        for user in (stranger, other_salesman):
            with self.subTest(user=user.name), self.assertRaises(AccessError):
                order.with_user(user).read(["name"])
            with self.subTest(user=user.name), self.assertRaises(AccessError):
                order.order_line.with_user(user).read(["name"])
            self.assertNotIn(order, self.env["sale.order"].with_user(user).search([]))
        # the salesman still sees (and edits) his own orders: the rules are OR-ed, not narrowed
        mine = self.env["sale.order"].with_user(self.salesman).search([("id", "=", order.id)])
        self.assertEqual(mine, order)

    def test_accounting_still_reads_every_order(self):
        """The approvers' rule must not narrow what Odoo lets billing users read."""
        billing = new_test_user(
            self.env, login="so_billing", groups="account.group_account_invoice", name="Bill Billing"
        )
        order = self.make_order(150000)
        self.assertEqual(order.with_user(billing).read(["name"])[0]["name"], order.name)
        self.assertEqual(order.order_line.with_user(billing).read(["price_unit"])[0]["price_unit"], 150000)

    def test_engine_helper_is_the_domain_of_my_assignments(self):
        order = self.submitted()
        other = self.submitted(60000)
        SaleOrder = self.env["sale.order"]
        mine = SaleOrder.with_user(self.finance).search([("workflow_approval_mine", "=", True)])
        self.assertEqual(mine, order | other)
        self.assertFalse(SaleOrder.with_user(self.gm).search([("workflow_approval_mine", "=", True)]))
        self.assertTrue(order.with_user(self.finance).workflow_approval_mine)
        self.assertFalse(order.with_user(self.gm).workflow_approval_mine)


@tagged("post_install", "-at_install")
class TestDecideInOnePlace(ApproverDayCase):
    def test_summary_facts(self):
        order = self.submitted()
        request = self.request_of(order).with_user(self.sales_manager)
        self.assertEqual(request.summary_amount, 150000)
        self.assertEqual(request.summary_currency_id, order.currency_id)
        self.assertEqual(request.summary_partner_id, self.customer)
        self.assertEqual(request.summary_user_id, self.salesman)
        self.assertIn("1 × Whole milk 1L (crate of 12)", request.summary_lines)
        self.assertEqual(request.level_text, "Level 1 of 2 — Sales manager (Sofia Sales Manager)")
        self.assertTrue(request.waiting_text)
        second = new_test_user(self.env, login="so_manager2", groups="base.group_user", name="Max Manager")
        self.manager_group.users = self.sales_manager | second
        order2 = self.submitted(60000)
        self.assertEqual(self.request_of(order2).level_text, "Level 1 of 2 — Sales manager (any one of 2)")
        # the finance approver, who cannot read the document before the engine says so, sees the facts
        request.approve()
        as_finance = self.request_of(order).with_user(self.finance)
        self.assertEqual(as_finance.level_text, "Level 2 of 2 — Finance (Frank Finance)")
        self.assertEqual(as_finance.summary_amount, 150000)

    def test_my_approvals_is_a_flat_list_by_urgency(self):
        action = self.env.ref("workflow_automation.action_my_approvals")
        self.assertNotIn("group", action.context)
        kanban = self.env["approval.request"].get_views([(False, "kanban")])["views"]["kanban"]["arch"]
        self.assertNotIn("default_group_by", kanban)
        self.assertTrue(self.env["approval.request"]._order.startswith("due_at"))

    def test_buttons_on_the_document_only_for_whose_turn_it_is(self):
        order = self.submitted()
        arch = self.env["sale.order"].with_user(self.sales_manager).get_views([(False, "form")])
        arch = arch["views"]["form"]["arch"]
        for name in ("action_workflow_approve", "action_workflow_reject", "action_workflow_delegate"):
            self.assertIn(f'name="{name}"', arch)
        request = self.request_of(order)
        self.assertEqual(order.with_user(self.sales_manager).workflow_my_request_id, request)
        for user in (self.salesman, self.finance, self.gm):
            with self.subTest(user=user.name):
                self.assertFalse(order.with_user(user).workflow_my_request_id)
        with self.assertRaisesRegex(UserError, "Nothing on .* waits for your decision"):
            order.with_user(self.salesman).action_workflow_approve()
        self.env["bus.bus"].sudo().search([]).unlink()
        result = order.with_user(self.sales_manager).action_workflow_approve()
        self.env.cr.precommit.run()  # the bus rows are written just before commit
        self.assertEqual(self.bus_events(self.sales_manager), ["decided"], "the decider's counter refreshes")
        self.assertEqual(self.bus_events(self.finance), ["assigned"], "and the next approver's")
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(
            result["params"]["message"], "Approved — now waiting for Frank Finance (level 2 of 2)"
        )
        self.assertEqual(result["params"]["next"]["tag"], "soft_reload")
        self.assertFalse(order.with_user(self.sales_manager).workflow_my_request_id)
        self.assertEqual(order.with_user(self.finance).workflow_my_request_id, request)
        wizard = order.with_user(self.finance).action_workflow_reject()
        self.assertEqual(wizard["res_model"], "approval.decision.wizard")
        self.assertEqual(wizard["context"]["default_request_ids"], request.ids)
        result = order.with_user(self.finance).action_workflow_approve()
        self.assertEqual(result["params"]["message"], f"Approved — {order.name} is now Approved")
        self.assertEqual(order.state, "sale")

    def test_mass_decision_skips_what_does_not_wait_for_me(self):
        first, second = self.submitted(), self.submitted(60000)
        self.request_of(first).with_user(self.sales_manager).approve()
        requests = self.request_of(first) | self.request_of(second)
        wizard = (
            self.env["approval.decision.wizard"]
            .with_user(self.sales_manager)
            .create({"request_ids": [(6, 0, requests.ids)], "decision": "approve"})
        )
        result = wizard.action_confirm()
        message = result["params"]["message"]
        self.assertIn(f"Skipped, not waiting for your decision: {self.request_of(first).name}.", message)
        self.assertEqual(result["params"]["type"], "warning")
        self.assertEqual(self.request_of(second).current_level, 2, "the one waiting for me was approved")
        self.assertEqual(self.request_of(first).current_level, 2, "the other was left as it was")
        wizard = (
            self.env["approval.decision.wizard"]
            .with_user(self.sales_manager)
            .create({"request_ids": [(6, 0, requests.ids)], "decision": "approve"})
        )
        with self.assertRaisesRegex(UserError, "None of the selected requests waits for your decision"):
            wizard.action_confirm()

    def test_banner_says_submitted_approved_rejected(self):
        reason = self.env.ref("workflow_automation.rejection_reason_credit")
        self.company.sale_approval_auto_confirm = False
        order = self.submitted()
        self.assertEqual(
            order.approval_banner,
            "Submitted for approval by Sam Salesman — now waiting for Sofia Sales Manager (level 1 of 2).",
        )
        self.request_of(order).with_user(self.sales_manager).approve()
        self.request_of(order).with_user(self.finance).reject(
            comment="Three invoices overdue", reason_id=reason.id
        )
        order.invalidate_recordset()
        self.assertEqual(
            order.approval_banner,
            "Rejected by Frank Finance (reason: Customer credit risk): Three invoices overdue. "
            "Change the quotation and request approval again.",
        )
        self.assertTrue(order.workflow_rejected, "a rejected workflow is not shown as a success")
        self.assertTrue(order.workflow_instance_id.ended_rejected)
        approved = self.submitted(20000)
        self.request_of(approved).with_user(self.sales_manager).approve()
        approved.invalidate_recordset()
        self.assertEqual(approved.approval_banner, "Approved by Sofia Sales Manager.")
        self.assertFalse(approved.workflow_rejected)


@tagged("post_install", "-at_install")
class TestWordsForPeople(ApproverDayCase):
    def test_chatter_uses_the_buttons_words(self):
        order = self.submitted()
        self.request_of(order).with_user(self.sales_manager).approve(comment="OK for this customer")
        self.request_of(order).with_user(self.finance).approve()
        bodies = order.message_ids.sorted("id").mapped("body")
        text = "\n".join(bodies)
        self.assertIn("Requested approval — now waiting for Sofia Sales Manager (level 1 of 2).", text)
        self.assertIn("Approved by Sofia Sales Manager (level 1 of 2): OK for this customer", text)
        self.assertIn("Approved by Frank Finance (level 2 of 2)", text)
        for engine_words in ("started in state", "To-Do done", "Approve:", "→", "Workflow"):
            self.assertNotIn(engine_words, text)
        self.assertEqual(sum("Approved by Sofia" in b for b in bodies), 1, "the decision is said once")
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", order.id)]
        )
        self.assertFalse(activities, "the approval to-dos are gone")

    def test_people_without_an_email_address_still_request_and_decide(self):
        # the company's notification address sends the approvers' to-do mails (Odoo's own setting)
        self.company.alias_domain_id = self.env["mail.alias.domain"].create(
            {"name": "dairy.example.com", "default_from": "notifications"}
        )
        (self.salesman | self.sales_manager | self.finance).partner_id.write({"email": False})
        order = self.submitted()
        self.request_of(order).with_user(self.sales_manager).approve()
        self.request_of(order).with_user(self.finance).approve()
        self.assertEqual(order.approval_state, "approved")
        requested = order.message_ids.filtered(lambda m: "Requested approval" in (m.body or ""))
        self.assertEqual(requested.author_id, self.salesman.partner_id, "posted in the salesman's name")

    def test_decision_on_behalf_and_rejection_reason(self):
        deputy = new_test_user(self.env, login="so_deputy2", groups="base.group_user", name="Dora Deputy")
        reason = self.env.ref("workflow_automation.rejection_reason_credit")
        order = self.submitted()
        self.request_of(order).with_user(self.sales_manager).approve()
        self.request_of(order).with_user(self.finance).delegate(deputy.id)
        self.request_of(order).with_user(deputy).reject(comment="Overdue invoices", reason_id=reason.id)
        text = "\n".join(order.message_ids.mapped("body"))
        self.assertIn(
            "Rejected by Dora Deputy on behalf of Frank Finance (level 2 of 2, reason: Customer credit risk): "
            "Overdue invoices",
            text,
        )

    def test_top_band_reads_and_above(self):
        self.assertTrue(self.band_gm.display_name.endswith("and above"), self.band_gm.display_name)
        self.assertNotIn("Up to", self.band_gm.display_name)
        arch = self.env["sale.approval.matrix"].get_views([(False, "list")])["views"]["list"]["arch"]
        self.assertIn('name="name"', arch)
        self.assertNotIn("editable", arch, "bands are edited in their form, where 0 reads 'and above'")
