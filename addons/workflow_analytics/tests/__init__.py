from . import test_analytics, test_dashboard, test_export
