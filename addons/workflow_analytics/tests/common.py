from datetime import datetime

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.workflow_automation.tests.common import WorkflowCase


def T(day, hour, minute=0):
    """A UTC timestamp in March 2026 (day 2 is a Monday) or February for day > 20."""
    month = 2 if day > 20 else 3
    return datetime(2026, month, day, hour, minute)


class AnalyticsCase(WorkflowCase):
    """A constructed history with known timestamps (UTC, company calendar in UTC).

    Current period: Mon 2 - Sun 8 March 2026; previous period: 23 Feb - 1 March.

    A  draft 09:00 -> review 10:00 -> done 14:00 (2 March)                cycle  5 h
    B  draft 09:00 -> review 11:00 -> draft 12:00 -> review 13:00
       -> done 21:00 (2 March, sent back once: rework)                    cycle 12 h
    C  draft Fri 6 16:00 -> review 16:30 -> done Sun 8 20:00               cycle 52 h
    D  draft Fri 6 15:00 -> review 16:00 -> refused Mon 9 10:00 (after the period)
    E  draft Tue 3 09:00, cancelled 12:00
    F  draft Wed 4 08:00 -> review 09:00, still running, due Thu 5 08:00 (overdue),
       escalated Thu 5 09:00
    G  draft Mon 23 Feb 09:00 -> review 10:00 -> done 12:00 (previous period, cycle 3 h)
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.users"].browse(cls.env.uid).tz = "UTC"
        cls.env = cls.env(context=dict(cls.env.context, tz="UTC"))
        cls.company = cls.env.company
        calendar = cls.env["resource.calendar"].create({"name": "Dairy office (UTC)", "tz": "UTC"})
        cls.company.resource_calendar_id = calendar
        cls.manager.tz = "UTC"
        cls.paul = new_test_user(
            cls.env, login="wfa_paul", groups="base.group_user", name="Paul Approver", tz="UTC"
        )
        st = cls.states
        cls.send_back = cls.env["workflow.transition"].create(
            {
                "workflow_id": cls.definition.id,
                "name": "Send Back",
                "from_state_id": st["review"].id,
                "to_state_id": st["draft"].id,
                "sequence": 5,
            }
        )
        tr = cls.transitions
        cls.step = {
            ("draft", "review"): tr["Submit"],
            ("review", "done"): tr["Approve"],
            ("review", "refused"): tr["Refuse"],
            ("review", "draft"): cls.send_back,
        }
        cls.inst = {}
        mgr = cls.manager
        cls.make("A", [("draft", T(2, 9)), ("review", T(2, 10)), ("done", T(2, 14))], mgr)
        cls.make(
            "B",
            [
                ("draft", T(2, 9)),
                ("review", T(2, 11)),
                ("draft", T(2, 12)),
                ("review", T(2, 13)),
                ("done", T(2, 21)),
            ],
            mgr,
        )
        cls.make("C", [("draft", T(6, 16)), ("review", T(6, 16, 30)), ("done", T(8, 20))], mgr)
        cls.make("D", [("draft", T(6, 15)), ("review", T(6, 16)), ("refused", T(9, 10))], cls.paul)
        cls.make("E", [("draft", T(3, 9))], mgr, cancelled_at=T(3, 12))
        cls.make("F", [("draft", T(4, 8)), ("review", T(4, 9))], mgr, due_at=T(5, 8))
        cls.history(cls.inst["F"], "escalation", "review", "review", T(5, 9), mgr)
        cls.make("G", [("draft", T(23, 9)), ("review", T(23, 10)), ("done", T(23, 12))], mgr)

        # approvals: A (review) manager 4 h, Paul 1 h; B (review, 2nd visit) Paul rejected after 2 h,
        # the manager's vote delegated to Paul on 3 March
        Request = cls.env["approval.request"].sudo()
        r1 = Request.create(cls.request_vals("A", T(2, 10)))
        r2 = Request.create(cls.request_vals("B", T(2, 13)))
        Assignment = cls.env["approval.assignment"].sudo()
        Assignment.create(
            [
                cls.vote(r1, mgr, T(2, 10), T(2, 14), "approved"),
                cls.vote(r1, cls.paul, T(2, 10), T(2, 11), "approved"),
                cls.vote(r2, cls.paul, T(2, 13), T(2, 15), "rejected"),
                dict(
                    cls.vote(r2, mgr, T(2, 13), False, "skipped"),
                    delegated_to=cls.paul.id,
                    delegated_at=T(3, 13, 30),
                ),
            ]
        )
        cls.env.flush_all()
        cls.filters = {
            "date_from": "2026-03-02",
            "date_to": "2026-03-08",
            "workflow_ids": [cls.definition.id],
        }

    @classmethod
    def make(cls, key, path, user, cancelled_at=None, due_at=None):
        partner = cls.env["res.partner"].create({"name": f"Dairy shop {key}"})
        last_code, last_at = path[-1]
        final = cls.states[last_code].is_final
        status = "completed" if final else ("cancelled" if cancelled_at else "active")
        inst = (
            cls.env["workflow.instance"]
            .sudo()
            .create(
                {
                    "workflow_id": cls.definition.id,
                    "version": cls.definition.version,
                    "model_name": "res.partner",
                    "record_id": partner.id,
                    "record_name": partner.name,
                    "current_state_id": cls.states[last_code].id,
                    "status": status,
                    "started_at": path[0][1],
                    "state_entered_at": last_at,
                    "completed_at": last_at if final else cancelled_at or False,
                    "due_at": due_at or False,
                    "company_id": cls.company.id,
                    "started_by": user.id,
                }
            )
        )
        cls.inst[key] = inst
        previous = None
        for code, at in path:
            if previous is None:
                cls.history(inst, "start", None, code, at, user)
            else:
                cls.history(inst, "transition", previous, code, at, user, cls.step[(previous, code)])
            previous = code
        if cancelled_at:
            cls.history(inst, "cancel", previous, previous, cancelled_at, user)
        return inst

    @classmethod
    def history(cls, inst, action, from_code, to_code, at, user, transition=None):
        st = cls.states
        return (
            cls.env["workflow.history"]
            .sudo()
            .create(
                {
                    "instance_id": inst.id,
                    "action_type": action,
                    "from_state_id": st[from_code].id if from_code else False,
                    "from_state_name": st[from_code].name if from_code else False,
                    "to_state_id": st[to_code].id,
                    "to_state_name": st[to_code].name,
                    "transition_id": transition.id if transition else False,
                    "performed_by": user.id,
                    "performed_at": at,
                }
            )
        )

    @classmethod
    def request_vals(cls, key, at):
        inst = cls.inst[key]
        return {
            "instance_id": inst.id,
            "state_id": cls.states["review"].id,
            "model_name": inst.model_name,
            "record_id": inst.record_id,
            "record_name": inst.record_name,
            "requested_at": at,
            "company_id": cls.company.id,
            "requested_by": cls.manager.id,
        }

    @staticmethod
    def vote(request, user, notified, decided, status):
        return {
            "request_id": request.id,
            "approver_id": user.id,
            "status": status,
            "notified_at": notified,
            "decision_at": decided,
            "decided_by": user.id if decided else False,
        }

    @classmethod
    def other_company_user(cls):
        other = cls.env["res.company"].create({"name": "Hill Farm Cooperative"})
        return new_test_user(
            cls.env,
            login="wfa_other",
            groups="base.group_user,workflow_automation.group_workflow_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
            name="Olga Other Company",
        )
