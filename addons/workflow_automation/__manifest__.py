{
    "name": "Workflow Automation",
    "summary": "State-machine workflows, approvals and jobs for back-office processes",
    "version": "17.0.1.0.0",
    "category": "Productivity/Workflow",
    "author": "Smart Dairy",
    "website": "https://github.com/smart-dairy/workflow-suite",
    "license": "LGPL-3",
    "depends": ["mail", "web"],
    "external_dependencies": {"python": []},
    "data": [
        "security/workflow_security.xml",
    ],
    "installable": True,
    "application": True,
}
