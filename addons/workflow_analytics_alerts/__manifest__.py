{
    "name": "Workflow Analytics: Alerts",
    "summary": "Alerts per rule and time to acknowledge on the workflow analytics dashboard",
    "version": "17.0.1.0.0",
    "category": "Productivity/Workflow",
    "author": "Smart Dairy",
    "website": "https://github.com/smart-dairy/workflow-suite",
    "license": "LGPL-3",
    "depends": ["workflow_analytics", "workflow_alerts"],
    "auto_install": True,
    "installable": True,
    "application": False,
}
