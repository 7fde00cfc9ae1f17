from . import test_inventory
from . import test_throttle
from . import test_delivery
from . import test_escalation
from . import test_event
from . import test_rules
from . import test_display
from . import test_tour
