"""Celery application running the suite's jobs on worker processes.

Configuration (environment):

* ``REDIS_URL``      broker and result backend (default ``redis://127.0.0.1:6379/0``)
* ``ODOO_RC``        Odoo configuration file (default: ``odoo.conf`` of the repository)
* ``WORKFLOW_DB``    database(s) this worker serves, comma-separated (default: ``db_name`` of
  ``ODOO_RC``).  A message for any other database is refused (``JobRefused``: logged, not
  run, not retried), so deployments sharing a Redis never run each other's jobs.
* ``WORKFLOW_QUEUE`` queue of the job messages (default ``workflow``)
* ``WORKFLOW_JOB_INTERVAL``  seconds between two ticks of the beat (default 30)
* ``ODOO_ADDONS_PATH`` / ``WORKFLOW_ODOO_ARGS``  extra Odoo command-line options (addons path, db_host...)

Each task opens the Odoo registry of the database and calls
``workflow.job.run_job`` in its own transaction, exactly as ``ir.cron`` does.
Jobs lock their rows with ``FOR UPDATE SKIP LOCKED``, so any number of workers
(and the cron) may run the same job at once.

The beat sends ``dispatch`` every tick; ``dispatch`` enqueues a job only when
the period of the job's ``ir.cron`` line has passed since its last dispatch
(``SET NX PX`` on a Redis key per database and job: any number of beats
dispatch each job once per period), and only for a database whose
administrator switched Celery on (system parameter
``workflow_automation.broker_url``).
"""

import logging
import os
import shlex
import sys

from celery import Celery
from celery.signals import worker_init, worker_process_init

_logger = logging.getLogger(__name__)

HERE = os.path.dirname(os.path.abspath(__file__))
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
QUEUE = os.environ.get("WORKFLOW_QUEUE", "workflow")
BEAT_TICK = float(os.environ.get("WORKFLOW_JOB_INTERVAL", "30"))
BEAT_KEY = "workflow_celery:beat:{db}:{model}.{method}"

app = Celery("workflow_celery", broker=REDIS_URL, backend=REDIS_URL)
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_default_queue=QUEUE,
    broker_connection_retry_on_startup=True,
    # a pool process that died (SIGKILL, out of memory) is replaced by a fork of the main
    # process, which must say "up" within this time or be killed and forked again; Odoo is
    # imported before the fork (below), and a loaded machine still gets a generous bound
    worker_proc_alive_timeout=60,
    result_expires=3600,
    beat_schedule={
        "workflow-dispatch": {
            "task": "workflow_celery.dispatch",
            "schedule": BEAT_TICK,
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


@worker_init.connect
def _init_main_process(**_kwargs):
    """Import Odoo and read its configuration once, in the main process, before the pool forks.

    A pool process that imported Odoo itself took longer than billiard's start-up bound on a
    loaded machine: after one pool process was SIGKILLed, every replacement was killed
    for not coming up in time, and the worker never ran a job again (found by
    tests/integration/test_faults.py).  No database connection is opened here.
    """
    _setup_odoo()


@worker_process_init.connect
def _init_worker(**_kwargs):
    _setup_odoo()


class JobRefused(Exception):
    """A permanent failure (not a job, no rights, bad arguments, a database this
    worker does not serve): never retried."""


def _served_databases():
    """The databases whose messages this worker accepts (``WORKFLOW_DB`` or ``db_name``)."""
    from odoo.tools import config  # pylint: disable=import-outside-toplevel

    names = os.environ.get("WORKFLOW_DB") or config["db_name"] or ""
    return [name.strip() for name in names.split(",") if name.strip()]


def _check_database(dbname):
    """Refuse a message for a database this worker does not serve (before touching it)."""
    _setup_odoo()
    served = _served_databases()
    if dbname not in served:
        _logger.warning(
            "refused a message for database %r: this worker serves %s (WORKFLOW_DB)",
            dbname,
            ", ".join(map(repr, served)) or "no database",
        )
        raise JobRefused(f"database {dbname!r} is not served by this worker")
    return dbname


def _with_env(dbname, func):
    _setup_odoo()
    import odoo  # pylint: disable=import-outside-toplevel
    from odoo import SUPERUSER_ID, api  # pylint: disable=import-outside-toplevel

    registry = odoo.modules.registry.Registry(_check_database(dbname)).check_signaling()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        result = func(env)
        cr.commit()
    registry.signal_changes()
    return result


@app.task(name="workflow_celery.run_job", bind=True, max_retries=5, throws=(JobRefused,))
def run_job(self, dbname, model, method, limit=None):
    """Run one batch of a registered job; transient failures are retried with backoff."""
    _check_database(dbname)
    from odoo.exceptions import UserError  # pylint: disable=import-outside-toplevel

    try:
        return _with_env(dbname, lambda env: env["workflow.job"].run_job(model, method, limit))
    except UserError as exc:  # includes AccessError and ValidationError: retrying cannot help
        _logger.warning("job %s.%s on %s refused: %s", model, method, dbname, exc)
        raise JobRefused(str(exc.args[0] if exc.args else exc)) from None
    except Exception as exc:
        _logger.exception("job %s.%s failed, retrying", model, method)
        raise self.retry(exc=exc, countdown=min(2**self.request.retries, 60)) from exc


def _redis():
    import redis  # pylint: disable=import-outside-toplevel

    return redis.Redis.from_url(app.conf.broker_url)


def _claim(client, dbname, model, method, seconds):
    """True when ``model.method`` of ``dbname`` is due, and mark it dispatched for ``seconds``.

    ``SET NX PX`` is atomic: of two beats (or two dispatch runs) at the same
    moment exactly one gets the job.  The mark expires half a beat tick early,
    so a tick that comes a little before the period's end does not postpone
    the job by a whole tick.
    """
    ttl = max(1000, int(seconds * 1000 - BEAT_TICK * 500))
    return bool(client.set(BEAT_KEY.format(db=dbname, model=model, method=method), "1", nx=True, px=ttl))


@app.task(name="workflow_celery.dispatch", throws=(JobRefused,))
def dispatch(dbname=None):
    """Enqueue the jobs that are due (called by celery beat every tick).

    For each served database (or ``dbname``) where Celery is switched on, a job
    is enqueued when its ``ir.cron`` period has passed since its last dispatch.
    Returns ``{"dispatched": [[db, model, method], ...], "off": [db, ...]}``.
    """
    _setup_odoo()
    databases = [_check_database(dbname)] if dbname else _served_databases()
    client = _redis()
    dispatched, off = [], []
    for db in databases:
        broker, schedule = _with_env(
            db, lambda env: (env["workflow.job"]._broker_url(), env["workflow.job"]._beat_schedule())
        )
        if not broker:
            off.append(db)
            _logger.debug("Celery is switched off for %s: nothing dispatched", db)
            continue
        if broker != app.conf.broker_url:
            _logger.warning(
                "database %s sends its jobs to %s but this beat's broker is %s",
                db,
                broker,
                app.conf.broker_url,
            )
        for model, method, seconds in schedule:
            if _claim(client, db, model, method, seconds):
                try:
                    run_job.apply_async(args=[db, model, method], queue=QUEUE)
                except Exception:
                    # not sent: free the job for the next tick rather than for a whole period
                    client.delete(BEAT_KEY.format(db=db, model=model, method=method))
                    raise
                dispatched.append([db, model, method])
    if dispatched:
        _logger.info(
            "dispatched %s job(s): %s", len(dispatched), ", ".join(f"{m}.{f}" for _d, m, f in dispatched)
        )
    return {"dispatched": dispatched, "off": off}
