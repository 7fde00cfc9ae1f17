from . import sla_team
from . import sla_definition
from . import sla_escalation_step
from . import sla_pause
from . import sla_tracking
from . import workflow_hook
from . import resource_calendar
from . import resource_calendar_leaves
