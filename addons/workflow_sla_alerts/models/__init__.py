from . import sla_definition
from . import sla_tracking
