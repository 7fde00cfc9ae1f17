"""Database objects of the audit trail.

The table, its indexes and functions cannot be expressed with the ORM; their
DDL lives, versioned, in ``migrations/<version>/*.sql``.  ``apply_migrations``
runs every file not yet recorded in ``audit_schema_version``, in version order.
It is called by the install hook and by each version's ``post-migrate.py``.
"""

import logging
import os

from odoo.tools import parse_version

_logger = logging.getLogger(__name__)

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")
PARTITION_LEAD_MONTHS = 3


def _applied_versions(cr):
    cr.execute("SELECT to_regclass('audit_schema_version') IS NOT NULL")
    if not cr.fetchone()[0]:
        return set()
    cr.execute("SELECT version FROM audit_schema_version")
    return {row[0] for row in cr.fetchall()}


def apply_migrations(cr, up_to=None):
    applied = _applied_versions(cr)
    versions = sorted(
        (d for d in os.listdir(MIGRATIONS_DIR) if os.path.isdir(os.path.join(MIGRATIONS_DIR, d))),
        key=parse_version,
    )
    for version in versions:
        if version in applied or (up_to and parse_version(version) > parse_version(up_to)):
            continue
        folder = os.path.join(MIGRATIONS_DIR, version)
        for name in sorted(f for f in os.listdir(folder) if f.endswith(".sql")):
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                # trusted DDL shipped with the addon, no parameters
                cr.execute(handle.read())  # pylint: disable=sql-injection
        cr.execute("INSERT INTO audit_schema_version (version) VALUES (%s)", [version])
        _logger.info("workflow_audit: applied database migration %s", version)


def create_partitions(cr, months_ahead=PARTITION_LEAD_MONTHS):
    cr.execute(
        """SELECT audit_log_create_partition(now() + make_interval(months => m))
             FROM generate_series(0, %s) AS m""",
        [months_ahead],
    )
    return [row[0] for row in cr.fetchall()]


def pre_init_hook(env):
    apply_migrations(env.cr)
    create_partitions(env.cr)


def uninstall_hook(env):
    """Remove the Audit Trail buttons and actions the rules added to other models.

    The audit table itself is kept: evidence outlives the module.
    """
    env["audit.rule"].with_context(active_test=False).search([]).unlink()
