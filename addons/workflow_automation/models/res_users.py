from odoo import models


class ResUsers(models.Model):
    _inherit = "res.users"

    def _workflow_managers(self, company=None):
        """Extension point: the managers of these users, to whom overdue approvals and SLA
        escalations may go.  Nobody here; workflow_hr (auto-installed with hr) returns the
        users of their employees' managers in ``company``."""
        return self.env["res.users"]
