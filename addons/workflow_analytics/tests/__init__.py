from . import test_analytics, test_export
