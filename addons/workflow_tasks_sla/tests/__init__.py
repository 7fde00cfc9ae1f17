from . import test_sla_trigger
