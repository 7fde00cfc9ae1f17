"""The load test's short mode (tests/load/load_workflows.py): 200 running instances, 20
XML-RPC clients for 15 s on Odoo with 4 HTTP workers, alert and SLA jobs on the 2 Celery
workers of the conftest at the same time.

Asserts the goals of the full run: the clients both fire transitions and decide approvals
(each approval completes its instance exactly once, and a new instance follows it), no error
on an instance a client drives alone, on shared instances only the documented same-instance
answers, never a serialization failure reaching a client, database connections within Odoo's
pool limits, and the Celery jobs doing their work.

Odoo's ports: WFA_LOAD_HTTP_PORT / WFA_LOAD_GEVENT_PORT when set, else free ones.
"""

import json
import os
import sys
from pathlib import Path

from odoo_harness import REPO, OdooServer, Rpc

sys.path.insert(0, str(REPO / "tests" / "load"))
from load_workflows import CONFLICTS, run

BROKER_PARAM = "workflow_automation.broker_url"
DB_MAXCONN = 64  # Odoo's db_maxconn default: the pool bound of each process


def test_short_load_only_documented_conflicts(dbname, redis_url, celery_workers, tmp_path):
    lines = []
    server = OdooServer(
        dbname,
        workers=4,
        logfile=tmp_path / "odoo.log",
        port=int(os.environ.get("WFA_LOAD_HTTP_PORT", 0)) or None,
        gevent_port=int(os.environ.get("WFA_LOAD_GEVENT_PORT", 0)) or None,
    )
    with server as url:
        admin = Rpc(url, dbname, "admin", "admin")
        admin("ir.config_parameter", "set_param", BROKER_PARAM, redis_url)
        try:
            result = run(
                url,
                dbname,
                celery_workers["client"],
                duration=15,
                instances=200,
                clients=20,
                trackings=600,
                log=lines.append,
                # a loaded machine: go on (at most 60 s more) until there is work to judge
                min_changes=60,
                min_approvals=10,
                max_extra=60,
            )
        finally:
            admin("ir.config_parameter", "set_param", BROKER_PARAM, False)
    report = os.environ.get("WFA_LOAD_REPORT")  # where the figures go (they are printed too)
    if report:
        Path(report).write_text(json.dumps(result, indent=1))
    print("\n".join(lines), result)
    assert not result["errors_own"], f"errors on instances driven by one client: {result['errors_own']}"
    allowed = {"conflict: " + c for c in CONFLICTS}
    assert set(result["errors_shared"]) <= allowed, result["errors_shared"]
    assert not any("SERIALIZATION" in kind for kind in result["errors_shared"])
    calls = result["calls"]
    # the clients do both kinds of work: transitions and approval decisions
    assert calls.get("fire", 0) >= 20 and calls.get("approve", 0) >= 10, calls
    # every decision completed its instance once: none lost, none applied twice
    assert result["completed"] == calls["approve"], (result["completed"], calls)
    # a completed instance is followed by a new one on its document (those in flight at the stop aside)
    assert calls.get("start", 0) >= calls["approve"] - 20 - 10, calls
    # nothing lost, nothing made twice: the seeded ones plus those started are running or completed
    assert result["running"] + result["completed"] == 200 + calls.get("start", 0), (result, calls)
    conns = result["connections"]
    # 4 HTTP workers + the gevent worker + 2 Celery pools of 2, each bounded by db_maxconn;
    # what it really uses is a few per process
    assert conns["max_per_process"] <= DB_MAXCONN, conns
    assert conns["max_total"] < conns["max_connections"], conns
    assert conns["max_in_db"] <= 3 * conns["max_odoo_processes"] + 5, conns
    celery = result["celery"]
    assert celery["notifications_sent"] > 0 and celery["sla_breached"] > 0, celery
