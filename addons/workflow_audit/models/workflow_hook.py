"""Capture of audit entries through the suite's shared ORM hook.

Entries are buffered per transaction in ``cr.precommit.data`` (as JSON text) and written by
one call of ``audit_log_append()`` (one multi-row INSERT) in a precommit
callback, i.e. inside the transaction, right before COMMIT:

* a rolled-back transaction clears the precommit queue: no audit row;
* a committed one runs the callback before COMMIT: if the INSERT fails, the
  COMMIT does not happen, so no change is ever committed without its entries;
* Odoo's flushing savepoints (``cr.savepoint()``) flush the buffer on entry
  and clear it when they roll back, so a rolled-back savepoint leaves nothing.
"""

import hashlib
import json
import logging
from datetime import date, datetime

from odoo import SUPERUSER_ID, api, models
from odoo.http import request

from .audit_rule import WORKFLOW_MODELS

_logger = logging.getLogger(__name__)

BUFFER_KEY = "workflow_audit.buffer"
SKIP_FIELDS = {"id", "create_uid", "create_date", "write_uid", "write_date", "__last_update", "display_name"}
SKIP_TYPES = {"binary", "one2many", "properties", "properties_definition"}
# never copied into the log, whatever the rule says: credentials and secrets
SECRET_MARKERS = ("password", "passwd", "_pass", "secret", "token", "api_key", "apikey")
NAME_SIZE = 200
CHECKPOINT_ROWS = 1000  # default of workflow_audit.checkpoint_rows


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return "<binary>"
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return str(value)


def _int_param(params, key, default, low, high):
    value = params.get(key)
    return max(low, min(high, int(value))) if value is not None and str(value).isdigit() else default


def flush_buffer(cr):
    """Write the buffered entries of ``cr``'s transaction (precommit callback).

    The writer whose entries take the audit sequence past a multiple of
    ``workflow_audit.checkpoint_rows`` asks for a checkpoint right after its
    commit, so at most about that many entries wait for the 10-minute timer.
    """
    fragments = cr.precommit.data.pop(BUFFER_KEY, None)
    if not fragments:
        return 0
    cr.execute(
        "SELECT key, value FROM ir_config_parameter WHERE key IN %s",
        [("workflow_audit.chain_slots", "workflow_audit.checkpoint_rows")],
    )
    params = dict(cr.fetchall())
    slots = _int_param(params, "workflow_audit.chain_slots", 16, 1, 256)
    every = _int_param(params, "workflow_audit.checkpoint_rows", CHECKPOINT_ROWS, 0, 10**9)
    payload = "[%s]" % ",".join(fragments)
    cr.execute("SELECT audit_log_append(%s::jsonb, %s)", [payload, slots])
    count = cr.fetchone()[0]
    if every and count:
        # ids come from one sequence: exactly one writer crosses each multiple of
        # ``every`` (unless the crossing id went to a rolled-back batch: then the next one does)
        cr.execute("SELECT currval('audit_log_id_seq')")
        last = cr.fetchone()[0]
        if last // every > (last - count) // every:
            _request_checkpoint(cr)
    return count


def _request_checkpoint(cr):
    """Have the checkpoint job run right after this transaction commits: its cron
    line is triggered now (Odoo's cron workers are woken) and, when Celery is
    switched on, a worker is asked too (whichever comes first signs; the other
    finds the lock taken or nothing new)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref("workflow_audit.cron_audit_checkpoint", raise_if_not_found=False)
    if cron:
        cron._trigger()
    env["workflow.job"]._enqueue_after_commit("audit.chain", "_job_checkpoint")
    env.flush_all()  # the trigger row is part of this transaction
    _logger.debug("audit: checkpoint requested (workflow_audit.checkpoint_rows reached)")


class WorkflowHook(models.AbstractModel):
    _inherit = "workflow.hook"

    # -- what to watch ---------------------------------------------------------
    @api.model
    def _hook_watched(self):
        res = super()._hook_watched()
        for model, (events, _excluded) in self.env["audit.rule"]._audit_config().items():
            res.setdefault(model, set()).update(events)
        for model, (event, _action) in WORKFLOW_MODELS.items():
            if model in self.env:
                res.setdefault(model, set()).add(event)
        return res

    def _audit_rule(self, model_name, event):
        """Excluded field names if ``event`` on ``model_name`` is audited, else None."""
        config = self.env["audit.rule"]._audit_config().get(model_name)
        if config and event in config[0]:
            return config[1]
        return None

    # -- buffer ------------------------------------------------------------------
    @api.model
    def _audit_flush_buffer(self, cr=None):
        return flush_buffer(cr or self.env.cr)

    def _audit_context(self):
        """(user id, user name, ip, user agent, session digest) of the current call."""
        env = self.env
        ip = agent = session = None
        if request:
            httprequest = request.httprequest
            ip = httprequest.remote_addr
            agent = (httprequest.headers.get("User-Agent") or "")[:500] or None
            sid = getattr(request.session, "sid", None)
            if sid:
                # a session id is a credential: keep a digest that still correlates entries
                session = hashlib.sha256(sid.encode()).hexdigest()[:32]
        return env.uid, (env.user.sudo().name or "")[:NAME_SIZE], ip, agent, session

    def _audit_push(self, rows):
        """Buffer ``rows`` until the precommit flush, as JSON text: the rows die young
        (serialised here, one ``json.dumps`` per ORM call) instead of living until the
        commit as thousands of lists and dicts the garbage collector keeps walking."""
        if not rows:
            return
        cr = self.env.cr
        data = cr.precommit.data
        buffer = data.get(BUFFER_KEY)
        if buffer is None:
            buffer = data[BUFFER_KEY] = []
            cr.precommit.add(lambda: flush_buffer(cr))
        buffer.append(json.dumps(rows, default=_json_default, ensure_ascii=False)[1:-1])

    def _audit_rows(self, records, action, old=None, new=None, names=None, companies=None, extra=None):
        uid, uname, ip, agent, session = self._audit_context()
        names = names if names is not None else self._audit_names(records)
        companies = companies if companies is not None else self._audit_companies(records)
        # one pass, no allocation beyond the row itself in the common case (every
        # audited field changed): this loop runs once per audited record
        rows = []
        append = rows.append
        model = records._name
        extra = extra or {}
        no_link = (None, None)
        is_update = action == "update"
        for rid in records._ids:
            before = old.get(rid) if old is not None else None
            after = new.get(rid) if new is not None else None
            if is_update:
                changed = [f for f, value in after.items() if before.get(f) != value]
                if not changed:
                    continue
                if len(changed) != len(after) or len(before) != len(after):
                    before = {f: before.get(f) for f in changed}
                    after = {f: after[f] for f in changed}
            else:
                changed = sorted((after or before or {}).keys())
            instance, approval = extra.get(rid, no_link)
            append(
                [
                    model,
                    rid,
                    names.get(rid),
                    action,
                    before,
                    after,
                    changed,
                    uid,
                    uname,
                    ip,
                    agent,
                    session,
                    instance,
                    approval,
                    companies.get(rid),
                ]
            )
        return rows

    # -- values ------------------------------------------------------------------
    @api.model
    def _audit_fields(self, records, excluded, names=None):
        fields_map = records._fields
        candidates = names if names is not None else fields_map
        return [
            name
            for name in candidates
            if name in fields_map
            and name not in SKIP_FIELDS
            and name not in excluded
            and fields_map[name].store
            and fields_map[name].type not in SKIP_TYPES
            and not any(marker in name for marker in SECRET_MARKERS)
        ]

    @api.model
    def _audit_values(self, records, fnames):
        """``{id: {field: json-able value}}`` read set-based from the ORM cache."""
        records = records.sudo().with_context(workflow_hook_skip=True, active_test=False)
        result = {rid: {} for rid in records._ids}
        if not fnames or not records:
            return result
        records.fetch(fnames)
        cache = records.env.cache
        for fname in fnames:
            field = records._fields[fname]
            values = cache.get_until_miss(records, field)
            if len(values) < len(records):  # evicted from the cache: read the rest one by one
                values += [field.convert_to_cache(rec[fname], rec) for rec in records[len(values) :]]
            relational = field.type in ("many2one", "many2many")
            for rid, value in zip(records._ids, values, strict=True):
                if relational:
                    value = (list(value) if value else []) if field.type == "many2many" else (value or False)
                elif value is None:
                    value = False
                result[rid][fname] = value
        return result

    @api.model
    def _audit_names(self, records):
        """Record names; the stored ``_rec_name`` column when there is one (read
        set-based from the cache), else ``display_name`` (may be costly)."""
        rec_name = records._fields.get(records._rec_name or "")
        if rec_name and rec_name.store and rec_name.type == "char":
            values = self._audit_values(records, [rec_name.name])
            return {rid: (vals[rec_name.name] or "")[:NAME_SIZE] for rid, vals in values.items()}
        records = records.sudo().with_context(workflow_hook_skip=True, active_test=False)
        try:
            names = records.mapped("display_name")
        except Exception:  # a broken display name must not block the business operation
            _logger.debug("audit: no display name for %s", records, exc_info=True)
            return {}
        return {rid: (name or "")[:NAME_SIZE] for rid, name in zip(records._ids, names, strict=True)}

    @api.model
    def _audit_companies(self, records):
        default = self.env.company.id
        field = records._fields.get("company_id")
        if not field or field.type != "many2one" or field.comodel_name != "res.company":
            return dict.fromkeys(records._ids, default)
        values = self._audit_values(records, ["company_id"])
        return {rid: vals["company_id"] or default for rid, vals in values.items()}

    # -- ORM events -----------------------------------------------------------------
    @api.model
    def _hook_after_create(self, records):
        res = super()._hook_after_create(records)
        if records._name in WORKFLOW_MODELS and WORKFLOW_MODELS[records._name][0] == "create":
            self._audit_workflow(records)
        excluded = self._audit_rule(records._name, "create")
        if excluded is not None:
            fnames = self._audit_fields(records, excluded)
            values = self._audit_values(records, fnames)
            new = {
                rid: {k: v for k, v in vals.items() if v not in (False, None, [])}
                for rid, vals in values.items()
            }
            self._audit_push(self._audit_rows(records, "create", new=new))
        return res

    @api.model
    def _hook_before_write(self, records, vals):
        pre = super()._hook_before_write(records, vals)
        excluded = self._audit_rule(records._name, "write")
        if excluded is not None:
            fnames = self._audit_fields(records, excluded, names=list(vals))
            if fnames:
                # one query for the old values and what the entries need afterwards
                # (company, record name), so that the after-write part reads the cache
                extra = [
                    name
                    for name in ("company_id", records._rec_name)
                    if name and name in records._fields and records._fields[name].store and name not in fnames
                ]
                records.sudo().with_context(active_test=False).fetch(fnames + extra)
                pre["workflow_audit"] = (fnames, self._audit_values(records, fnames))
        if records._name in WORKFLOW_MODELS and WORKFLOW_MODELS[records._name][0] == "write":
            pre["workflow_audit_approval"] = True
        return pre

    @api.model
    def _hook_after_write(self, records, vals, pre):
        res = super()._hook_after_write(records, vals, pre)
        if "workflow_audit" in pre:
            fnames, old = pre["workflow_audit"]
            new = self._audit_values(records, fnames)
            self._audit_push(self._audit_rows(records, "update", old=old, new=new))
        if pre.get("workflow_audit_approval"):
            self._audit_approval(records, vals)
        return res

    @api.model
    def _hook_before_unlink(self, records):
        pre = super()._hook_before_unlink(records)
        excluded = self._audit_rule(records._name, "unlink")
        if excluded is not None:
            fnames = self._audit_fields(records, excluded)
            values = self._audit_values(records, fnames)
            old = {
                rid: {k: v for k, v in vals.items() if v not in (False, None, [])}
                for rid, vals in values.items()
            }
            pre["workflow_audit"] = self._audit_rows(records, "delete", old=old)
        return pre

    @api.model
    def _hook_after_unlink(self, model_name, ids, pre):
        res = super()._hook_after_unlink(model_name, ids, pre)
        self._audit_push(pre.get("workflow_audit"))
        return res

    @api.model
    def _hook_after_read(self, records, field_names):
        res = super()._hook_after_read(records, field_names)
        if self._audit_rule(records._name, "read") is not None:
            fnames = sorted(field_names) if field_names else None
            new = dict.fromkeys(records._ids)
            rows = self._audit_rows(records, "access", new=new, names={})
            for row in rows:
                row[6] = fnames
            self._audit_push(rows)
        return res

    # -- workflow_automation --------------------------------------------------------
    @api.model
    def _audit_workflow(self, history):
        """A workflow transition: logged on the business record of its instance."""
        history = history.sudo().with_context(workflow_hook_skip=True)
        uid, uname, ip, agent, session = self._audit_context()
        rows = []
        for entry in history:
            instance = entry.instance_id
            rows.append(
                [
                    instance.model_name or history._name,
                    instance.record_id or entry.id,
                    (instance.display_name or "")[:NAME_SIZE],
                    "workflow",
                    {"state": entry.from_state_id.display_name} if entry.from_state_id else None,
                    {
                        "state": entry.to_state_id.display_name,
                        "transition": entry.transition_id.display_name,
                        "action_type": entry.action_type,
                        "comment": entry.comment,
                    },
                    ["state"],
                    entry.performed_by.id or uid,
                    (entry.performed_by.name or uname)[:NAME_SIZE],
                    ip,
                    agent,
                    session,
                    instance.id,
                    None,
                    instance.company_id.id or self.env.company.id,
                ]
            )
        self._audit_push(rows)

    @api.model
    def _audit_approval(self, assignments, vals):
        """An approval decision: a write of the state of an approval assignment."""
        decision_field = next((f for f in ("state", "status", "decision") if f in vals), None)
        if not decision_field:
            return
        assignments = assignments.sudo().with_context(workflow_hook_skip=True)
        request_field = next(
            (f for f in ("request_id", "approval_request_id") if f in assignments._fields), None
        )
        extra = {}
        names = {}
        for rec in assignments:
            req = rec[request_field] if request_field else None
            instance = req.instance_id.id if req is not None and "instance_id" in req._fields else None
            extra[rec.id] = (instance, req.id if req else None)
            names[rec.id] = (req.display_name if req else rec.display_name or "")[:NAME_SIZE]
        new = {
            rec.id: {decision_field: rec[decision_field], "comment": vals.get("comment")}
            for rec in assignments
        }
        rows = self._audit_rows(assignments, "approval", new=new, names=names, extra=extra)
        self._audit_push(rows)
