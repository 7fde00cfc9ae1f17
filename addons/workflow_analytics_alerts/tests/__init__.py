from . import test_alert_figures
