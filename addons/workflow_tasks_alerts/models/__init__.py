from . import task_automation_rule
from . import alert_instance
