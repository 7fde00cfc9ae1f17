from . import task_role
from . import task_automation_rule
from . import task_automation_escalation
from . import task_automation_task
from . import workflow_hook
from . import workflow_instance
from . import mail_activity
from . import task_automation_rule_test
