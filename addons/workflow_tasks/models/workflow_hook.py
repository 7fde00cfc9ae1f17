from odoo import api, models
from odoo.tools import sql

from .task_automation_rule import HOOK_TRIGGERS

PRE_KEY = "workflow_tasks"


class WorkflowHook(models.AbstractModel):
    """Record created / updated / condition triggers, and closing tasks as their records change."""

    _inherit = "workflow.hook"

    @api.model
    def _hook_watched(self):
        res = super()._hook_watched()
        if not sql.table_exists(self.env.cr, "task_automation_rule"):
            return res
        self.env["task.automation.rule"].flush_model(["model_name", "active"])
        self.env.cr.execute(
            "SELECT DISTINCT model_name FROM task_automation_rule WHERE active AND model_name IS NOT NULL"
        )
        for (model_name,) in self.env.cr.fetchall():
            res.setdefault(model_name, set()).update({"create", "write", "unlink"})
        return res

    @api.model
    def _task_rules(self, model_name, triggers=HOOK_TRIGGERS):
        if model_name.startswith("task.automation.") or model_name in ("mail.activity", "ir.model"):
            return None
        rules = self.env["task.automation.rule"].sudo().search([("model_name", "=", model_name)])
        return rules if rules else None

    @api.model
    def _hook_after_create(self, records):
        res = super()._hook_after_create(records)
        rules = records and self._task_rules(records._name)
        if rules:
            rules.filtered(lambda r: r.trigger in ("create", "condition"))._fire(records)
        return res

    @api.model
    def _hook_before_write(self, records, vals):
        pre = super()._hook_before_write(records, vals)
        rules = self._task_rules(records._name)
        if not rules:
            return pre
        matched = {}
        for rule in rules:
            if rule.trigger == "write" and rule._domain("pre_domain"):
                matched[rule.id] = set(rule._filter(records.sudo(), "pre_domain").ids)
            elif rule.trigger == "condition":
                matched[rule.id] = set(rule._filter(records.sudo(), "domain").ids)
        pre[PRE_KEY] = matched
        return pre

    @api.model
    def _hook_after_write(self, records, vals, pre):
        res = super()._hook_after_write(records, vals, pre)
        rules = records and self._task_rules(records._name)
        if not rules:
            return res
        matched = pre.get(PRE_KEY, {})
        for rule in rules:
            if rule.trigger == "write":
                if rule.trigger_field_ids and not set(vals) & set(rule.trigger_field_ids.mapped("name")):
                    continue
                recs = records
                if rule.id in matched:
                    recs = records.filtered(lambda r, ids=matched[rule.id]: r.id in ids)
                rule._fire(recs)
            elif rule.trigger == "condition":
                before = matched.get(rule.id, set())
                rule._fire(records.filtered(lambda r, ids=before: r.id not in ids))
        self.env["task.automation.task"]._check_records(records._name, records.ids)
        return res

    @api.model
    def _hook_after_unlink(self, model_name, ids, pre):
        res = super()._hook_after_unlink(model_name, ids, pre)
        if ids and self._task_rules(model_name):
            self.env["task.automation.task"]._records_deleted(model_name, ids)
        return res
