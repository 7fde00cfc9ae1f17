from . import test_sla_events
