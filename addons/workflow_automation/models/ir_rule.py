from odoo import api, models
from odoo.tools import SQL

APPROVERS_GROUP = "workflow_automation.group_workflow_user"


class IrRule(models.Model):
    _inherit = "ir.rule"

    @api.model
    def _eval_context(self):
        """Record rules may call ``workflow_reads_all('model')`` (see ``_workflow_reads_all``)."""
        context = super()._eval_context()
        context["workflow_reads_all"] = self._workflow_reads_all
        return context

    @api.model
    def _workflow_reads_all(self, model_name):
        """Whether the current user reads every record of ``model_name`` (subject to global rules)
        through groups other than the approvers' group: an access right for reading it, and no
        record rule of those groups narrowing what they read.

        Approvers read what they approve through a read rule of ``group_workflow_user``, which every
        internal user has. In Odoo a user's group rules are OR-ed, and a user with no group rule on a
        model reads all of it: a group rule given to everyone would therefore narrow the users who
        read a document model through another module's access right without a rule (warehouse users
        on sale orders through sale_stock, accounting, manufacturing, ...) to what they approve. The
        approvers' rules say ``[(1, '=', 1)] if workflow_reads_all('model') else [approver domain]``
        and so give back exactly what those users read without them, whatever module gave it.

        Evaluated when Odoo computes the user's rule domain (cached per user and model until rules,
        access rights or groups change)."""
        approvers = self.env.ref(APPROVERS_GROUP, raise_if_not_found=False)
        group_ids = tuple((self.env.user.groups_id - approvers).ids) or (0,)
        self.env["ir.model.access"].flush_model()
        self.env["ir.rule"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT 1 FROM ir_model_access a JOIN ir_model m ON m.id = a.model_id
                   WHERE m.model = %s AND a.active AND a.perm_read
                     AND (a.group_id IS NULL OR a.group_id IN %s)
                   LIMIT 1""",
                model_name,
                group_ids,
            )
        )
        if not self.env.cr.fetchone():
            return False
        self.env.cr.execute(
            SQL(
                """SELECT 1 FROM ir_rule r JOIN ir_model m ON m.id = r.model_id
                   JOIN rule_group_rel rg ON rg.rule_group_id = r.id
                   WHERE m.model = %s AND r.active AND r.perm_read AND rg.group_id IN %s
                   LIMIT 1""",
                model_name,
                group_ids,
            )
        )
        return not self.env.cr.fetchone()
