from odoo import api, fields, models


class WorkflowStructureMixin(models.AbstractModel):
    """What states and transitions share: a change to either is a change of the definition.

    Before the change, running instances are moved to a frozen copy of the
    current version (``_before_structure_change``); after it, the definition
    is checked and the ORM hooks refreshed (``_structure_changed``).  Inside
    a definition's own create/write (context ``workflow_structure_defer``)
    the definition does both once for all its lines.
    """

    _name = "workflow.structure.mixin"
    _description = "Part of a Workflow Definition"
    _structure_field = None  # the definition's one2many holding these records

    workflow_id = fields.Many2one("workflow.definition", required=True, ondelete="cascade", index=True)

    def _deferred(self):
        return self.env.context.get("workflow_structure_defer")

    @api.model_create_multi
    def create(self, vals_list):
        if not self._deferred():
            self.env["workflow.definition"].browse(
                {vals["workflow_id"] for vals in vals_list if vals.get("workflow_id")}
            )._before_structure_change({self._structure_field})
        records = super().create(vals_list)
        records.workflow_id._structure_changed()
        return records

    def write(self, vals):
        if not self._deferred():
            self.workflow_id._before_structure_change(set(vals))
        res = super().write(vals)
        self.workflow_id._structure_changed()
        return res

    def unlink(self):
        workflows = self.workflow_id
        if not self._deferred():
            workflows._before_structure_change({self._structure_field})
        self._check_unlink()
        res = super().unlink()
        workflows.exists()._structure_changed()
        return res

    def _check_unlink(self):
        """Extension point: refuse a deletion that would break running instances."""
        return None
