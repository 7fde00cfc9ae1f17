from . import task_automation_rule
from . import task_automation_task
from . import project_task
