/**
 * cytoscape-edgehandles' browser build takes lodash's memoize and throttle from the global `_`.
 * Odoo 17 ships no lodash: this file (ours, not vendored) lends it these two functions while
 * the next file of the bundle loads; edgehandles_deps_after.js puts back what was there.
 */
(function () {
    "use strict";
    function memoize(fn, resolver) {
        const cache = new Map();
        const memoized = function (...args) {
            const key = resolver ? resolver.apply(this, args) : args[0];
            if (cache.has(key)) {
                return cache.get(key);
            }
            const result = fn.apply(this, args);
            cache.set(key, result);
            return result;
        };
        memoized.cache = cache;
        return memoized;
    }
    function throttle(fn, wait) {
        let last = 0;
        let timer = null;
        let lastArgs = null;
        return function (...args) {
            const now = Date.now();
            const remaining = wait - (now - last);
            lastArgs = args;
            if (remaining <= 0) {
                clearTimeout(timer);
                timer = null;
                last = now;
                fn.apply(this, args);
            } else if (!timer) {
                timer = setTimeout(() => {
                    last = Date.now();
                    timer = null;
                    fn.apply(this, lastArgs);
                }, remaining);
            }
        };
    }
    window.__workflowDesignerSavedUnderscore = window._;
    window._ = Object.assign({}, window._ || {}, { memoize, throttle });
})();
