"""workflow_sla across processes, on the installed test database (env WFA_DB):

* two scans running at once share the due trackings (FOR UPDATE SKIP LOCKED):
  none is handled twice, none is left out; the notifier job then notes each breach once;
* a notifier process killed (SIGKILL) before it commits leaves its events to the next run:
  each event is noted exactly once;
* a Celery worker runs the scan job and the breach is committed;
* over XML-RPC: an SLA is defined, a record starts it, the job breaches it and
  ``get_sla_status`` reports it; a malformed condition is refused with a clear error.

Data is created with unique codes and removed afterwards.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import xmlrpc.client
from datetime import datetime, timedelta

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ODOO_PATH = os.environ.get("ODOO_PATH", "/opt/odoo17")
ADDONS = f"{ODOO_PATH}/odoo/addons,{REPO}/addons"
PGHOST = os.environ.get("PGHOST", "127.0.0.1")
PGUSER = os.environ.get("PGUSER", "odoo")
# this addon's Redis database unless WFA_TEST_REDIS_URL names one
REDIS_URL = os.environ.get("WFA_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
PYTHON = os.environ.get("ODOO_PYTHON", sys.executable)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def dbname():
    name = os.environ.get("WFA_DB")
    if not name:
        raise RuntimeError(
            "WFA_DB must name a database with workflow_sla installed (scripts/test.sh sets it)"
        )
    return name


@pytest.fixture(scope="module")
def registry(dbname):
    from odoo_harness import registry_in_process  # pylint: disable=import-outside-toplevel

    return registry_in_process(dbname)


@pytest.fixture(autouse=True)
def own_broker(monkeypatch):
    # jobs enqueue follow-up runs after commit: keep them in this addon's Redis database
    monkeypatch.setenv("REDIS_URL", REDIS_URL)


def _env(cr):
    from odoo import SUPERUSER_ID, api  # pylint: disable=import-outside-toplevel

    return api.Environment(cr, SUPERUSER_ID, {})


@pytest.fixture()
def around_the_clock_sla(registry):
    """An SLA of one hour (around the clock) on contact tags, and a cleanup."""
    code = f"IT_{uuid.uuid4().hex[:8]}"
    with registry.cursor() as cr:
        env = _env(cr)
        sla = env["sla.definition"].create(
            {
                "name": f"Integration {code}",
                "code": code,
                "model_id": env["ir.model"]._get("res.partner.category").id,
                "critical_threshold": 1.0,
                "use_business_hours": False,
                "warning_levels": "",
                # No alert rule (workflow_sla_alerts): the concurrent-scan test keeps three
                # transactions open in one thread and alerts would wait on the rule's daily counter
                # row (two real workers just queue there), so this SLA notifies in the chatter.
            }
        )
        sla_id = sla.id
    yield sla_id, code
    with registry.cursor() as cr:
        env = _env(cr)
        sla = env["sla.definition"].browse(sla_id).exists()
        tags = env["res.partner.category"].search([("name", "=like", f"{code}%")])
        sla.unlink()
        tags.unlink()


def _tracking_ids(env, sla_id):
    return set(env["sla.tracking"].search([("sla_id", "=", sla_id)]).ids)


def test_concurrent_scans_share_the_work(registry, around_the_clock_sla):
    sla_id, code = around_the_clock_sla
    with registry.cursor() as cr:
        env = _env(cr)
        env["res.partner.category"].create([{"name": f"{code} {i}"} for i in range(30)])
        mine = _tracking_ids(env, sla_id)
    assert len(mine) == 30
    later = datetime.utcnow() + timedelta(hours=2)

    def breached_here(cr):
        cr.execute("SELECT id FROM sla_tracking WHERE sla_id = %s AND status = 'breached'", (sla_id,))
        return {row[0] for row in cr.fetchall()}

    with registry.cursor() as cr_a, registry.cursor() as cr_b, registry.cursor() as cr_c:
        # A locks a batch of 12 and keeps its transaction open while B and C run
        handled_a = _env(cr_a)["sla.tracking"]._job_check_deadlines(limit=12, now=later)
        handled_b = _env(cr_b)["sla.tracking"]._job_check_deadlines(limit=1000, now=later)
        handled_c = _env(cr_c)["sla.tracking"]._job_check_deadlines(limit=1000, now=later)
        by_a, by_b = breached_here(cr_a), breached_here(cr_b)
        assert handled_a == 12
        assert handled_c == 0, "every due row is locked by A or B"
        assert handled_b >= len(mine) - len(by_a)
        assert not by_a & by_b, "a tracking was handled by both scans"
        assert by_a | by_b == mine
        cr_a.commit()
        cr_b.commit()
    with registry.cursor() as cr:
        env = _env(cr)
        trackings = env["sla.tracking"].browse(sorted(mine))
        assert set(trackings.mapped("status")) == {"breached"}
        assert not _breach_notes(env, mine), "the scans flag; the notifier job writes the notes"
        while env["sla.event"]._job_notify(limit=1000):
            pass
    with registry.cursor() as cr:
        assert _breach_notes(_env(cr), mine) == dict.fromkeys(mine, 1)


def _breach_notes(env, tracking_ids):
    """{tracking id: number of breach notes} of the trackings that have some."""
    env.cr.execute(
        """SELECT res_id, count(*) FROM mail_message
            WHERE model = 'sla.tracking' AND res_id IN %s AND body LIKE %s GROUP BY res_id""",
        (tuple(tracking_ids), "%is breached%"),
    )
    return dict(env.cr.fetchall())


NOTIFIER = """
import sys, time
sys.path.insert(0, {odoo_path!r})
import odoo
from odoo.tools import config
config.parse_config(["--addons-path", {addons!r}, "--db_host", {host!r}, "--db_user", {user!r}, "-d", {db!r}])
registry = odoo.registry({db!r})
with registry.cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {{}})
    done = env["sla.event"]._job_notify(limit=1000)
    env.flush_all()
    print("noted", done, flush=True)
    time.sleep(600)  # killed here, before its transaction commits
"""


def test_notifier_killed_before_commit_notes_each_event_once(registry, around_the_clock_sla, dbname):
    sla_id, code = around_the_clock_sla
    with registry.cursor() as cr:
        env = _env(cr)
        while env["sla.event"]._job_notify(limit=1000):  # nothing of other tests pending
            pass
        env["res.partner.category"].create([{"name": f"{code} {i}"} for i in range(5)])
        mine = _tracking_ids(env, sla_id)
    later = datetime.utcnow() + timedelta(hours=2)
    with registry.cursor() as cr:
        assert _env(cr)["sla.tracking"]._job_check_deadlines(limit=1000, now=later) >= len(mine)
    script = NOTIFIER.format(odoo_path=ODOO_PATH, addons=ADDONS, host=PGHOST, user=PGUSER, db=dbname)
    proc = subprocess.Popen(
        [PYTHON, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("noted"), line
        assert int(line.split()[1]) >= len(mine)
        with registry.cursor() as cr:
            env = _env(cr)
            assert not _breach_notes(env, mine), "its notes are not committed"
            assert env["sla.event"]._job_notify(limit=1000) == 0, "its events are locked: nobody takes them"
    finally:
        proc.kill()  # SIGKILL: the process dies with its transaction open
        proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while True:  # PostgreSQL rolls the transaction back once it sees the connection gone
        with registry.cursor() as cr:
            done = _env(cr)["sla.event"]._job_notify(limit=1000)
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert done >= len(mine)
    with registry.cursor() as cr:
        env = _env(cr)
        assert env["sla.event"]._job_notify(limit=1000) == 0
        assert _breach_notes(env, mine) == dict.fromkeys(mine, 1), "each event noted exactly once"


@pytest.fixture()
def odoo_rc(dbname):
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as rc:
        rc.write(
            f"[options]\naddons_path = {ADDONS}\ndb_host = {PGHOST}\ndb_user = {PGUSER}\ndb_name = {dbname}\n"
        )
    yield rc.name
    os.unlink(rc.name)


@pytest.fixture()
def celery_worker(dbname, odoo_rc):
    env = dict(os.environ, ODOO_RC=odoo_rc, WORKFLOW_DB=dbname, REDIS_URL=REDIS_URL, ODOO_PATH=ODOO_PATH)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO, env.get("PYTHONPATH")]))
    queue = f"workflow_sla_it_{uuid.uuid4().hex[:6]}"
    env["WORKFLOW_QUEUE"] = queue
    proc = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "workflow_celery.app",
            "worker",
            "-Q",
            queue,
            "-c",
            "1",
            "--pool",
            "solo",
            "--loglevel",
            "warning",
            "-n",
            f"{queue}@%h",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_celery_worker_runs_the_scan(registry, around_the_clock_sla, celery_worker, dbname):
    from celery import Celery  # pylint: disable=import-outside-toplevel

    sla_id, code = around_the_clock_sla
    with registry.cursor() as cr:
        env = _env(cr)
        env["sla.definition"].browse(sla_id).critical_threshold = 1.0 / 3600  # one second
        env["res.partner.category"].create({"name": f"{code} celery"})
        (tracking_id,) = _tracking_ids(env, sla_id)
    time.sleep(1.5)  # let the one-second target pass
    client = Celery(broker=REDIS_URL, backend=REDIS_URL)
    result = client.send_task(
        "workflow_celery.run_job",
        args=[dbname, "sla.tracking", "_job_check_deadlines", None],
        queue=celery_worker,
    )
    assert result.get(timeout=180) >= 1
    with registry.cursor() as cr:
        tracking = _env(cr)["sla.tracking"].browse(tracking_id)
        assert tracking.status == "breached"
        assert tracking.breached_at == tracking.due_at
        assert not _breach_notes(_env(cr), [tracking_id])
    # the follow-up job, as the scan asks a worker for it after its commit
    result = client.send_task(
        "workflow_celery.run_job",
        args=[dbname, "sla.event", "_job_notify", None],
        queue=celery_worker,
    )
    assert result.get(timeout=180) >= 1
    with registry.cursor() as cr:
        assert _breach_notes(_env(cr), [tracking_id]) == {tracking_id: 1}


@pytest.fixture()
def odoo_server(dbname, odoo_rc):
    port = _free_port()
    proc = subprocess.Popen(
        [
            PYTHON,
            f"{ODOO_PATH}/odoo-bin",
            "-c",
            odoo_rc,
            "-d",
            dbname,
            "--db-filter",
            f"^{dbname}$",
            "--http-port",
            str(port),
            "--max-cron-threads",
            "0",
            "--log-level",
            "warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    try:
        while True:
            try:
                xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").version()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("odoo-bin did not start") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_xmlrpc_define_track_breach(odoo_server, dbname):
    common = xmlrpc.client.ServerProxy(f"{odoo_server}/xmlrpc/2/common")
    uid = common.authenticate(dbname, "admin", "admin", {})
    assert uid, "the test database has the demo admin/admin"
    models = xmlrpc.client.ServerProxy(f"{odoo_server}/xmlrpc/2/object", allow_none=True)

    def call(model, method, *args, **kw):
        return models.execute_kw(dbname, uid, "admin", model, method, list(args), kw)

    code = f"IT_RPC_{uuid.uuid4().hex[:8]}"
    model_id = call("ir.model", "search", [("model", "=", "res.partner.category")])[0]
    base = {
        "name": f"RPC {code}",
        "model_id": model_id,
        "use_business_hours": False,
        "warning_levels": "",
        "applies_domain": f"[('name', '=like', '{code}%')]",
    }
    with pytest.raises(xmlrpc.client.Fault) as bad:
        call("sla.definition", "create", dict(base, code=code + "_BAD", stop_domain="[('nope', '=', 1)]"))
    assert "Stop condition" in bad.value.faultString
    sla_id = call("sla.definition", "create", dict(base, code=code, critical_threshold=1.0 / 3600))
    tag_id = None
    try:
        tag_id = call("res.partner.category", "create", {"name": f"{code} tag"})
        (status,) = call("sla.tracking", "get_sla_status", "res.partner.category", [tag_id])
        assert (status["sla"], status["status"]) == (code, "active")
        time.sleep(1.5)
        assert call("workflow.job", "run_job", "sla.tracking", "_job_check_deadlines") >= 1
        (status,) = call("sla.tracking", "get_sla_status", "res.partner.category", [tag_id])
        assert status["status"] == "breached"
    finally:
        call("sla.definition", "unlink", [sla_id])
        if tag_id:
            call("res.partner.category", "unlink", [tag_id])
