import json
import os
import shutil
import tempfile

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.workflow_automation.tools import definition_json

from ..models.workflow_template import template_files
from ..tools import template_format as fmt
from .common import TemplateCase


@tagged("post_install", "-at_install")
class TestTemplateLoad(TemplateCase):
    def test_every_file_is_loaded_and_passes_its_check(self):
        """Every file parses and its document (defaults, default roles) passes the importer's
        shape check here; the full import (model, fields, actions, approvers, state machine) of
        every usable template is the first step of its walk (test_walk), of the others at load."""
        files = template_files()
        self.assertTrue(files)
        codes = set()
        problems = []
        for path in files:
            rel = path.split("/data/templates/", 1)[-1]
            with open(path, encoding="utf-8") as handle:
                try:
                    data = fmt.parse(handle.read())
                    meta = data["template"]
                    doc = fmt.build_document(
                        data, meta["code"], fmt.default_values(meta), self.Template._default_roles(meta)
                    )
                    definition_json.load(doc)
                except ValidationError as exc:
                    problems.append(f"{rel}: {exc.args[0]}")
                    continue
            code = meta["code"]
            self.assertNotIn(code, codes, f"{rel}: code {code} used twice")
            codes.add(code)
            self.assertEqual(
                os.path.basename(path), f"{code.lower()}.json", f"{rel}: the file is named after the code"
            )
            self.assertEqual(
                os.path.basename(os.path.dirname(path)), meta["category"], f"{rel}: folder = category"
            )
        self.assertFalse(problems, "\n".join(problems))
        loaded = self.Template.search([("file_path", "!=", False), ("active", "=", True)])
        self.assertEqual(set(loaded.mapped("code")), codes)
        self.assertFalse(loaded.filtered("check_error").mapped("code"))
        self.assertTrue(all(t.state_count >= 2 and t.state_summary for t in loaded))

    def test_broken_template_names_the_path(self):
        data = self.template("SALES_ORDER_APPROVAL")._file_data()
        data["definition"]["workflow_config"]["transitions"][1]["to"] = "nowhere"
        error = self.Template._check_data(data)
        self.assertIn("$.workflow_config.transitions[1].to", error)
        self.assertIn("no state with code nowhere", error)
        data = self.template("SALES_ORDER_APPROVAL")._file_data()
        data["definition"]["workflow_config"]["transitions"][1]["domain"] = (
            "[('amount_untaxed', '<', {{limit}})]"
        )
        with self.assertRaisesRegex(
            ValidationError, r"\$\.definition\.workflow_config\.transitions\[1\]\.domain"
        ):
            fmt.parse(data)
        data = self.template("SALES_ORDER_APPROVAL")._file_data()
        data["definition"]["workflow_config"]["states"][2]["approval_config"]["approvers"] = [
            {"type": "role", "role": "ceo"}
        ]
        with self.assertRaisesRegex(ValidationError, "role ceo is not declared"):
            fmt.parse(data)
        # a field the model lacks: the importer's own check, through the template
        data = self.template("SALES_ORDER_APPROVAL")._file_data()
        data["definition"]["workflow_config"]["actions"][0] = {
            "id": "note_approved",
            "type": "update_field",
            "field": "no_such_field",
            "value": 1,
        }
        self.assertIn("sale.order has no writable field no_such_field", self.Template._check_data(data))

    def test_placeholders(self):
        meta = {
            "parameters": [
                {"key": "threshold", "name": "T", "type": "float", "default": 10000},
                {"key": "days", "name": "D", "type": "days", "default": 3},
            ]
        }
        values = fmt.default_values(meta)
        out = fmt.substitute(
            {
                "a": "{{threshold}}",
                "b": "[('amount_total', '>=', {{threshold}})]",
                "c": "{{ days }}",
                "d": ["x{{days}}"],
            },
            values,
        )
        self.assertEqual(out, {"a": 10000.0, "b": "[('amount_total', '>=', 10000.0)]", "c": 3, "d": ["x3"]})
        with self.assertRaisesRegex(ValidationError, "needs a whole number"):
            fmt.typed(meta["parameters"][1], 2.5, "$")
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            fmt.typed(meta["parameters"][0], -1, "$")

    def test_upgrade_refreshes_templates_never_definitions(self):
        template = self.template("SALES_ORDER_APPROVAL")
        definition = template.with_user(self.admin)._instantiate(
            {"threshold": 2500}, {"sales_manager": {"users": self.manager}}
        )
        definition.write({"name": "Our own order approval", "description": "changed by the company"})
        state = definition.state_ids.filtered(lambda s: s.code == "approval")
        state.name = "Sales director approval"
        template.sudo().write({"name": "Tampered", "state_count": 99, "active": False})
        before = json.dumps(definition.export_json(), sort_keys=True)
        # what an upgrade runs (on the file of this template only: one check instead of all)
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, "sales"))
            shutil.copy(
                template_files()[
                    [p.endswith("/sales_order_approval.json") for p in template_files()].index(True)
                ],
                os.path.join(root, "sales"),
            )
            self.Template._load_template_files(root)
        self.assertTrue(template.active)
        self.assertEqual(template.name, "Sales order approval by amount")
        self.assertEqual(template.state_count, 5)
        definition.invalidate_recordset()
        self.assertEqual(json.dumps(definition.export_json(), sort_keys=True), before)
        self.assertEqual(definition.name, "Our own order approval")
        self.assertIn("2500.0", definition.transition_ids.mapped("condition_domain")[1])

    def test_loader_creates_missing_and_archives_removed(self):
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, "quality"))
            data = self.template("HACCP_DEVIATION")._file_data()
            data["template"]["code"] = "HACCP_COPY"
            with open(os.path.join(root, "quality", "haccp_copy.json"), "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            broken = dict(data, template=dict(data["template"], code="BROKEN_ONE", category="cheese"))
            with open(os.path.join(root, "quality", "broken_one.json"), "w", encoding="utf-8") as handle:
                json.dump(broken, handle)
            with self.assertLogs("odoo.addons.workflow_templates.models.workflow_template", "ERROR") as logs:
                count = self.Template._load_template_files(root)
        self.assertEqual(count, 1)
        self.assertIn("$.template.category", logs.output[0])
        self.assertTrue(self.template("HACCP_COPY").active)
        self.assertFalse(self.Template.search([("code", "=", "BROKEN_ONE")]))
        # the real files are not in that folder: their templates are archived (an upgrade that
        # finds the file again brings it back: test_upgrade_refreshes_templates_never_definitions)
        self.assertFalse(self.template("HACCP_DEVIATION").active)

    def test_missing_modules_refused_with_a_sentence(self):
        template = self.template("SALES_ORDER_APPROVAL")
        template.sudo().modules = "sale_management, quality_control_dairy"
        self.assertFalse(template.usable)
        self.assertEqual(template.missing_modules, "quality_control_dairy")
        self.assertNotIn(template, self.Template.search([("usable", "=", True)]))
        with self.assertRaisesRegex(
            UserError,
            "The template Sales order approval by amount needs these apps, which are not installed: "
            "quality_control_dairy",
        ):
            template.with_user(self.manager).action_use()
