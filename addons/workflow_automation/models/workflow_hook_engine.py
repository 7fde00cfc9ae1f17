"""Workflow triggers: start instances and re-check conditions as target records change."""

from odoo import _, api, fields, models

from .workflow_instance import BUSY_CONTEXT


class WorkflowHook(models.AbstractModel):
    _inherit = "workflow.hook"

    @api.model
    def _hook_watched(self):
        res = super()._hook_watched()
        definitions = self.env["workflow.definition"].sudo().with_context(active_test=False).search([])
        for definition in definitions:
            events = res.setdefault(definition.model_name, set())
            events.update({"write", "unlink"})
            if definition.active and definition.trigger_type in ("on_create", "on_condition"):
                events.add("create")
        return res

    @api.model
    def _workflow_definitions(self, model_name, triggers):
        if "workflow.definition" not in self.env:
            return []
        return (
            self.env["workflow.definition"]
            .sudo()
            .search(
                [
                    ("model_name", "=", model_name),
                    ("trigger_type", "in", triggers),
                    ("current_version_id", "=", False),
                ]
            )
        )

    @api.model
    def _hook_after_create(self, records):
        res = super()._hook_after_create(records)
        if self.env.context.get("workflow_in_action"):
            return res
        for definition in self._workflow_definitions(records._name, ("on_create", "on_condition")):
            matched = definition._trigger_matching(records)
            if matched:
                self.env["workflow.instance"]._start(
                    definition, matched.with_env(records.env), from_trigger=True
                )
        return res

    @api.model
    def _hook_before_write(self, records, vals):
        pre = super()._hook_before_write(records, vals)
        definitions = self._workflow_definitions(records._name, ("on_condition",))
        if definitions and not self.env.context.get("workflow_in_action"):
            pre["workflow"] = {
                d.id: set((d._trigger_matching(records) or records.browse()).ids) for d in definitions
            }
        return pre

    @api.model
    def _hook_after_write(self, records, vals, pre):
        res = super()._hook_after_write(records, vals, pre)
        Instance = self.env["workflow.instance"]
        if not self.env.context.get("workflow_in_action"):
            before = pre.get("workflow", {})
            for definition in self._workflow_definitions(records._name, ("on_write", "on_condition")):
                matched = definition._trigger_matching(records)
                if matched is None:
                    continue
                if definition.trigger_type == "on_condition":
                    was_matching = before.get(definition.id, set())
                    matched = matched.filtered(lambda r, ids=was_matching: r.id not in ids)
                if matched:
                    Instance._start(definition, matched.with_env(records.env), from_trigger=True)
        running = Instance.sudo().search(
            [
                ("model_name", "=", records._name),
                ("record_id", "in", records.ids),
                ("status", "=", "active"),
                ("id", "not in", self.env.context.get(BUSY_CONTEXT, [])),
            ]
        )
        running._run_condition_transitions()
        return res

    @api.model
    def _hook_before_unlink(self, records):
        pre = super()._hook_before_unlink(records)
        running = (
            self.env["workflow.instance"]
            .sudo()
            .search(
                [
                    ("model_name", "=", records._name),
                    ("record_id", "in", records.ids),
                    ("status", "=", "active"),
                ]
            )
        )
        if running:
            pre["workflow"] = running.ids
        return pre

    @api.model
    def _hook_after_unlink(self, model_name, ids, pre):
        res = super()._hook_after_unlink(model_name, ids, pre)
        instances = self.env["workflow.instance"].sudo().browse(pre.get("workflow", []))
        now = fields.Datetime.now()
        for inst in instances:
            inst._leave_state_hook(inst.current_state_id)
            inst.write({"status": "cancelled", "completed_at": now, "state_due_at": False})
            inst._history(
                "cancel", inst.current_state_id, inst.current_state_id, comment=_("The record was deleted.")
            )
            inst.message_post(body=_("Cancelled: %s was deleted.", inst.record_name or ""))
        return res
