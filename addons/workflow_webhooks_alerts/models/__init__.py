from . import alert_instance
from . import alert_rule
