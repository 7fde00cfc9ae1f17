from . import test_order_approval
from . import test_price_change
from . import test_xmlrpc
from . import test_price_job_concurrency
from . import test_system_paths
from . import test_bad_args
from . import test_approver_day
from . import test_tour
