from odoo import models


class ResUsers(models.Model):
    _inherit = "res.users"

    def _workflow_managers(self, company=None):
        """The users of these users' employees' managers (``parent_id``) in ``company``
        (default: the current one); employees without a company count in every company."""
        managers = super()._workflow_managers(company)
        if not self:
            return managers
        company = company or self.env.company
        employees = (
            self.env["hr.employee"]
            .sudo()
            .search([("user_id", "in", self.ids), ("company_id", "in", [company.id, False])])
        )
        return managers | employees.parent_id.user_id
