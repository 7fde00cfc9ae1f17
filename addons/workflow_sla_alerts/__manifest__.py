{
    "name": "Workflow SLA Alerts",
    "summary": "Bridge: SLA warnings, breaches and escalations become alerts of an alert rule",
    "version": "17.0.1.0.0",
    "category": "Productivity/Workflow",
    "author": "Smart Dairy",
    "website": "https://github.com/smart-dairy/workflow-suite",
    "license": "LGPL-3",
    "depends": ["workflow_sla", "workflow_alerts"],
    "data": [
        "data/alert_rule_data.xml",
        "data/sla_definition_data.xml",
        "views/sla_definition_views.xml",
    ],
    "installable": True,
    "auto_install": True,
    "application": False,
}
