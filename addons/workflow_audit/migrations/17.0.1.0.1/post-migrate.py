from odoo.addons.workflow_audit.hooks import apply_migrations


def migrate(cr, version):
    apply_migrations(cr, up_to="17.0.1.0.1")
