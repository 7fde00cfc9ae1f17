"""Registration of periodic jobs.

A *job* is a model method that processes one bounded batch, locks the rows it
works on with ``FOR UPDATE SKIP LOCKED`` and is therefore safe to run twice at
once.  It returns the number of items it handled.  Jobs are run by ``ir.cron``
by default and by Celery workers (``workflow_celery``) when scale-out is wanted;
both go through :meth:`workflow.job.run_job`, which only accepts methods marked
with :func:`job`, so neither a cron line nor a Celery message can call an
arbitrary method.
"""

JOB_ATTR = "_workflow_job"


def job(batch_size=500):
    """Mark a model method as a job taking ``limit`` (default ``batch_size``)."""

    def decorate(method):
        setattr(method, JOB_ATTR, {"batch_size": batch_size})
        return method

    return decorate
