{
    "name": "Workflow Tasks: Project",
    "summary": "Task automation rules can create project tasks (with checklist sub-tasks) instead of activities",
    "version": "17.0.1.0.0",
    "category": "Productivity/Workflow",
    "author": "Smart Dairy",
    "website": "https://github.com/smart-dairy/workflow-suite",
    "license": "LGPL-3",
    "depends": ["workflow_tasks", "project"],
    "data": ["views/task_automation_rule_views.xml"],
    "installable": True,
    "auto_install": True,
}
