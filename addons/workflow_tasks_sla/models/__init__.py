from . import task_automation_rule
from . import sla_tracking
