"""Approval events, written to the webhook outbox from the engine's extension points."""

from odoo import models


class ApprovalRequest(models.Model):
    _inherit = "approval.request"

    def _webhook_emit(self, code, **extra):
        Endpoint = self.env["workflow.webhook.endpoint"]
        for req in self.sudo():
            instance = req.instance_id
            workflow = instance.live_workflow_id or instance.workflow_id
            pending = req.assignment_ids.filtered(lambda a: a.status == "pending")
            data = {
                "request": {
                    "id": req.id,
                    "name": req.name,
                    "status": req.status,
                    "due_at": req.due_at and req.due_at.strftime("%Y-%m-%dT%H:%M:%SZ") or None,
                    "escalation_level": req.escalation_level,
                },
                "step": {"id": req.state_id.id, "code": req.state_id.code, "name": req.state_id.name},
                "instance": {"id": instance.id},
                "workflow": {"id": workflow.id, "code": workflow.code, "name": workflow.name},
                "record": {"model": req.model_name, "id": req.record_id, "name": req.record_name},
                "approvers": [
                    {
                        "id": (a.delegated_to or a.approver_id).id,
                        "name": (a.delegated_to or a.approver_id).name,
                    }
                    for a in pending
                ],
                "by": {"id": self.env.user.id, "name": self.env.user.name},
            }
            data.update(extra)
            Endpoint._emit(
                code,
                req.company_id,
                data,
                target=req,
                record=req._get_record() or None,
                workflow=workflow,
            )

    def _create_for(self, instance, state):
        request = super()._create_for(instance, state)
        request._webhook_emit("approval.requested")
        return request

    def _close(self, outcome):
        closed = super()._close(outcome)
        if closed and outcome in ("approved", "rejected"):
            decided = self.assignment_ids.filtered(lambda a: a.status in ("approved", "rejected"))
            self._webhook_emit(
                "approval.decided",
                outcome=outcome,
                decisions=[
                    {
                        "by": {"id": a.decided_by.id, "name": a.decided_by.name},
                        "decision": a.status,
                        "comment": a.comment or None,
                    }
                    for a in decided
                ],
            )
        return closed

    def _handle_deadline(self, now):
        level = self.escalation_level
        res = super()._handle_deadline(now)
        if self.escalation_level > level:
            self._webhook_emit(
                "approval.escalated",
                escalated_to={"id": self.escalated_to.id, "name": self.escalated_to.name},
            )
        return res
