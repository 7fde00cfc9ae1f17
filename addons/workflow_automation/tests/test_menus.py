from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestMenuBar(TransactionCase):
    """The Workflows app's menu bar holds a few sections, whatever the addons installed add.

    Every addon of the suite puts its screens in the engine's sections (My Work, Processes,
    Design, Reporting, Configuration): with fourteen screens side by side the bar overflowed
    into Odoo's "More" menu and people could not find them.
    """

    SECTIONS = ("My Work", "Processes", "Design", "Reporting", "Configuration")

    def visible_under_root(self, user):
        Menu = self.env["ir.ui.menu"].with_user(user)
        root = self.env.ref("workflow_automation.menu_workflow_root")
        visible = Menu.browse(Menu._visible_menu_ids()).with_user(user)
        top = visible.filtered(lambda m: m.parent_id == root)
        screens = visible.filtered(lambda m: m.action and m.parent_path.startswith(root.parent_path))
        return top, screens

    def test_manager_sees_sections_holding_every_screen(self):
        manager = new_test_user(
            self.env,
            login="menu_manager",
            groups="base.group_user,workflow_automation.group_workflow_manager",
        )
        top, screens = self.visible_under_root(manager)
        self.assertLessEqual(len(top), len(self.SECTIONS), top.mapped("name"))
        self.assertFalse(top.filtered("action"), "each entry of the bar is a section, not a screen")
        self.assertTrue(set(top.with_context(lang="en_US").mapped("name")) <= set(self.SECTIONS))
        for xmlid in (
            "workflow_automation.menu_my_approvals",
            "workflow_automation.menu_workflow_instances",
            "workflow_automation.menu_workflow_definitions",
            "workflow_automation.menu_workflow_history",
            "workflow_automation.menu_approval_requests",
            "workflow_automation.menu_approval_delegation",
            "workflow_automation.menu_workflow_import",
        ):
            self.assertIn(self.env.ref(xmlid), screens, xmlid)

    def test_user_opens_the_app_on_my_approvals(self):
        user = new_test_user(
            self.env, login="menu_user", groups="base.group_user,workflow_automation.group_workflow_user"
        )
        top, screens = self.visible_under_root(user)
        first = top.sorted(lambda m: (m.sequence, m.id))[:1]
        self.assertEqual(first, self.env.ref("workflow_automation.menu_workflow_my_work"))
        self.assertIn(self.env.ref("workflow_automation.menu_my_approvals"), screens)
        # a user who configures nothing sees no Configuration section
        self.assertNotIn(self.env.ref("workflow_automation.menu_workflow_config"), top)
