"""Incoming webhooks: a signed call starts a workflow, fires a transition or decides an approval.

Each endpoint has its own route ``/workflow/webhook/in/<token>`` (a random
token) and its own Standard Webhooks secret; the call is checked (signature,
5-minute timestamp tolerance), then the configured action runs **as the
configured user** (``with_user``: that user's rights, never sudo), inside a
savepoint, so that a refused call changes nothing.  A message id that already
succeeded is answered again from the log without acting twice.  Every call is logged.
"""

import json
import secrets as _secrets
import time

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError

from odoo.addons.workflow_automation.tools.conditions import parse_domain

from ..tools import signature

ROUTE = "/workflow/webhook/in/"
MAX_BODY = 256 * 1024


class IncomingRefused(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code


class WebhookIncoming(models.Model):
    _name = "workflow.webhook.incoming"
    _description = "Incoming Webhook"
    _order = "name, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    token = fields.Char(
        required=True, readonly=True, copy=False, index=True, default=lambda self: _secrets.token_urlsafe(24)
    )
    url = fields.Char("URL", compute="_compute_url", help="Where the sender POSTs (signed).")
    secret = fields.Char(
        groups="base.group_system", copy=False, help="Signing secret (whsec_...) shared with the sender."
    )
    action = fields.Selection(
        [("start", "Start a workflow"), ("fire", "Do a transition"), ("decide", "Decide an approval")],
        required=True,
        default="start",
    )
    workflow_id = fields.Many2one("workflow.definition", required=True, ondelete="cascade")
    model_name = fields.Char(related="workflow_id.model_name")
    transition_id = fields.Many2one(
        "workflow.transition",
        domain="[('workflow_id', '=', workflow_id)]",
        help='Empty: the call names it ("transition": its name).',
    )
    lookup = fields.Selection(
        [("id", 'Document ID ("record_id")'), ("ref", 'External reference ("reference")')],
        "Find the Document By",
        required=True,
        default="id",
    )
    ref_field_id = fields.Many2one(
        "ir.model.fields",
        "Reference Field",
        ondelete="cascade",
        domain="[('model', '=', model_name), ('ttype', '=', 'char')]",
    )
    filter_domain = fields.Char(
        "Only Documents Matching", help="The document must also match this condition."
    )
    user_id = fields.Many2one(
        "res.users", "Run As", required=True, help="The action runs with this user's rights, and only them."
    )
    call_ids = fields.One2many("workflow.webhook.incoming.call", "incoming_id", "Calls")

    def _compute_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
        for rec in self:
            rec.url = base.rstrip("/") + ROUTE + rec.token

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self.env["workflow.webhook.endpoint"]._check_subscriber(vals)
        records = super().create(vals_list)
        for rec in records.sudo():
            if not rec.secret:
                rec.secret = signature.new_secret()
        return records

    def write(self, vals):
        # the action runs with this user's rights: only an administrator may choose another user
        self.env["workflow.webhook.endpoint"]._check_subscriber(vals)
        return super().write(vals)

    @api.constrains("lookup", "ref_field_id", "filter_domain")
    def _check_lookup(self):
        for rec in self:
            if rec.lookup == "ref" and not rec.ref_field_id:
                raise ValidationError(_("%s: choose the field holding the external reference.", rec.name))
            if rec.filter_domain:
                parse_domain(rec.filter_domain, where=_("the filter of %s", rec.name))

    def action_new_secret(self):
        if not self.env.is_superuser() and not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only administrators may see or change webhook secrets."))
        for rec in self.sudo():
            rec.secret = signature.new_secret()
        return True

    # ------------------------------------------------------------------
    # handling a call (system path, called by the controller)
    # ------------------------------------------------------------------
    @api.model
    def _handle(self, token, headers, body, remote_addr=None):
        """Check and run one call; returns ``(http_status, json_answer)``."""
        endpoint = self.sudo().search([("token", "=", token or "")], limit=1) if token else self.browse()
        if not endpoint:
            return 404, {
                "error": "unknown_endpoint",
                "message": "No active incoming webhook at this address.",
            }
        lowered = {k.lower(): v for k, v in headers.items()}
        msg_id = (lowered.get("webhook-id") or "")[:128]
        log = {
            "incoming_id": endpoint.id,
            "msg_id": msg_id or False,
            "remote_addr": remote_addr,
            "company_id": endpoint.company_id.id,
            "body_excerpt": body[:1000].decode("utf-8", "replace"),
        }
        try:
            if len(body) > MAX_BODY:
                raise IncomingRefused(413, "too_large", "The body is larger than %s bytes." % MAX_BODY)
            try:
                signature.verify([endpoint.secret], headers, body, time.time())
            except signature.SignatureError as exc:
                code = "stale_timestamp" if exc.reason == "stale" else "bad_signature"
                raise IncomingRefused(401, code, str(exc)) from exc
            self.env.cr.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", ("wfwh-in:%s:%s" % (endpoint.id, msg_id),)
            )
            done = (
                self.env["workflow.webhook.incoming.call"]
                .sudo()
                .search(
                    [("incoming_id", "=", endpoint.id), ("msg_id", "=", msg_id), ("state", "=", "done")],
                    limit=1,
                )
            )
            if done:
                answer = dict(json.loads(done.answer or "{}"), replayed=True)
                self.env["workflow.webhook.incoming.call"].sudo().create(
                    dict(log, state="duplicate", status_code=200, answer=json.dumps(answer))
                )
                return 200, answer
            try:
                data = json.loads(body or b"{}")
            except ValueError as exc:
                raise IncomingRefused(400, "bad_json", "The body is not JSON.") from exc
            if not isinstance(data, dict):
                raise IncomingRefused(400, "bad_json", "The body must be a JSON object.")
            with self.env.cr.savepoint():
                answer = endpoint._run(data)
        except IncomingRefused as exc:
            answer = {"error": exc.code, "message": str(exc)}
            self.env["workflow.webhook.incoming.call"].sudo().create(
                dict(log, state="refused", status_code=exc.status, answer=json.dumps(answer))
            )
            return exc.status, answer
        answer["ok"] = True
        self.env["workflow.webhook.incoming.call"].sudo().create(
            dict(
                log,
                state="done",
                status_code=200,
                answer=json.dumps(answer),
                model_name=answer.get("model"),
                record_id=answer.get("record_id"),
            )
        )
        return 200, answer

    def _run(self, data):
        """The configured action as the configured user; ``IncomingRefused`` when refused."""
        self.ensure_one()
        user = self.user_id
        if not user.active:
            raise IncomingRefused(403, "forbidden", "The user this webhook runs as is archived.")
        env = self.env(
            user=user.id, su=False, context=dict(self.env.context, allowed_company_ids=[self.company_id.id])
        )
        try:
            record = self._find_record(env, data)
            comment = data.get("comment")
            if comment is not None and not isinstance(comment, str):
                raise IncomingRefused(400, "bad_request", '"comment" must be text.')
            answer = {"model": record._name, "record_id": record.id}
            if self.action == "start":
                instance_id = env["workflow.instance"].start_workflow(
                    self.workflow_id.code, record._name, record.id, context_data=data.get("context") or None
                )
                answer["instance_id"] = instance_id
            elif self.action == "fire":
                instance = self._running_instance(env, record)
                transition = self._transition(instance, data)
                answer["state"] = instance.fire(transition.id, comment)
                answer["instance_id"] = instance.id
            else:
                decision = data.get("decision")
                if decision not in ("approve", "reject"):
                    raise IncomingRefused(400, "bad_request", '"decision" must be "approve" or "reject".')
                request = env["approval.request"].search(
                    [
                        ("model_name", "=", record._name),
                        ("record_id", "=", record.id),
                        ("status", "=", "pending"),
                        ("workflow_id", "=", self.workflow_id.id),
                    ],
                    limit=1,
                )
                if not request:
                    raise IncomingRefused(
                        404, "unknown_approval", "No pending approval of this workflow on that document."
                    )
                result = request.approve(comment) if decision == "approve" else request.reject(comment)
                answer.update(request_id=request.id, status=result.get(str(request.id)))
            return answer
        except AccessError as exc:
            raise IncomingRefused(403, "forbidden", exc.args[0]) from exc
        except MissingError as exc:
            raise IncomingRefused(404, "unknown_record", exc.args[0]) from exc
        except (UserError, ValidationError) as exc:
            raise IncomingRefused(422, "refused", exc.args[0]) from exc

    def _find_record(self, env, data):
        Model = env[self.workflow_id.model_name]
        if self.lookup == "id":
            value = data.get("record_id")
            if not isinstance(value, int) or isinstance(value, bool):
                raise IncomingRefused(400, "bad_request", '"record_id" (an integer) is required.')
            domain = [("id", "=", value)]
        else:
            value = data.get("reference")
            if not isinstance(value, str) or not value:
                raise IncomingRefused(400, "bad_request", '"reference" (text) is required.')
            domain = [(self.ref_field_id.name, "=", value)]
        if self.filter_domain:
            domain += parse_domain(self.filter_domain)
        if not Model.check_access_rights("read", raise_exception=False):
            raise IncomingRefused(403, "forbidden", "The webhook's user may not read these documents.")
        records = Model.search(domain, limit=2)
        if not records:
            raise IncomingRefused(404, "unknown_record", "No document matches %s." % json.dumps(value))
        if len(records) > 1:
            raise IncomingRefused(409, "ambiguous_record", "Several documents match %s." % json.dumps(value))
        return records

    def _running_instance(self, env, record):
        instance = env["workflow.instance"].search(
            [
                ("model_name", "=", record._name),
                ("record_id", "=", record.id),
                ("status", "=", "active"),
                ("live_workflow_id", "=", self.workflow_id.id),
            ],
            limit=1,
        )
        if not instance:
            raise IncomingRefused(
                404, "unknown_instance", "No running %s workflow on that document." % self.workflow_id.name
            )
        return instance

    def _transition(self, instance, data):
        if self.transition_id:
            return self.transition_id
        name = data.get("transition")
        if not isinstance(name, str) or not name:
            raise IncomingRefused(400, "bad_request", '"transition" (its name) is required.')
        transition = instance.sudo().current_state_id.outgoing_transition_ids.filtered(
            lambda t: t.name == name
        )[:1]
        if not transition:
            raise IncomingRefused(
                422, "refused", "No transition %s leaves the current state." % json.dumps(name)
            )
        return transition


class WebhookIncomingCall(models.Model):
    _name = "workflow.webhook.incoming.call"
    _description = "Incoming Webhook Call"
    _order = "id desc"
    _rec_name = "msg_id"

    incoming_id = fields.Many2one(
        "workflow.webhook.incoming", "Incoming Webhook", required=True, ondelete="cascade", index=True
    )
    msg_id = fields.Char("Message ID", index=True)
    state = fields.Selection(
        [("done", "Done"), ("duplicate", "Repeated (answered again)"), ("refused", "Refused")], required=True
    )
    status_code = fields.Integer("HTTP Status")
    answer = fields.Text()
    body_excerpt = fields.Text("Request Body")
    remote_addr = fields.Char("From")
    model_name = fields.Char("Document Type")
    record_id = fields.Integer("Document ID")
    company_id = fields.Many2one("res.company", required=True, index=True)

    def init(self):
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS workflow_webhook_incoming_call_done_uniq
               ON workflow_webhook_incoming_call (incoming_id, msg_id) WHERE state = 'done'"""
        )
