"""Two approvers deciding at the same instant, on two real database connections."""
# pylint: disable=invalid-commit

import threading

from odoo import SUPERUSER_ID, Command, api, sql_db
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tests.common import get_db_name


@tagged("post_install", "-at_install")
class TestConcurrentDecisions(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db = sql_db.db_connect(get_db_name())
        with cls.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            users = env["res.users"].create(
                [
                    {
                        "name": f"Race approver {i}",
                        "login": f"race_approver_{i}",
                        "groups_id": [Command.set(env.ref("base.group_user").ids)],
                    }
                    for i in range(2)
                ]
            )
            cls.user_ids = users.ids
            cls.definition_id = env["workflow.definition"].import_json(
                {
                    "name": "Race",
                    "code": "RACE_APPROVAL",
                    "model": "res.partner",
                    "timeout_hours": 0,
                    "workflow_config": {
                        "states": [
                            {"code": "draft", "name": "Draft", "is_initial": True},
                            {
                                "code": "review",
                                "name": "Review",
                                "state_type": "approval",
                                "approval_config": {
                                    "approval_type": "any",
                                    "approvers": [{"type": "user", "id": uid} for uid in users.ids],
                                },
                            },
                            {"code": "ok", "name": "OK", "is_final": True},
                            {"code": "ko", "name": "KO", "is_final": True},
                        ],
                        "transitions": [
                            {"name": "Submit", "from": "draft", "to": "review"},
                            {"name": "Yes", "from": "review", "to": "ok", "trigger_type": "approval"},
                            {"name": "No", "from": "review", "to": "ko", "trigger_type": "rejection"},
                        ],
                    },
                }
            )
            partner = env["res.partner"].create({"name": "Race shop"})
            cls.partner_id = partner.id
            inst = env["workflow.instance"]._start(
                env["workflow.definition"].browse(cls.definition_id), partner
            )
            inst.fire(inst.workflow_id.transition_ids.filtered(lambda t: t.name == "Submit").id)
            cls.instance_id = inst.id
            cls.request_id = env["approval.request"].search([("instance_id", "=", inst.id)]).id
            cr.commit()

    @classmethod
    def tearDownClass(cls):
        with cls.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            inst = env["workflow.instance"].browse(cls.instance_id)
            env["approval.request"].search([("instance_id", "=", inst.id)]).unlink()
            inst.history_ids.unlink()
            inst.unlink()
            env["workflow.definition"].with_context(active_test=False).browse(cls.definition_id).unlink()
            env["mail.activity"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", cls.partner_id)]
            ).unlink()
            env["res.partner"].browse(cls.partner_id).unlink()
            env["res.users"].browse(cls.user_ids).unlink()
            cr.commit()
        super().tearDownClass()

    def test_two_approvers_same_instant_fire_once(self):
        barrier = threading.Barrier(2)
        outcomes = [None, None]

        def decide(index):
            with self.db.cursor() as cr:
                env = api.Environment(cr, self.user_ids[index], {"tracking_disable": True})
                request = env["approval.request"].browse(self.request_id)
                outcomes[index] = f"saw {request.status}"  # snapshot taken before either decides
                barrier.wait(timeout=10)
                try:
                    request.approve(comment=f"approver {index}")
                    cr.commit()
                    outcomes[index] = "approved"
                except UserError as exc:
                    cr.rollback()
                    outcomes[index] = str(exc)
                except Exception as exc:  # serialization failure: Odoo would retry the request
                    cr.rollback()
                    outcomes[index] = f"retry: {exc.__class__.__name__}"

        threads = [threading.Thread(target=decide, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(outcomes.count("approved"), 1, outcomes)
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            inst = env["workflow.instance"].browse(self.instance_id)
            self.assertEqual(inst.current_state_id.code, "ok")
            fired = inst.history_ids.filtered(lambda h: h.transition_id.name == "Yes")
            self.assertEqual(len(fired), 1, "the approval transition fired exactly once")
            request = env["approval.request"].browse(self.request_id)
            self.assertEqual(request.status, "approved")
            self.assertEqual(len(request.assignment_ids.filtered(lambda a: a.status == "approved")), 1)
