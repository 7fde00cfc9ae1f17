from . import test_manager_escalation
