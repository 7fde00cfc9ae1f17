{
    "name": "Workflow Tasks: SLA",
    "summary": "Task automation rules triggered by SLA warnings and breaches",
    "version": "17.0.1.0.0",
    "category": "Productivity/Workflow",
    "author": "Smart Dairy",
    "website": "https://github.com/smart-dairy/workflow-suite",
    "license": "LGPL-3",
    "depends": ["workflow_tasks", "workflow_sla"],
    "data": ["views/task_automation_rule_views.xml"],
    "installable": True,
    "auto_install": True,
}
