from odoo import api, models

RESCHEDULE_FIELDS = {"tz", "attendance_ids", "two_weeks_calendar"}


class ResourceCalendar(models.Model):
    _inherit = "resource.calendar"

    def write(self, vals):
        res = super().write(vals)
        if RESCHEDULE_FIELDS & set(vals):
            self.env["sla.tracking"]._sla_reschedule(self)
        return res

    @api.model
    def _sla_calendars_of_leaves(self, leaves):
        """Calendars whose business time the global leaves change (all of them for leaves
        without calendar)."""
        leaves = leaves.filtered(lambda leave: not leave.resource_id)
        if not leaves:
            return self.browse(), None
        since = min(leaves.mapped("date_from"))
        if any(not leave.calendar_id for leave in leaves):
            return self.with_context(active_test=False).search([]), since
        return leaves.calendar_id, since
