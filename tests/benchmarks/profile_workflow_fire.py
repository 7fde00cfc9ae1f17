#!/usr/bin/env python3
"""The SQL of one ``fire`` (as the admin user, in process), each query with the line that sent it.

Usage: tests/benchmarks/profile_workflow_fire.py DB [sql|prof]
  DB    a database with workflow_automation (the engine benchmark's, kept with ``--keep-db``, or any)
  sql   (default) list the queries of one fire of each transition of the benchmark's flow
  prof  the same, with a pyinstrument profile of each listed fire (``pip install pyinstrument``)

It imports the benchmark's flow when the database has none, starts it on 30 new partners and fires
each transition on all of them, one transaction per fire (committed), listing the last one.
"""

import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from bench_workflow_engine import FLOW  # noqa: E402
from odoo_harness import ODOO_PATH, REPO, registry_in_process  # noqa: E402

sys.path.insert(0, ODOO_PATH)
import odoo  # noqa: E402
from odoo.sql_db import Cursor  # noqa: E402

ADDONS = str(REPO / "addons")
capture, log = [False], []
_execute = Cursor.execute


def execute(self, query, params=None, log_exceptions=True):
    if capture[0]:
        stack = traceback.extract_stack()[:-1]
        ours = [f for f in stack if f.filename.startswith(ADDONS)][-3:] or [
            f for f in stack if "/odoo/" in f.filename
        ][-2:]
        where = " <- ".join(f"{os.path.basename(f.filename)}:{f.lineno}:{f.name}" for f in reversed(ours))
        log.append((" ".join(str(query).split())[:160], where))
    return _execute(self, query, params, log_exceptions)


def main():
    db = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else "sql"
    registry = registry_in_process(db)
    Cursor.execute = execute
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        flow = env["workflow.definition"].search([("code", "=", FLOW["code"])], limit=1)
        if not flow:
            flow = flow.browse(env(user=2)["workflow.definition"].import_json(FLOW))
        transitions = [
            env["workflow.transition"].search([("workflow_id", "=", flow.id), ("name", "=", tr["name"])]).id
            for tr in FLOW["workflow_config"]["transitions"]
        ]
        partners = env["res.partner"].create([{"name": f"profile {i}"} for i in range(30)])
        instances = env(user=2)["workflow.definition"].browse(flow.id).start(partners.ids)
    for transition in transitions:
        for n, inst in enumerate(instances):
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, 2, {"lang": "en_US"})
                last = n == len(instances) - 1
                capture[0], log[:] = last, []
                profiler = None
                if last and mode == "prof":
                    from pyinstrument import Profiler  # pylint: disable=import-outside-toplevel

                    profiler = Profiler(interval=0.0002)
                    profiler.start()
                t0 = time.perf_counter()
                env["workflow.instance"].browse(inst).fire(transition)
                env.flush_all()
                elapsed = time.perf_counter() - t0
                capture[0] = False
                if profiler:
                    profiler.stop()
                    print(profiler.output_text(unicode=False, color=False))
                if last:
                    print(f"=== transition {transition}: {len(log)} queries in {elapsed * 1000:.1f} ms")
                    for query, where in log:
                        print(f"  {query}\n      @ {where}")


if __name__ == "__main__":
    main()
