from . import alert_resolve_wizard
