from . import test_business_time
from . import test_sla_lifecycle
from . import test_sla_scan
from . import test_sla_access
from . import test_sla_workflow_instance
from . import test_sla_reporting
from . import test_sla_display
from . import test_tour
