from . import sla_tracking
