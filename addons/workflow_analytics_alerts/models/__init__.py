from . import workflow_analytics
