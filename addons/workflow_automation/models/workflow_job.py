import logging
import os
import re
import time

from psycopg2 import sql

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

from ..tools.jobs import JOB_ATTR

_logger = logging.getLogger(__name__)

CELERY_TASK = "workflow_celery.run_job"
BROKER_PARAM = "workflow_automation.broker_url"
# what a cron line of a job calls: env['workflow.job'].run_job('model', '_job_method'[, ...])
CRON_CALL = re.compile(r"""run_job\(\s*['"]([\w.]+)['"]\s*,\s*['"](_job_\w+)['"]""")
INTERVAL_SECONDS = {"minutes": 60, "hours": 3600, "days": 86400, "weeks": 7 * 86400, "months": 30 * 86400}
_CELERY_APPS = {}


class WorkflowJob(models.AbstractModel):
    """The job runner shared by ir.cron and the Celery workers.

    Every periodic job of the suite is a model method marked with
    ``@job()`` (see ``tools/jobs.py``).  ``run_job`` is the only entry point
    used by the cron lines and by ``workflow_celery``: it refuses anything
    that is not a registered job.
    """

    _name = "workflow.job"
    _description = "Workflow Job Runner"

    @api.model
    def _registered_jobs(self):
        """Return ``[(model, method, batch_size), ...]`` for every job."""
        jobs = []
        for model_name in sorted(self.env.registry.models):
            cls = type(self.env[model_name])
            for attr in dir(cls):
                if not attr.startswith("_job_"):
                    continue
                meta = getattr(getattr(cls, attr, None), JOB_ATTR, None)
                if meta:
                    jobs.append((model_name, attr, meta["batch_size"]))
        return jobs

    @api.model
    def run_job(self, model, method, limit=None):
        """Run one batch of a registered job and return how many items it handled."""
        if not self.env.is_superuser() and not self.env.user.has_group(
            "workflow_automation.group_workflow_manager"
        ):
            raise AccessError(_("Only workflow managers may run workflow jobs."))
        if model not in self.env.registry:
            raise UserError(_("Unknown model %(model)s for a workflow job.", model=model))
        func = getattr(type(self.env[model]), method, None)
        meta = getattr(func, JOB_ATTR, None) if func else None
        if not meta:
            raise UserError(
                _("%(model)s.%(method)s is not a registered workflow job.", model=model, method=method)
            )
        limit = int(limit or meta["batch_size"])
        start = time.monotonic()
        done = getattr(self.env[model].sudo(), method)(limit=limit)
        _logger.debug("job %s.%s handled %s in %.3fs", model, method, done, time.monotonic() - start)
        return done or 0

    @api.model
    def _lock_batch(self, table, where, params=(), limit=500, order="id"):
        """Lock up to ``limit`` rows of ``table`` matching ``where`` and return their ids.

        Rows locked by a concurrent run are skipped, so two runs of one job
        never process the same row.  ``table``/``order`` are identifiers chosen
        by code, never by users; ``where`` uses ``%s`` placeholders for
        ``params``.
        """
        self.env.flush_all()
        query = sql.SQL("SELECT id FROM {} WHERE {} ORDER BY {} LIMIT %s FOR UPDATE SKIP LOCKED").format(
            sql.Identifier(table), sql.SQL(where), sql.SQL(order)
        )
        self.env.cr.execute(query, (*params, limit))
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _job_intervals(self):
        """``{(model, method): seconds}``: each job's period, read from its ``ir.cron`` line.

        The cron line is the one place where a job's period is configured; the
        Celery beat (``workflow_celery.dispatch``) follows it too.  Inactive lines
        count: deactivating a cron line stops the cron, not Celery (switch Celery
        off with ``workflow_automation.broker_url``).
        """
        crons = (
            self.env["ir.cron"].sudo().with_context(active_test=False).search([("code", "like", "run_job(")])
        )
        intervals = {}
        for cron in crons:
            for model, method in CRON_CALL.findall(cron.code or ""):
                seconds = max(1, cron.interval_number) * INTERVAL_SECONDS.get(cron.interval_type, 60)
                key = (model, method)
                intervals[key] = min(intervals.get(key, seconds), seconds)
        return intervals

    @api.model
    def _beat_schedule(self):
        """``[(model, method, seconds)]`` of the registered jobs with a cron line.

        A registered job without a cron line is left out with a warning: the
        cron alone runs a complete installation, so such a job would never run
        without Celery either.
        """
        intervals = self._job_intervals()
        schedule = []
        for model, method, _batch in self._registered_jobs():
            seconds = intervals.get((model, method))
            if seconds is None:
                _logger.warning(
                    "job %s.%s has no ir.cron line: the Celery beat does not run it", model, method
                )
                continue
            schedule.append((model, method, seconds))
        return schedule

    # ------------------------------------------------------------------
    # Scale-out: hand a job to the Celery workers once this transaction
    # has committed.  Without a broker the cron line picks the work up.
    # ------------------------------------------------------------------
    @api.model
    def _broker_url(self):
        """The Celery broker of this database, or False when Celery is switched off.

        One rule: Celery is on for a database when, and only when, its
        administrator set the system parameter ``workflow_automation.broker_url``.
        Environment variables (``REDIS_URL``) are not read here: they configure
        the worker processes, not whether this database sends them work.
        """
        return (self.env["ir.config_parameter"].sudo().get_param(BROKER_PARAM) or "").strip() or False

    @api.model
    def _celery_app(self, url):
        """One Celery client per broker and process (connections are pooled by it)."""
        key = (os.getpid(), url)
        app = _CELERY_APPS.get(key)
        if app is None:
            from celery import Celery  # pylint: disable=import-outside-toplevel

            app = _CELERY_APPS[key] = Celery("workflow_automation", broker=url)
        return app

    @api.model
    def _enqueue_after_commit(self, model, method, limit=None):
        """Ask a Celery worker to run ``model.method`` right after commit (best effort).

        Nothing is sent when Celery is switched off (see :meth:`_broker_url`).
        The message names this database: workers refuse a database they do not serve.
        """
        url = self._broker_url()
        if not url:
            return False
        dbname = self.env.cr.dbname

        def send():
            try:
                self._celery_app(url).send_task(
                    CELERY_TASK,
                    args=[dbname, model, method, limit],
                    queue=os.environ.get("WORKFLOW_QUEUE", "workflow"),
                )
            except Exception:  # the cron sweeper covers a lost message
                _logger.warning("could not enqueue %s.%s on %s", model, method, url, exc_info=True)

        self.env.cr.postcommit.add(send)
        return True
