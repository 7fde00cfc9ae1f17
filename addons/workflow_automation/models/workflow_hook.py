"""One shared set of ORM patches for every addon of the suite.

The workflow triggers, the audit trail and the SLA tracker all need to see
records being created, written, deleted (and, for auditing, read) on models
chosen by configuration.  Odoo's ``base_automation`` patches the registry
classes for that; if each addon did the same, un-registering one would remove
the others' patches.  Here a single dispatcher owns the patches and every addon
plugs into it by extending ``workflow.hook``:

* ``_hook_watched()``  -> ``{model_name: {"create", "write", "unlink", "read"}}``
  (extend with ``super()`` and merge);
* ``_hook_after_create(records)``;
* ``_hook_before_write(records, vals)`` -> ``dict`` handed back to
  ``_hook_after_write(records, vals, pre)`` (use a key of your own);
* ``_hook_before_unlink(records)`` -> ``dict``, then
  ``_hook_after_unlink(model_name, ids, pre)``;
* ``_hook_after_read(records, field_names)``.

Handlers run in the caller's environment and transaction.  After changing the
configuration an addon calls ``env["workflow.hook"]._hook_refresh()``.
"""

import logging

from odoo import api, models

_logger = logging.getLogger(__name__)

PATCH_MARK = "_workflow_hook_patch"
EVENTS = ("create", "write", "unlink", "read")
SKIP_CONTEXT = "workflow_hook_skip"


def _make_create():
    @api.model_create_multi
    def create(self, vals_list, **kw):
        records = create.origin(self, vals_list, **kw)
        if not self.env.context.get(SKIP_CONTEXT):
            self.env["workflow.hook"]._hook_after_create(records)
        return records

    return create


def _make_write():
    def write(self, vals, **kw):
        if self.env.context.get(SKIP_CONTEXT) or not self:
            return write.origin(self, vals, **kw)
        hook = self.env["workflow.hook"]
        pre = hook._hook_before_write(self, vals)
        res = write.origin(self, vals, **kw)
        hook._hook_after_write(self, vals, pre)
        return res

    return write


def _make_unlink():
    def unlink(self, **kw):
        if self.env.context.get(SKIP_CONTEXT) or not self:
            return unlink.origin(self, **kw)
        hook = self.env["workflow.hook"]
        ids = list(self._ids)
        pre = hook._hook_before_unlink(self)
        res = unlink.origin(self, **kw)
        hook._hook_after_unlink(self._name, ids, pre)
        return res

    return unlink


def _make_read():
    def read(self, fields=None, load="_classic_read", **kw):
        res = read.origin(self, fields, load=load, **kw)
        if res and not self.env.context.get(SKIP_CONTEXT):
            self.env["workflow.hook"]._hook_after_read(self, fields)
        return res

    return read


MAKERS = {"create": _make_create, "write": _make_write, "unlink": _make_unlink, "read": _make_read}


class WorkflowHook(models.AbstractModel):
    _name = "workflow.hook"
    _description = "Workflow ORM Hooks"

    # -- extension points ------------------------------------------------
    @api.model
    def _hook_watched(self):
        return {}

    @api.model
    def _hook_after_create(self, records):
        return None

    @api.model
    def _hook_before_write(self, records, vals):
        return {}

    @api.model
    def _hook_after_write(self, records, vals, pre):
        return None

    @api.model
    def _hook_before_unlink(self, records):
        return {}

    @api.model
    def _hook_after_unlink(self, model_name, ids, pre):
        return None

    @api.model
    def _hook_after_read(self, records, field_names):
        return None

    # -- patch management ------------------------------------------------
    def _register_hook(self):
        super()._register_hook()
        self._hook_unpatch()
        try:
            watched = self.with_context(active_test=True)._hook_watched()
        except Exception:  # tables missing while a module is being installed
            _logger.debug("workflow hooks not installed yet", exc_info=True)
            return
        for model_name, events in watched.items():
            if model_name not in self.env.registry:
                continue
            cls = self.env.registry[model_name]
            for event in EVENTS:
                if event in events:
                    self._hook_patch(cls, event)
        self._hook_guard_base_automation()

    @api.model
    def _hook_patch(self, cls, name):
        current = getattr(cls, name)
        if getattr(current, PATCH_MARK, False):
            return
        method = MAKERS[name]()
        method.origin = current
        setattr(method, PATCH_MARK, True)
        setattr(cls, name, method)

    @api.model
    def _hook_unpatch(self):
        for cls in self.env.registry.models.values():
            for name in EVENTS:
                own = cls.__dict__.get(name)
                if own is None or not getattr(own, PATCH_MARK, False):
                    continue
                delattr(cls, name)
                origin = own.origin
                # keep a patch somebody else put on top of the class before us
                if getattr(cls, name) is not origin:
                    setattr(cls, name, origin)

    @api.model
    def _hook_guard_base_automation(self):
        """base_automation deletes every create/write/unlink patch when its rules
        change; put ours back right after it re-patches."""
        if "base.automation" not in self.env.registry:
            return
        cls = self.env.registry["base.automation"]
        current = cls._update_registry
        if getattr(current, PATCH_MARK, False):
            return

        def _update_registry(rec):
            _update_registry.origin(rec)
            if rec.env.registry.ready:
                rec.env["workflow.hook"]._register_hook()

        _update_registry.origin = current
        setattr(_update_registry, PATCH_MARK, True)
        cls._update_registry = _update_registry

    @api.model
    def _hook_patched(self):
        """``{(model_name, event)}`` patched in this process's registry."""
        return {
            (model_name, event)
            for model_name, cls in self.env.registry.models.items()
            for event in EVENTS
            if getattr(cls.__dict__.get(event), PATCH_MARK, False)
        }

    @api.model
    def _hook_refresh(self):
        """Re-install the patches after a configuration change and tell the other workers.

        Only when the patched set changed: every other process (HTTP workers, Celery pool
        processes) then reloads its whole registry on its next request — seconds of CPU each
        with every app installed, and its password check cache is lost. A change that patches
        nothing new (one more workflow on an already watched model, an SLA edited) needs none:
        the handlers read the configuration when they run. A patch left on a model nothing
        watches any more (two concurrent removals) only costs a call to handlers that find
        nothing, until the next reload.
        """
        if self.env.registry.ready and not self.env.context.get("import_file"):
            before = self._hook_patched()
            self._register_hook()
            if self._hook_patched() != before:
                self.env.registry.registry_invalidated = True
