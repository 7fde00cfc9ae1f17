"""Demo history: eight weeks of the demo workflows with waits that tell a story.

Onboardings wait longest in the cold-chain check and are sometimes sent back from
the credit review; credit reviews are approved quickly by the administrator and
slowly by the second approver.  Timestamps are relative to the install date.
"""

import random
from datetime import timedelta

from odoo import fields


def build_demo_history(env):
    onboarding = env.ref("workflow_automation.demo_wf_customer_onboarding", raise_if_not_found=False)
    credit = env.ref("workflow_automation.demo_wf_credit_review", raise_if_not_found=False)
    if not onboarding or not credit:
        return 0
    rng = random.Random(17)
    now = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
    admin = env.ref("base.user_admin")
    demo = env.ref("base.user_demo", raise_if_not_found=False) or admin
    partners = env["res.partner"].search([("is_company", "=", True)], limit=40) or env["res.partner"].search(
        [], limit=40
    )
    Instance, History = env["workflow.instance"].sudo(), env["workflow.history"].sudo()

    def states(definition):
        return {s.code: s for s in definition.state_ids}

    def transition(definition, a, b):
        return definition.transition_ids.filtered(
            lambda t: t.from_state_id.code == a and t.to_state_id.code == b
        )[:1]

    def build(definition, path, start, user):
        st = states(definition)
        at = start
        stamps = []
        for code, hours in path:
            stamps.append((code, at))
            at = at + timedelta(hours=hours)
        last_code, last_at = stamps[-1]
        running = last_at > now or not st[last_code].is_final
        stamps = [(c, t) for c, t in stamps if t <= now]
        last_code, last_at = stamps[-1]
        final = st[last_code].is_final
        partner = partners[rng.randrange(len(partners))]
        inst = Instance.create(
            {
                "workflow_id": definition.id,
                "version": definition.version,
                "model_name": "res.partner",
                "record_id": partner.id,
                "record_name": partner.display_name,
                "current_state_id": st[last_code].id,
                "status": "completed" if final and not running else "active",
                "started_at": stamps[0][1],
                "state_entered_at": last_at,
                "completed_at": last_at if final else False,
                "due_at": stamps[0][1] + timedelta(hours=definition.timeout_hours)
                if definition.timeout_hours
                else False,
                "company_id": definition.company_id.id,
                "started_by": user.id,
            }
        )
        previous = None
        for code, t in stamps:
            History.create(
                {
                    "instance_id": inst.id,
                    "action_type": "start" if previous is None else "transition",
                    "from_state_id": st[previous].id if previous else False,
                    "from_state_name": st[previous].name if previous else False,
                    "to_state_id": st[code].id,
                    "to_state_name": st[code].name,
                    "transition_id": transition(definition, previous, code).id if previous else False,
                    "performed_by": user.id,
                    "performed_at": t,
                    "comment": "demo history",
                }
            )
            previous = code
        return inst, stamps

    count = 0
    for _i in range(45):
        start = now - timedelta(days=rng.uniform(1, 56), hours=rng.randrange(8))
        path = [("new", rng.uniform(0.5, 6)), ("cold_chain", rng.uniform(12, 70))]
        if rng.random() < 0.2:  # sent back: a second cold-chain check
            path += [("credit_review", rng.uniform(2, 10)), ("cold_chain", rng.uniform(6, 30))]
        path += [("credit_review", rng.uniform(2, 20)), ("refused" if rng.random() < 0.15 else "active", 0)]
        build(onboarding, path, start, admin)
        count += 1
    review_state = states(credit)["review"]
    for _i in range(30):
        start = now - timedelta(days=rng.uniform(1, 56))
        admin_h, demo_h = rng.uniform(0.5, 4), rng.uniform(6, 40)
        ok = rng.random() < 0.8
        inst, stamps = build(
            credit,
            [("requested", 0.1), ("review", admin_h + demo_h), ("granted" if ok else "refused", 0)],
            start,
            admin,
        )
        entered = dict(stamps).get("review")
        if not entered:
            continue
        request = (
            env["approval.request"]
            .sudo()
            .create(
                {
                    "instance_id": inst.id,
                    "state_id": review_state.id,
                    "model_name": "res.partner",
                    "record_id": inst.record_id,
                    "record_name": inst.record_name,
                    "approval_type": "sequential",
                    "requested_at": entered,
                    "company_id": inst.company_id.id,
                    "requested_by": admin.id,
                    "status": "pending" if inst.status == "active" else ("approved" if ok else "rejected"),
                    "completed_at": inst.completed_at,
                }
            )
        )
        first_done = entered + timedelta(hours=admin_h)
        votes = [
            {
                "request_id": request.id,
                "approver_id": admin.id,
                "level": 1,
                "status": "approved" if first_done <= now else "pending",
                "notified_at": entered,
                "decision_at": first_done if first_done <= now else False,
                "decided_by": admin.id if first_done <= now else False,
            }
        ]
        if first_done <= now:
            done = inst.status == "completed"
            votes.append(
                {
                    "request_id": request.id,
                    "approver_id": demo.id,
                    "level": 2,
                    "status": ("approved" if ok else "rejected") if done else "pending",
                    "notified_at": first_done,
                    "decision_at": inst.completed_at if done else False,
                    "decided_by": demo.id if done else False,
                }
            )
        env["approval.assignment"].sudo().create(votes)
        count += 1
    return count
