/** Puts back the global `_` that edgehandles_deps_before.js lent to cytoscape-edgehandles. */
(function () {
    "use strict";
    if (window.__workflowDesignerSavedUnderscore === undefined) {
        delete window._;
    } else {
        window._ = window.__workflowDesignerSavedUnderscore;
    }
    delete window.__workflowDesignerSavedUnderscore;
})();
