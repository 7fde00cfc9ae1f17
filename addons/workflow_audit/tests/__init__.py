from . import test_capture
from . import test_immutability
from . import test_chain
from . import test_partition
from . import test_access
from . import test_report
from . import test_http
from . import test_workflow_capture
