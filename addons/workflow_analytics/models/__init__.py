from . import workflow_analytics_interval, workflow_analytics, workflow_definition
