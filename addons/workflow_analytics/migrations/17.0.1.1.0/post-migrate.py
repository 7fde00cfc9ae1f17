"""17.0.1.1.0: the dashboard reads the state-interval table; fill it from the existing history."""

from odoo.addons.workflow_analytics.hooks import backfill_state_intervals


def migrate(cr, version):
    if version:
        backfill_state_intervals(cr)
