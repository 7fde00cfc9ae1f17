from . import test_escalation
