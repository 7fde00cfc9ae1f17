"""Fixtures for the integration suites: a real Odoo HTTP server and real Celery workers.

The database is the one scripts/test.sh installed (every addon, with demo data),
named by WFA_DB.  Servers listen on loopback only and are stopped at the end.
"""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fault_harness import CeleryWorker
from odoo_harness import OdooServer, Rpc, wait_until

__all__ = ["Rpc"]


@pytest.fixture(scope="session")
def dbname():
    name = os.environ.get("WFA_DB")
    if not name:
        pytest.fail("WFA_DB is not set: run the integration suites through scripts/test.sh")
    return name


@pytest.fixture(scope="session")
def odoo_server(dbname, tmp_path_factory):
    """Odoo with 2 HTTP workers (prefork), as in production, on a free loopback port."""
    log = tmp_path_factory.mktemp("odoo") / "odoo.log"
    server = OdooServer(dbname, workers=2, logfile=log)
    with server as url:
        # pid: the master process (the fault suite kills its HTTP workers)
        yield {"url": url, "db": dbname, "log": log, "pid": server.proc.pid}


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
    logs = tmp_path_factory.mktemp("celery")
    workers = [
        CeleryWorker(
            f"wfa-test-{i}",
            redis_url,
            dbname,
            logs,
            concurrency=2,
            # the beat tick test_workflow_celery_jobs.py expects
            extra_env={"WORKFLOW_JOB_INTERVAL": "30", "PGHOST": "127.0.0.1", "PGUSER": "odoo"},
        ).start(wait=False)
        for i in range(2)
    ]
    from celery import Celery  # pylint: disable=import-outside-toplevel

    client = Celery("wfa-test-client", broker=redis_url, backend=redis_url)
    client.conf.task_default_queue = "workflow"

    def ready():
        replies = client.control.ping(timeout=1.0) or []
        return len(replies) >= 2

    try:
        wait_until(ready, 60, "two Celery workers")
        yield {"client": client, "logs": logs}
    finally:
        for worker in workers:
            worker.stop()
