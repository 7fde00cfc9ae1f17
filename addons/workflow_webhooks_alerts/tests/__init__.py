from . import test_alert_events
