"""Celery application running the suite's jobs on worker processes.

Configuration (environment):

* ``REDIS_URL``      broker and result backend (default ``redis://127.0.0.1:6379/0``)
* ``ODOO_RC``        Odoo configuration file (default: ``odoo.conf`` of the repository)
* ``WORKFLOW_DB``    database whose jobs this worker runs (default: ``db_name`` of ``ODOO_RC``)
* ``WORKFLOW_JOB_INTERVAL``  seconds between two rounds of the beat (default 30)
* ``ODOO_ADDONS_PATH`` / ``WORKFLOW_ODOO_ARGS``  extra Odoo command-line options (addons path, db_host...)

Each task opens the Odoo registry of the database and calls
``workflow.job.run_job`` in its own transaction, exactly as ``ir.cron`` does.
Jobs lock their rows with ``FOR UPDATE SKIP LOCKED``, so any number of workers
(and the cron) may run the same job at once.
"""

import logging
import os
import shlex
import sys

from celery import Celery
from celery.signals import worker_process_init

_logger = logging.getLogger(__name__)

HERE = os.path.dirname(os.path.abspath(__file__))
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

app = Celery("workflow_celery", broker=REDIS_URL, backend=REDIS_URL)
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_default_queue=os.environ.get("WORKFLOW_QUEUE", "workflow"),
    broker_connection_retry_on_startup=True,
    result_expires=3600,
    beat_schedule={
        "workflow-dispatch": {
            "task": "workflow_celery.dispatch",
            "schedule": float(os.environ.get("WORKFLOW_JOB_INTERVAL", "30")),
        }
    },
)

_ODOO_READY = False


def _setup_odoo():
    """Load Odoo's configuration once per process."""
    global _ODOO_READY  # pylint: disable=global-statement
    if _ODOO_READY:
        return
    odoo_path = os.environ.get("ODOO_PATH", "/opt/odoo17")
    if odoo_path not in sys.path:
        sys.path.insert(0, odoo_path)
    import odoo  # pylint: disable=import-outside-toplevel

    rc = os.environ.get("ODOO_RC", os.path.join(os.path.dirname(HERE), "odoo.conf"))
    args = ["-c", rc] if os.path.exists(rc) else []
    addons = os.environ.get("ODOO_ADDONS_PATH")
    if addons:
        args += ["--addons-path", addons]
    args += shlex.split(os.environ.get("WORKFLOW_ODOO_ARGS", ""))
    odoo.tools.config.parse_config(args)
    _ODOO_READY = True


@worker_process_init.connect
def _init_worker(**_kwargs):
    _setup_odoo()


def _dbname(dbname=None):
    from odoo.tools import config  # pylint: disable=import-outside-toplevel

    name = dbname or os.environ.get("WORKFLOW_DB") or config["db_name"]
    if not name:
        raise RuntimeError("No database: set WORKFLOW_DB or db_name in ODOO_RC")
    return name


def _with_env(dbname, func):
    _setup_odoo()
    import odoo  # pylint: disable=import-outside-toplevel
    from odoo import SUPERUSER_ID, api  # pylint: disable=import-outside-toplevel

    registry = odoo.modules.registry.Registry(_dbname(dbname)).check_signaling()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        result = func(env)
        cr.commit()
    registry.signal_changes()
    return result


class JobRefused(Exception):
    """A permanent failure (not a job, no rights, bad arguments): never retried."""


@app.task(name="workflow_celery.run_job", bind=True, max_retries=5)
def run_job(self, dbname, model, method, limit=None):
    """Run one batch of a registered job; transient failures are retried with backoff."""
    _setup_odoo()
    from odoo.exceptions import UserError  # pylint: disable=import-outside-toplevel

    try:
        return _with_env(dbname, lambda env: env["workflow.job"].run_job(model, method, limit))
    except UserError as exc:  # includes AccessError and ValidationError: retrying cannot help
        raise JobRefused(str(exc.args[0] if exc.args else exc)) from None
    except Exception as exc:
        _logger.exception("job %s.%s failed, retrying", model, method)
        raise self.retry(exc=exc, countdown=min(2**self.request.retries, 60)) from exc


@app.task(name="workflow_celery.dispatch")
def dispatch(dbname=None):
    """Enqueue one run of every registered job (called by celery beat)."""
    _setup_odoo()
    dbname = _dbname(dbname)
    jobs = _with_env(dbname, lambda env: env["workflow.job"]._registered_jobs())
    for model, method, _batch in jobs:
        run_job.delay(dbname, model, method)
    return len(jobs)
