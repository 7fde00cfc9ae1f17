{
    "name": "Workflow Tasks: Alerts",
    "summary": "Task automation rules triggered by alerts raised on a record",
    "version": "17.0.1.0.0",
    "category": "Productivity/Workflow",
    "author": "Smart Dairy",
    "website": "https://github.com/smart-dairy/workflow-suite",
    "license": "LGPL-3",
    "depends": ["workflow_tasks", "workflow_alerts"],
    "data": ["views/task_automation_rule_views.xml"],
    "installable": True,
    "auto_install": True,
}
