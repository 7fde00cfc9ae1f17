"""Install, upgrade and uninstall of the state-interval table (see models/interval_table.py)."""

import logging

from .models import interval_table

_logger = logging.getLogger(__name__)


def backfill_state_intervals(cr):
    """Fill the state-interval table from the history already in the database."""
    count = interval_table.rebuild(cr)
    _logger.info("workflow analytics: %s state intervals computed from the history", count)


def post_init_hook(env):
    # the table and its triggers were created by the model's init(); the history
    # written before this addon was installed is turned into stays here
    backfill_state_intervals(env.cr)


def uninstall_hook(env):
    # the triggers on workflow_history must not outlive the addon
    interval_table.drop_schema(env.cr)
