from . import workflow_template_use
