from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import TemplateCase


@tagged("post_install", "-at_install")
class TestTemplateWalk(TemplateCase):
    """Every template whose apps are installed is used (roles mapped to fresh users) and walked
    from its initial state to each of its final states on a real record; the others are refused
    with a sentence naming the apps they need."""

    def test_walk_every_template(self):
        templates = self.Template.search([("file_path", "!=", False), ("active", "=", True)])
        self.assertTrue(templates, "no template file was loaded")
        walked = refused = paths = 0
        # the role users outside the rolled-back part: made once, shared by the templates
        users = {t.id: self.role_users(t) for t in templates if t.usable}
        for template in templates:
            with self.subTest(template=template.code, file=template.file_path):
                if template.usable:
                    with self.rolled_back():
                        paths += self.walk_template(template, users[template.id])
                    walked += 1
                else:
                    with self.assertRaisesRegex(UserError, "needs these apps, which are not installed"):
                        template.with_user(self.admin)._instantiate({}, {})
                    refused += 1
        self.assertEqual(walked + refused, len(templates))
        # the test database installs every app the templates need (scripts/test.sh)
        self.assertFalse(
            templates.filtered(lambda t: not t.usable).mapped("code"),
            "templates whose apps the test database lacks (add them to TEST_EXTRA_MODULES)",
        )
        self.assertGreaterEqual(paths, walked)
