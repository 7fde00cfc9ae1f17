from . import audit_log
from . import audit_rule
from . import audit_chain
from . import audit_partition
from . import workflow_hook
