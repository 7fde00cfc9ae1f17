{
    "name": "Workflow Sales Approvals: Inventory",
    "summary": "Bridge: approvers without Sales or Inventory rights open the order's form when "
    "sale_stock is installed",
    "version": "17.0.1.0.0",
    "category": "Sales/Sales",
    "author": "Smart Dairy",
    "website": "https://github.com/smart-dairy/workflow-suite",
    "license": "LGPL-3",
    "depends": ["workflow_sale", "sale_stock"],
    "data": ["views/sale_order_views.xml"],
    "installable": True,
    "auto_install": True,
    "application": False,
}
