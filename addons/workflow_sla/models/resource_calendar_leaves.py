from odoo import api, models


class ResourceCalendarLeaves(models.Model):
    """A public holiday or closure added, moved or removed after SLAs started moves
    their due dates."""

    _inherit = "resource.calendar.leaves"

    @api.model_create_multi
    def create(self, vals_list):
        leaves = super().create(vals_list)
        leaves._sla_reschedule()
        return leaves

    def write(self, vals):
        before = self.env["resource.calendar"]._sla_calendars_of_leaves(self)
        res = super().write(vals)
        if {"date_from", "date_to", "calendar_id", "resource_id", "time_type"} & set(vals):
            self._sla_reschedule(before)
        return res

    def unlink(self):
        before = self.env["resource.calendar"]._sla_calendars_of_leaves(self)
        res = super().unlink()
        self.env["sla.tracking"]._sla_reschedule(before[0], since=before[1])
        return res

    def _sla_reschedule(self, also=None):
        calendars, since = self.env["resource.calendar"]._sla_calendars_of_leaves(self)
        if also and also[0]:
            calendars |= also[0]
            since = min(filter(None, [since, also[1]]))
        if calendars:
            self.env["sla.tracking"]._sla_reschedule(calendars, since=since)
