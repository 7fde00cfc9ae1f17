from . import test_alert_trigger
