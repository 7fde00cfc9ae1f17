from . import models


def _post_init_sync_quotations(env):
    """Quotations existing before the install get their approval state from the matrix."""
    env["sale.order"].search([("state", "in", ("draft", "sent"))])._approval_sync()
