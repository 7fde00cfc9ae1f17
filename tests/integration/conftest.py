"""Fixtures for the integration suites: a real Odoo HTTP server and real Celery workers.

The database is the one scripts/test.sh installed (every addon, with demo data),
named by WFA_DB.  Servers listen on loopback only and are stopped at the end.
"""

import os
import socket
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ODOO_PATH = os.environ.get("ODOO_PATH", "/opt/odoo17")
PYTHON = os.environ.get("ODOO_PYTHON", sys.executable)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def addons_path():
    paths = [f"{ODOO_PATH}/odoo/addons"]
    if os.path.isdir(f"{ODOO_PATH}/addons"):
        paths.append(f"{ODOO_PATH}/addons")
    paths.append(str(REPO / "addons"))
    return ",".join(paths)


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise TimeoutError(f"{what} did not come up within {timeout}s")


@pytest.fixture(scope="session")
def dbname():
    name = os.environ.get("WFA_DB")
    if not name:
        pytest.fail("WFA_DB is not set: run the integration suites through scripts/test.sh")
    return name


@pytest.fixture(scope="session")
def odoo_server(dbname, tmp_path_factory):
    """Odoo with 2 HTTP workers (prefork), as in production, on a free loopback port."""
    port = _free_port()
    log = tmp_path_factory.mktemp("odoo") / "odoo.log"
    cmd = [
        PYTHON,
        f"{ODOO_PATH}/odoo-bin",
        f"--addons-path={addons_path()}",
        "-d",
        dbname,
        f"--db-filter=^{dbname}$",
        "--db_host=127.0.0.1",
        "--db_user=odoo",
        "--http-interface=127.0.0.1",
        f"--http-port={port}",
        "--workers=2",
        "--max-cron-threads=0",
        f"--logfile={log}",
        "--limit-time-real=300",
        "--limit-time-cpu=300",
    ]
    proc = subprocess.Popen(cmd, cwd=ODOO_PATH)
    url = f"http://127.0.0.1:{port}"

    def up():
        try:
            xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").version()
            return True
        except OSError:
            return False

    try:
        _wait(up, 60, "Odoo")
        yield {"url": url, "db": dbname, "log": log}
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


class Rpc:
    def __init__(self, url, db, login, password):
        self.url, self.db, self.password = url, db, password
        self.uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(db, login, password, {})
        assert self.uid, f"cannot log in as {login}"

    def __call__(self, model, method, *args, **kwargs):
        proxy = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object", allow_none=True)
        return proxy.execute_kw(self.db, self.uid, self.password, model, method, list(args), kwargs)


@pytest.fixture(scope="session")
def admin(odoo_server):
    return Rpc(odoo_server["url"], odoo_server["db"], "admin", "admin")


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("WFA_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
    import redis  # pylint: disable=import-outside-toplevel

    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis is needed for the Celery suites and does not answer at {url}: {exc}")
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(scope="session")
def celery_workers(dbname, redis_url, tmp_path_factory):
    """Two Celery worker processes (concurrency 2 each) opening the Odoo registry of the test database."""
    env = dict(
        os.environ,
        REDIS_URL=redis_url,
        ODOO_PATH=ODOO_PATH,
        ODOO_ADDONS_PATH=addons_path(),
        ODOO_RC="/nonexistent",
        WORKFLOW_DB=dbname,
        PGHOST="127.0.0.1",
        PGUSER="odoo",
        PYTHONPATH=str(REPO),
    )
    # Odoo reads db settings from its config: pass them through the command line of the worker
    env["WORKFLOW_ODOO_ARGS"] = "--db_host=127.0.0.1 --db_user=odoo"
    logs = tmp_path_factory.mktemp("celery")
    procs = []
    for i in range(2):
        cmd = [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "workflow_celery.app",
            "worker",
            "-Q",
            "workflow",
            "-c",
            "2",
            "-n",
            f"wfa-test-{i}@%h",
            "--loglevel=INFO",
            f"--logfile={logs}/worker{i}.log",
            "--without-gossip",
            "--without-mingle",
        ]
        procs.append(subprocess.Popen(cmd, cwd=REPO, env=env))
    from celery import Celery  # pylint: disable=import-outside-toplevel

    client = Celery("wfa-test-client", broker=redis_url, backend=redis_url)
    client.conf.task_default_queue = "workflow"

    def ready():
        replies = client.control.ping(timeout=1.0) or []
        return len(replies) >= 2

    try:
        _wait(ready, 60, "two Celery workers")
        yield {"client": client, "logs": logs}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
