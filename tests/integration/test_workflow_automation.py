"""Foundation end to end: XML-RPC against a real Odoo server, jobs on real Celery workers."""

import uuid
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import Rpc

FLOW = {
    "name": "Cold-chain incident",
    "model": "res.partner",
    "timeout_hours": 0,
    "allow_parallel": True,
    "workflow_config": {
        "states": [
            {
                "code": "open",
                "name": "Open",
                "is_initial": True,
                "timeout_hours": 1,
                "timeout_action": "transition",
            },
            {"code": "investigate", "name": "Investigate"},
            {"code": "closed", "name": "Closed", "is_final": True},
            {"code": "escalated", "name": "Escalated", "is_final": True},
        ],
        "transitions": [
            {"name": "Investigate", "from": "open", "to": "investigate"},
            {"name": "Close", "from": "investigate", "to": "closed", "require_comment": True},
            {"name": "Too late", "from": "open", "to": "escalated", "trigger_type": "timeout"},
        ],
    },
}


@pytest.fixture()
def flow(admin):
    code = f"INCIDENT_{uuid.uuid4().hex[:8].upper()}"
    definition_id = admin("workflow.definition", "import_json", dict(FLOW, code=code))
    partner_ids = admin("res.partner", "create", [{"name": f"Shop {i} {code}"} for i in range(60)])
    return {"code": code, "id": definition_id, "partners": partner_ids}


def _transition(admin, definition_id, name):
    ids = admin("workflow.transition", "search", [("workflow_id", "=", definition_id), ("name", "=", name)])
    assert len(ids) == 1
    return ids[0]


def test_xmlrpc_lifecycle_with_real_server(admin, flow):
    inst = admin(
        "workflow.instance",
        "start_workflow",
        flow["code"],
        "res.partner",
        flow["partners"][0],
        {"sensor": "fridge-7"},
    )
    investigate = _transition(admin, flow["id"], "Investigate")
    close = _transition(admin, flow["id"], "Close")
    assert admin("workflow.instance", "fire", [inst], investigate) == "investigate"
    with pytest.raises(xmlrpc.client.Fault, match="Close needs a comment"):
        admin("workflow.instance", "fire", [inst], close)
    assert admin("workflow.instance", "fire", [inst], close, comment="Compressor replaced") == "closed"
    [row] = admin("workflow.instance", "read", [inst], ["status", "context_data"])
    assert row["status"] == "completed"
    assert row["context_data"] == {"sensor": "fridge-7"}
    history = admin(
        "workflow.history",
        "search_read",
        [("instance_id", "=", inst)],
        ["action_type", "comment"],
        order="id",
    )
    assert [h["action_type"] for h in history] == ["start", "transition", "transition"]
    assert history[-1]["comment"] == "Compressor replaced"


def test_two_clients_racing_on_one_instance_exactly_one_wins(odoo_server, admin, flow):
    inst = admin("workflow.instance", "start_workflow", flow["code"], "res.partner", flow["partners"][1])
    investigate = _transition(admin, flow["id"], "Investigate")
    clients = [Rpc(odoo_server["url"], odoo_server["db"], "admin", "admin") for _i in range(2)]

    def fire(client):
        try:
            return client("workflow.instance", "fire", [inst], investigate)
        except xmlrpc.client.Fault as fault:
            return fault.faultString

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(fire, clients))
    assert results.count("investigate") == 1, results
    loser = [r for r in results if r != "investigate"][0]
    assert "Another user is changing this workflow" in loser or "cannot be done from state" in loser
    history = admin(
        "workflow.history", "search_count", [("instance_id", "=", inst), ("action_type", "=", "transition")]
    )
    assert history == 1


def test_celery_workers_run_the_timeout_job_exactly_once(admin, flow, celery_workers, dbname):
    """60 overdue instances, 6 job messages at once on 2 worker processes: each handled once."""
    partners = flow["partners"]
    instances = [
        admin("workflow.instance", "start_workflow", flow["code"], "res.partner", pid) for pid in partners
    ]
    admin("workflow.instance", "write", instances, {"state_due_at": "2020-01-01 00:00:00"})
    client = celery_workers["client"]
    results = [
        client.send_task("workflow_celery.run_job", args=[dbname, "workflow.instance", "_job_timeouts", 15])
        for _i in range(6)
    ]
    handled = [r.get(timeout=120) for r in results]
    # batches of 15 locked with SKIP LOCKED: never more than the 60 due, never one twice
    assert sum(handled) == len(instances), handled
    rows = admin("workflow.instance", "read", instances, ["current_state_id", "status"])
    assert {r["status"] for r in rows} == {"completed"}
    timeouts = admin(
        "workflow.history",
        "search_count",
        [("instance_id", "in", instances), ("action_type", "=", "timeout")],
    )
    assert timeouts == len(instances)


def test_celery_refuses_what_is_not_a_job(celery_workers, dbname):
    client = celery_workers["client"]
    result = client.send_task("workflow_celery.run_job", args=[dbname, "res.partner", "unlink", 1])
    with pytest.raises(Exception, match="is not a registered workflow job"):
        result.get(timeout=120, propagate=True)
