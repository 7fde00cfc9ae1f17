from . import audit_report_wizard
