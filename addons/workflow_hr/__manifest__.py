{
    "name": "Workflow HR",
    "summary": "Bridge: overdue approvals and SLA escalations go to the employee's manager in HR",
    "version": "17.0.1.0.0",
    "category": "Productivity/Workflow",
    "author": "Smart Dairy",
    "website": "https://github.com/smart-dairy/workflow-suite",
    "license": "LGPL-3",
    "depends": ["workflow_automation", "hr"],
    "installable": True,
    "auto_install": True,
    "application": False,
}
