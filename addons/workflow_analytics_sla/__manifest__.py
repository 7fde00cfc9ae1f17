{
    "name": "Workflow Analytics: SLA",
    "summary": "SLA achieved % per SLA, team and month on the workflow analytics dashboard; team filter",
    "version": "17.0.1.0.0",
    "category": "Productivity/Workflow",
    "author": "Smart Dairy",
    "website": "https://github.com/smart-dairy/workflow-suite",
    "license": "LGPL-3",
    "depends": ["workflow_analytics", "workflow_sla"],
    "auto_install": True,
    "installable": True,
    "application": False,
}
