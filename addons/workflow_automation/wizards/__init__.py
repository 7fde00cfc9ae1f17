from . import workflow_transition_wizard
from . import workflow_import_wizard
from . import approval_decision_wizard
from . import workflow_bpmn_import_wizard
