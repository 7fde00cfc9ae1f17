{
    "name": "Workflow Webhooks: Alerts",
    "summary": "alert.raised / alert.resolved webhook events",
    "version": "17.0.1.0.0",
    "category": "Productivity",
    "author": "Smart Dairy",
    "website": "https://github.com/smart-dairy/workflow-suite",
    "license": "LGPL-3",
    "depends": ["workflow_webhooks", "workflow_alerts"],
    "data": ["data/webhook_event_type_data.xml"],
    "installable": True,
    "auto_install": True,
    "application": False,
}
