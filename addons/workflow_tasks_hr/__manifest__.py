{
    "name": "Workflow Tasks HR",
    "summary": "Bridge: overdue tasks escalate to the assignee's manager in HR",
    "version": "17.0.1.0.0",
    "category": "Productivity/Workflow",
    "author": "Smart Dairy",
    "website": "https://github.com/smart-dairy/workflow-suite",
    "license": "LGPL-3",
    "depends": ["workflow_tasks", "workflow_hr"],
    "installable": True,
    "auto_install": True,
    "application": False,
}
