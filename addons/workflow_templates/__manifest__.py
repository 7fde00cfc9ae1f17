{
    "name": "Workflow Templates",
    "summary": "A library of ready dairy workflows, a gallery and a wizard that turns one into a draft workflow",
    "version": "17.0.1.0.0",
    "category": "Productivity/Workflow",
    "author": "Smart Dairy",
    "website": "https://github.com/smart-dairy/workflow-suite",
    "license": "LGPL-3",
    # product: the generic request names a product (product.product); no stock: its lot is a text
    "depends": ["workflow_automation", "mail", "product"],
    "data": [
        "security/ir.model.access.csv",
        "security/workflow_templates_rules.xml",
        "data/ir_sequence.xml",
        "data/request_category_data.xml",
        "data/template_loader.xml",
        "views/workflow_template_views.xml",
        "wizards/workflow_template_use_views.xml",
        "views/workflow_request_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/workflow_request_demo.xml"],
    "assets": {
        "web.assets_tests": ["workflow_templates/static/tests/tours/**/*"],
    },
    "installable": True,
    "application": False,
}
