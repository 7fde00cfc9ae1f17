{
    "name": "Workflow Analytics",
    "summary": "Cycle times, bottlenecks, approver response times and a process-mining export of workflows",
    "version": "17.0.1.1.0",
    "category": "Productivity/Workflow",
    "author": "Smart Dairy",
    "website": "https://github.com/smart-dairy/workflow-suite",
    "license": "LGPL-3",
    "depends": ["workflow_automation", "resource"],
    "data": [
        "security/ir.model.access.csv",
        "security/analytics_rules.xml",
        "data/ir_cron.xml",
        "data/digest_templates.xml",
        "views/interval_views.xml",
        "views/workflow_definition_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/analytics_demo.xml"],
    "assets": {
        "web.assets_backend": [
            "workflow_analytics/static/src/**/*",
        ],
        "web.assets_tests": [
            "workflow_analytics/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "installable": True,
    "application": False,
}
