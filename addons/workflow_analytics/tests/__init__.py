from . import test_analytics, test_dashboard, test_export
from . import test_interval_table
