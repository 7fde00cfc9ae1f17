{
    "name": "Workflow Designer",
    "summary": "Draw, check, test-run and watch workflow definitions on a canvas",
    "version": "17.0.1.0.0",
    "category": "Productivity/Workflow",
    "author": "Smart Dairy",
    "website": "https://github.com/smart-dairy/workflow-suite",
    "license": "LGPL-3",
    "depends": ["workflow_automation", "web"],
    "data": [
        "views/workflow_designer_views.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "workflow_designer/static/src/**/*",
        ],
        # loaded by the designer only (loadBundle), never with the back office
        "workflow_designer.cytoscape_lib": [
            "workflow_designer/static/lib/cytoscape/cytoscape.min.js",
            "workflow_designer/static/lib/cytoscape-dagre/cytoscape-dagre.min.js",
            "workflow_designer/static/shim/edgehandles_deps_before.js",
            "workflow_designer/static/lib/cytoscape-edgehandles/cytoscape-edgehandles.js",
            "workflow_designer/static/shim/edgehandles_deps_after.js",
        ],
        "web.assets_tests": [
            "workflow_designer/static/tests/tours/**/*",
        ],
        # Odoo's QUnit runner does not load files of static/lib folders: the tests bring them
        "web.qunit_suite_tests": [
            "workflow_designer/static/lib/cytoscape/cytoscape.min.js",
            "workflow_designer/static/lib/cytoscape-dagre/cytoscape-dagre.min.js",
            "workflow_designer/static/shim/edgehandles_deps_before.js",
            "workflow_designer/static/lib/cytoscape-edgehandles/cytoscape-edgehandles.js",
            "workflow_designer/static/shim/edgehandles_deps_after.js",
            "workflow_designer/static/tests/designer_tests.js",
        ],
    },
    "installable": True,
}
