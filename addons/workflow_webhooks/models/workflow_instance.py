"""Workflow events, written to the webhook outbox from the engine's extension points."""

from odoo import models

TRANSITION_CONTEXT = "workflow_webhooks_transition"


def _ref(rec, *names):
    return {name: rec[name] for name in ("id", *names)} if rec else None


class WorkflowInstance(models.Model):
    _inherit = "workflow.instance"

    def _webhook_data(self, **extra):
        self.ensure_one()
        workflow = self.live_workflow_id or self.workflow_id
        user = self.env.user
        data = {
            "instance": {"id": self.id, "status": self.status},
            "workflow": {
                "id": workflow.id,
                "code": workflow.code,
                "name": workflow.name,
                "version": self.version,
            },
            "record": {"model": self.model_name, "id": self.record_id, "name": self.record_name},
            "state": _ref(self.current_state_id, "code", "name"),
            "by": {"id": user.id, "name": user.name},
        }
        data.update(extra)
        return data

    def _webhook_emit(self, code, state=None, **extra):
        Endpoint = self.env["workflow.webhook.endpoint"]
        for inst in self:
            Endpoint._emit(
                code,
                inst.company_id,
                inst._webhook_data(**extra),
                target=inst,
                record=inst._get_record() or None,
                workflow=inst.live_workflow_id or inst.workflow_id,
                state=state,
            )

    def _apply_transition(self, transition, record, comment=None, action_type="transition"):
        moves = dict(self.env.context.get(TRANSITION_CONTEXT) or {})
        moves[self.id] = (self.current_state_id.id, transition.id, comment, action_type)
        return super(WorkflowInstance, self.with_context(**{TRANSITION_CONTEXT: moves}))._apply_transition(
            transition, record, comment=comment, action_type=action_type
        )

    def _enter_state_hook(self, state):
        move = (self.env.context.get(TRANSITION_CONTEXT) or {}).get(self.id)
        if move:
            from_id, transition_id, comment, action_type = move
            States = self.env["workflow.state"].sudo()
            self._webhook_emit(
                "workflow.transitioned",
                from_state=_ref(States.browse(from_id), "code", "name"),
                transition=_ref(self.env["workflow.transition"].sudo().browse(transition_id), "name"),
                trigger=action_type,
                comment=comment or None,
            )
        else:
            self._webhook_emit("workflow.started")
        self._webhook_emit("workflow.state_entered", state=state)
        if self.status == "completed":
            self._webhook_emit("workflow.completed")
        return super()._enter_state_hook(state)

    def _record_error(self, exc):
        res = super()._record_error(exc)
        for inst in self:
            inst._webhook_emit("workflow.failed", error=inst.error_message)
        return res

    def _cancel_system(self, reason=None):
        running = self.sudo().filtered(lambda i: i.status in ("active", "error", "timeout"))
        res = super()._cancel_system(reason=reason)
        running.filtered(lambda i: i.status == "cancelled")._webhook_emit(
            "workflow.cancelled", comment=reason or None
        )
        return res
