from . import workflow_definition
