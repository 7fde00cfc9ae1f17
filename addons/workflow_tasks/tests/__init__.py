from . import test_triggers
from . import test_assignment
from . import test_due_dates
from . import test_templates
from . import test_jobs
from . import test_security
from . import test_concurrency
from . import test_demo
