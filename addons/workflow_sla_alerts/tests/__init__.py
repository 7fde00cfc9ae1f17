from . import test_sla_alerts
