"""BPMN 2.0 XML <-> the suite's JSON definition (the shape of tools/definition_json.py).

Nothing here touches the database: ``parse`` turns a BPMN document into the JSON dict that
``workflow.definition.import_json`` reads (so a BPMN file goes through exactly the same checks,
rights and storage as a JSON file), and ``write`` turns the dict of ``export_json`` into a
BPMN document with its diagram (BPMN DI), which bpmn.io and Camunda Modeler open.

Mapping (the README has the table):

* ``startEvent`` -> the Start state; ``endEvent`` -> an End state (with an
  ``errorEventDefinition``: an Error state); ``userTask`` / ``task`` / ``manualTask`` -> a
  state (Approval when it carries our approval settings);
* ``sequenceFlow`` -> a transition; its ``conditionExpression`` is an Odoo domain, read by the
  suite's eval-free parser (tools/conditions.py), never executed;
* ``exclusiveGateway`` -> no state: each path state -> gateway(s) -> state becomes one
  transition from the state before the gateway, its condition the conditions along the path;
  the gateway's default flow gets "none of the other branches": ``['!', <OR of the others>]``;
  such transitions are automatic (trigger Condition) unless our extension says otherwise;
* a timer ``boundaryEvent`` with an ISO 8601 duration (``PT4H``, ``P1DT2H30M``) -> the deadline
  of the state it is attached to; interrupting: its flows are Timeout transitions;
  non-interrupting: the deadline notifies (or escalates) and the state is kept;
* our settings (codes, types, approvers, rules, actions, groups, buttons, triggers) live in
  ``extensionElements`` of the namespace ``WFA``; other tools' extensions (Camunda, Zeebe, ...)
  are ignored and listed in the notes ``parse`` returns.

Hostile input: the text is measured before it is parsed (at most ``MAX_DOCUMENT``), a DOCTYPE
(hence any entity or external DTD) is refused, and lxml parses without entities, network, DTD
loading or huge-tree mode.  The document is then checked against the BPMN 2.0 XSD shipped by
the SpiffWorkflow package (only its schema files are read; none of its code is imported).
"""

import importlib.util
import json
import math
import os
import re
import threading
from collections import defaultdict

from lxml import etree

from odoo import _, _lt
from odoo.exceptions import ValidationError
from odoo.osv import expression

from .conditions import parse_domain
from .definition_json import MAX_DOCUMENT, MAX_TRANSITIONS

WFA = "https://smartdairy.example/schema/workflow/1.0"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "xsi": XSI, "wfa": WFA}
MAX_NOTES = 20  # other tools' elements listed one by one in the notes; then a count

STATE_TAGS = {"startEvent", "endEvent", "userTask", "task", "manualTask"}
# process content that carries no behaviour: skipped without a note
HARMLESS_TAGS = {
    "laneSet",
    "textAnnotation",
    "association",
    "documentation",
    "extensionElements",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "group",
    "ioSpecification",
    "property",
}
UNSUPPORTED_WHY = {
    "parallelGateway": _lt("parallel branches"),
    "inclusiveGateway": _lt("inclusive branches"),
    "eventBasedGateway": _lt("waiting for events"),
    "complexGateway": _lt("complex branching"),
    "subProcess": _lt("subprocesses"),
    "adHocSubProcess": _lt("subprocesses"),
    "transaction": _lt("subprocesses"),
    "callActivity": _lt("calling other processes"),
    "intermediateCatchEvent": _lt("intermediate events"),
    "intermediateThrowEvent": _lt("intermediate events"),
    "serviceTask": _lt("service tasks (use a task with our actions)"),
    "scriptTask": _lt("scripts"),
    "sendTask": _lt("messages"),
    "receiveTask": _lt("messages"),
    "businessRuleTask": _lt("business rule tasks"),
}
TIMEOUT_ACTIONS_WITH_FLOWS = ("transition",)
TASK_SIZE = (100, 80)
EVENT_SIZE = (36, 36)


def _fail(message):
    raise ValidationError(_("Invalid BPMN file: %s", message))


def _q(ns, tag):
    return f"{{{ns}}}{tag}"


def _local(el):
    return etree.QName(el).localname


def _ns(el):
    return etree.QName(el).namespace


def _what(el):
    """An element for a person: its type and id (and name)."""
    name = el.get("name")
    ident = el.get("id") or _("without id")
    if name:
        return _('%(type)s "%(name)s" (id %(id)s)', type=_local(el), name=name, id=ident)
    return _("%(type)s %(id)s", type=_local(el), id=ident)


# ----------------------------------------------------------------------
# safe parsing and XSD validation
# ----------------------------------------------------------------------
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_schema = None
_schema_lock = threading.Lock()


def _parser():
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def schema_dir():
    """Folder of the BPMN 2.0 XSD files shipped by SpiffWorkflow (found without importing it)."""
    spec = importlib.util.find_spec("SpiffWorkflow")
    if spec is None or not spec.submodule_search_locations:
        raise ValidationError(
            _("BPMN files cannot be checked: the Python package SpiffWorkflow (BPMN 2.0 schemas) is missing.")
        )
    return os.path.join(list(spec.submodule_search_locations)[0], "bpmn", "parser", "schema")


def _get_schema():
    global _schema  # built once per process (~0.2 s)
    with _schema_lock:
        if _schema is None:
            path = os.path.join(schema_dir(), "BPMN20.xsd")
            _schema = etree.XMLSchema(etree.parse(path, _parser()))
        return _schema


def load_xml(data):
    """Parse BPMN text safely and check it against the BPMN 2.0 XSD; returns the root element."""
    if isinstance(data, str):
        if len(data) > MAX_DOCUMENT:
            _fail(_("the document is larger than %s characters.", MAX_DOCUMENT))
        data = _DECLARATION.sub("", data, count=1).encode("utf-8")
    elif isinstance(data, (bytes, bytearray)):
        data = bytes(data)
    else:
        _fail(_("expected the XML text of the file."))
    if len(data) > MAX_DOCUMENT:
        _fail(_("the document is larger than %s bytes.", MAX_DOCUMENT))
    head = data
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: look at the characters, not the bytes
        head = data.decode("utf-16", errors="replace").encode("utf-8")
    if _DOCTYPE.search(head):
        _fail(_("a DOCTYPE or entity declaration is not allowed in a BPMN file."))
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        _fail(_("not well-formed XML (%s).", exc.msg if hasattr(exc, "msg") else exc))
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:  # other encodings than UTF-8
        _fail(_("a DOCTYPE or entity declaration is not allowed in a BPMN file."))
    if root.tag != _q(BPMN, "definitions"):
        _fail(_("the root element must be bpmn:definitions of the BPMN 2.0 namespace %s.", BPMN))
    schema = _get_schema()
    with _schema_lock:
        valid = schema.validate(root)
        error = schema.error_log.last_error
    if not valid:
        _fail(
            _(
                "it does not follow the BPMN 2.0 schema at line %(line)s: %(error)s",
                line=error.line,
                error=error.message,
            )
        )
    return root


# ----------------------------------------------------------------------
# ISO 8601 durations
# ----------------------------------------------------------------------
_DURATION = re.compile(
    r"^P(?:(?P<w>\d+(?:[.,]\d+)?)W)?(?:(?P<d>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:[.,]\d+)?)H)?(?:(?P<m>\d+(?:[.,]\d+)?)M)?(?:(?P<s>\d+(?:[.,]\d+)?)S)?)?$"
)


def duration_hours(text, where):
    """Hours of an ISO 8601 duration (PT4H, P1D, P1DT2H30M, PT90M); years and months are refused."""
    value = (text or "").strip().upper()
    match = _DURATION.match(value)
    if not match or value in ("P", "PT") or value.endswith("T"):
        _fail(
            _(
                "%(where)s: %(value)r is not an ISO 8601 duration such as PT4H, P1D or P1DT2H30M "
                "(years and months are not allowed: their length varies).",
                where=where,
                value=text,
            )
        )
    parts = {k: float(v.replace(",", ".")) if v else 0.0 for k, v in match.groupdict().items()}
    hours = parts["w"] * 168 + parts["d"] * 24 + parts["h"] + parts["m"] / 60 + parts["s"] / 3600
    return int(hours) if hours == int(hours) else round(hours, 6)


def hours_duration(hours):
    """ISO 8601 duration of a number of hours, to the second: 4 -> PT4H, 26.5 -> P1DT2H30M."""
    seconds = int(round(hours * 3600))
    days, seconds = divmod(seconds, 86400)
    hrs, seconds = divmod(seconds, 3600)
    mins, secs = divmod(seconds, 60)
    text = "P" + (f"{days}D" if days else "")
    time = (f"{hrs}H" if hrs else "") + (f"{mins}M" if mins else "") + (f"{secs}S" if secs else "")
    if time or not days:
        text += "T" + (time or "0H")
    return text


# ----------------------------------------------------------------------
# reading our extension attributes
# ----------------------------------------------------------------------
def _person(node, where):
    """A ``wfa:approver`` / ``wfa:escalateTo`` element as the JSON reference of a user or group."""
    item = {"type": node.get("type") or "user"}
    for key in ("login", "xmlid"):
        if node.get(key):
            item[key] = node.get(key)
    ident = _attr_int(node, "id", where)
    if ident is not None:
        item["id"] = ident
    return item


def _ext(el, tag):
    """Our extension element ``tag`` in ``el``'s extensionElements (or None)."""
    ext = el.find(_q(BPMN, "extensionElements"))
    return None if ext is None else ext.find(_q(WFA, tag))


def _attr_int(el, name, where):
    value = el.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        _fail(
            _(
                "%(where)s: %(attr)s must be a whole number, not %(value)r.",
                where=where,
                attr=name,
                value=value,
            )
        )
    return None


def _attr_float(el, name, where):
    value = el.get(name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        _fail(_("%(where)s: %(attr)s must be a number, not %(value)r.", where=where, attr=name, value=value))
    return int(number) if number == int(number) else number


def _attr_bool(el, name, where):
    value = el.get(name)
    if value is None:
        return None
    if value not in ("true", "false", "1", "0"):
        _fail(
            _(
                "%(where)s: %(attr)s must be true or false, not %(value)r.",
                where=where,
                attr=name,
                value=value,
            )
        )
    return value in ("true", "1")


def _action_refs(container, tag, where):
    """References to actions: ``<wfa:TAG action="named id"/>`` or ``<wfa:TAG serverAction="xml id"/>``."""
    refs = []
    if container is None:
        return refs
    for ref in container.findall(_q(WFA, tag)):
        if ref.get("action"):
            refs.append(ref.get("action"))
        elif ref.get("serverAction"):
            refs.append({"type": "server_action", "xmlid": ref.get("serverAction")})
        else:
            _fail(
                _("%(where)s: wfa:%(tag)s needs an action or serverAction attribute.", where=where, tag=tag)
            )
    return refs


def _read_action(el, where):
    spec = {key: value for key, value in el.attrib.items() if "}" not in key}
    for param in el.findall(_q(WFA, "param")):
        name = param.get("name")
        if not name:
            _fail(_("%s: wfa:param needs a name.", where))
        try:
            spec[name] = json.loads(param.text or "null")
        except ValueError:
            _fail(_("%(where)s: the value of wfa:param %(name)s is not JSON.", where=where, name=name))
    return spec


# ----------------------------------------------------------------------
# BPMN -> JSON dict
# ----------------------------------------------------------------------
class _Reader:
    def __init__(self, root, model):
        self.root = root
        self.model = model
        self.notes = []
        self.foreign = 0
        self.origins = {}  # JSON path -> the BPMN element it came from (for error messages)

    # other tools' extensions: listed, never read
    def _note_foreign(self, el, owner):
        self.foreign += 1
        if len(self.notes) < MAX_NOTES:
            qname = etree.QName(el)
            prefix = el.prefix or qname.namespace
            self.notes.append(
                _("%(element)s of %(owner)s", element=f"{prefix}:{qname.localname}", owner=_what(owner))
            )

    def _scan_foreign(self, el):
        for key in el.attrib:
            ns = etree.QName(key).namespace
            if ns and ns not in (WFA, XSI, BPMN):
                self.foreign += 1
                if len(self.notes) < MAX_NOTES:
                    prefix = {v: k for k, v in (el.nsmap or {}).items() if k}.get(ns, ns)
                    self.notes.append(
                        _(
                            "attribute %(attr)s of %(owner)s",
                            attr=f"{prefix}:{etree.QName(key).localname}",
                            owner=_what(el),
                        )
                    )
        ext = el.find(_q(BPMN, "extensionElements"))
        if ext is not None:
            for child in ext:
                if isinstance(child.tag, str) and _ns(child) != WFA:
                    self._note_foreign(child, el)

    def convert(self):
        root = self.root
        participants = root.findall(f"{{{BPMN}}}collaboration/{{{BPMN}}}participant")
        if len(participants) > 1:
            _fail(
                _(
                    "%(element)s: a diagram with several participants (pools) is not supported; "
                    "a workflow is one process.",
                    element=_what(participants[1]),
                )
            )
        for collab in root.findall(_q(BPMN, "collaboration")):
            for child in collab:
                if isinstance(child.tag, str) and _local(child) not in (
                    "participant",
                    "extensionElements",
                    "documentation",
                    "textAnnotation",
                    "association",
                ):
                    _fail(_("%s is not supported (message flows need several participants).", _what(child)))
        processes = root.findall(_q(BPMN, "process"))
        if not processes:
            _fail(_("the file holds no process."))
        if len(processes) > 1:
            _fail(
                _(
                    "%s: a file with several processes is not supported; export one at a time.",
                    _what(processes[1]),
                )
            )
        process = processes[0]
        self._scan_foreign(process)
        nodes, gateways, flows, boundaries = {}, {}, {}, {}
        order = []
        for el in process:
            if not isinstance(el.tag, str):
                continue
            tag = _local(el)
            if _ns(el) != BPMN:
                self._note_foreign(el, process)
                continue
            if tag in STATE_TAGS:
                self._check_node(el)
                nodes[el.get("id")] = el
                order.append(el)
            elif tag == "exclusiveGateway":
                self._scan_foreign(el)
                gateways[el.get("id")] = el
            elif tag == "sequenceFlow":
                self._scan_foreign(el)
                flows[el.get("id")] = el
            elif tag == "boundaryEvent":
                self._check_boundary(el)
                boundaries[el.get("id")] = el
            elif tag in HARMLESS_TAGS:
                continue
            else:
                why = UNSUPPORTED_WHY.get(tag)
                if why:
                    _fail(_("%(element)s is not supported (%(why)s).", element=_what(el), why=str(why)))
                _fail(_("%s is not supported.", _what(el)))
        for el in (
            list(nodes.values()) + list(gateways.values()) + list(flows.values()) + list(boundaries.values())
        ):
            if not el.get("id"):
                _fail(_("every element of the process needs an id (%s has none).", _local(el)))
        self.nodes, self.gateways, self.flows, self.boundaries = nodes, gateways, flows, boundaries
        self.out_flows, self.in_flows = defaultdict(list), defaultdict(list)
        for flow in flows.values():
            self.out_flows[flow.get("sourceRef")].append(flow)
            self.in_flows[flow.get("targetRef")].append(flow)
        for flow in flows.values():
            for end in ("sourceRef", "targetRef"):
                ref = flow.get(end)
                if ref not in nodes and ref not in gateways and ref not in boundaries:
                    _fail(
                        _(
                            "%(flow)s: %(end)s %(ref)s is not an element of the process.",
                            flow=_what(flow),
                            end=end,
                            ref=ref,
                        )
                    )
            if flow.get("targetRef") in boundaries:
                _fail(_("%s leads to a boundary event; a boundary event has no incoming flow.", _what(flow)))
        for boundary in boundaries.values():
            if boundary.get("attachedToRef") not in nodes or _local(nodes[boundary.get("attachedToRef")]) in (
                "startEvent",
                "endEvent",
            ):
                _fail(_("%s must be attached to a task of the process.", _what(boundary)))
        positions = self._positions(process)
        doc = self._workflow(process)
        doc["workflow_config"]["states"] = self._states(order, positions)
        doc["workflow_config"]["transitions"] = self._transitions()
        return doc

    def _check_node(self, el):
        self._scan_foreign(el)
        tag = _local(el)
        for child in el:
            if not isinstance(child.tag, str) or _ns(child) != BPMN:
                continue
            ctag = _local(child)
            if ctag.endswith("EventDefinition") or ctag == "eventDefinitionRef":
                if tag == "endEvent" and ctag in ("errorEventDefinition", "terminateEventDefinition"):
                    continue
                _fail(
                    _(
                        "%(element)s: %(definition)s is not supported (only plain start events, "
                        "plain, error and terminate end events and timer boundary events are).",
                        element=_what(el),
                        definition=ctag,
                    )
                )
            if ctag in ("standardLoopCharacteristics", "multiInstanceLoopCharacteristics"):
                _fail(_("%s: loops and multi-instance tasks are not supported.", _what(el)))

    def _check_boundary(self, el):
        self._scan_foreign(el)
        definitions = [c for c in el if isinstance(c.tag, str) and _local(c).endswith("EventDefinition")]
        if len(definitions) != 1 or _local(definitions[0]) != "timerEventDefinition":
            kind = _local(definitions[0]) if definitions else _("no event definition")
            _fail(
                _(
                    "%(element)s: only timer boundary events are supported (this one has %(kind)s).",
                    element=_what(el),
                    kind=kind,
                )
            )
        timer = definitions[0]
        duration = timer.find(_q(BPMN, "timeDuration"))
        if (
            duration is None
            or timer.find(_q(BPMN, "timeDate")) is not None
            or timer.find(_q(BPMN, "timeCycle")) is not None
        ):
            _fail(
                _(
                    "%s: a timer needs a duration (timeDuration such as PT4H); dates and cycles are not supported.",
                    _what(el),
                )
            )

    def _positions(self, process):
        """Centres of the process's shapes, from the diagram (BPMN DI)."""
        positions = {}
        for plane in self.root.iterfind(f"{{{BPMNDI}}}BPMNDiagram/{{{BPMNDI}}}BPMNPlane"):
            for shape in plane.iterfind(_q(BPMNDI, "BPMNShape")):
                bounds = shape.find(_q(DC, "Bounds"))
                if bounds is None:
                    continue
                try:
                    x, y = float(bounds.get("x")), float(bounds.get("y"))
                    w, h = float(bounds.get("width")), float(bounds.get("height"))
                except (TypeError, ValueError):
                    continue
                if all(math.isfinite(v) for v in (x, y, w, h)):
                    positions.setdefault(shape.get("bpmnElement"), (round(x + w / 2), round(y + h / 2)))
        return positions

    def _workflow(self, process):
        where = _what(process)
        ext = _ext(process, "workflow")
        ext = ext if ext is not None else etree.Element(_q(WFA, "workflow"))
        model = ext.get("model")
        if model and self.model and model != self.model:
            _fail(
                _(
                    "the file is for the model %(file)s, not %(given)s.",
                    file=model,
                    given=self.model,
                )
            )
        model = model or self.model
        if not model:
            _fail(
                _("the file does not say which kind of document the workflow is for: give the target model.")
            )
        doc = {
            "name": process.get("name") or self.root.get("name") or process.get("id"),
            "code": ext.get("code") or process.get("id"),
            "model": model,
        }
        documentation = process.find(_q(BPMN, "documentation"))
        if documentation is not None and (documentation.text or "").strip():
            doc["description"] = documentation.text.strip()
        for attr, key in (("workflowType", "workflow_type"), ("triggerType", "trigger_type")):
            if ext.get(attr):
                doc[key] = ext.get(attr)
        for attr, key in (("timeoutHours", "timeout_hours"), ("scheduleMinutes", "schedule_minutes")):
            value = _attr_int(ext, attr, where)
            if value is not None:
                doc[key] = value
        for attr, key in (("allowParallel", "allow_parallel"), ("requireComment", "require_comment")):
            value = _attr_bool(ext, attr, where)
            if value is not None:
                doc[key] = value
        trigger = ext.find(_q(WFA, "triggerDomain"))
        if trigger is not None:
            doc["trigger_domain"] = (trigger.text or "").strip() or "[]"
        actions = []
        for i, action in enumerate(ext.findall(_q(WFA, "action"))):
            actions.append(_read_action(action, _("action %s of the workflow", action.get("id") or i + 1)))
        doc["workflow_config"] = {"states": [], "transitions": [], "actions": actions}
        return doc

    def _state_code(self, el):
        ext = _ext(el, "state")
        return (ext.get("code") if ext is not None else None) or el.get("id")

    def _states(self, order, positions):
        timers = defaultdict(list)
        for boundary in self.boundaries.values():
            timers[boundary.get("attachedToRef")].append(boundary)
        states = []
        for i, el in enumerate(order):
            where = _what(el)
            tag = _local(el)
            ext = _ext(el, "state")
            ext = ext if ext is not None else etree.Element(_q(WFA, "state"))
            approval = ext.find(_q(WFA, "approval"))
            if tag == "startEvent":
                state_type = "start"
            elif tag == "endEvent":
                state_type = "error" if el.find(_q(BPMN, "errorEventDefinition")) is not None else "end"
            else:
                state_type = ext.get("type") or ("approval" if approval is not None else "normal")
                if state_type in ("start", "end"):
                    _fail(_("%s: a task cannot be the start or an end; draw a start or end event.", where))
            if tag in ("startEvent", "endEvent") and ext.get("type") and ext.get("type") != state_type:
                _fail(
                    _(
                        "%(element)s: our type %(type)s does not match the event.",
                        element=where,
                        type=ext.get("type"),
                    )
                )
            default_name = {"startEvent": _("Start"), "endEvent": _("End")}.get(tag) or el.get("id")
            state = {
                "code": self._state_code(el),
                "name": el.get("name") or default_name,
                "state_type": state_type,
            }
            sequence = _attr_int(ext, "sequence", where)
            state["sequence"] = sequence if sequence is not None else (i + 1) * 10
            color = _attr_int(ext, "color", where)
            if color is not None:
                state["color"] = color
            timeout = _attr_float(ext, "timeoutHours", where)
            if timeout is not None:
                state["timeout_hours"] = timeout
            if ext.get("timeoutAction"):
                state["timeout_action"] = ext.get("timeoutAction")
            escalate_to = [_person(node, where) for node in ext.findall(_q(WFA, "escalateTo"))]
            if escalate_to:
                state["escalate_to"] = escalate_to
            if len(timers[el.get("id")]) > 1:
                _fail(_("%s has several timers; a state has one deadline.", where))
            for boundary in timers[el.get("id")]:
                duration = boundary.find(f"{{{BPMN}}}timerEventDefinition/{{{BPMN}}}timeDuration")
                state["timeout_hours"] = duration_hours(duration.text, _what(boundary))
                interrupting = boundary.get("cancelActivity", "true") != "false"
                outgoing = self.out_flows[boundary.get("id")]
                if not interrupting and outgoing:
                    _fail(
                        _(
                            "%s is a non-interrupting timer with outgoing flows; a deadline that keeps the "
                            "state only notifies or escalates: remove its flows or make it interrupting.",
                            _what(boundary),
                        )
                    )
                if not ext.get("timeoutAction"):
                    state["timeout_action"] = "transition" if interrupting else "notify"
            on_enter = _action_refs(ext, "onEnter", where)
            on_exit = _action_refs(ext, "onExit", where)
            if on_enter:
                state["on_enter_actions"] = on_enter
            if on_exit:
                state["on_exit_actions"] = on_exit
            if approval is not None:
                config = {}
                if approval.get("rule"):
                    config["approval_type"] = approval.get("rule")
                minimum = _attr_int(approval, "minApprovals", where)
                if minimum is not None:
                    config["min_approvers"] = minimum
                config["approvers"] = [_person(node, where) for node in approval.findall(_q(WFA, "approver"))]
                if approval.get("approverField"):
                    config["dynamic_field"] = approval.get("approverField")
                state["approval_config"] = config
            if el.get("id") in positions:
                state["position_x"], state["position_y"] = positions[el.get("id")]
            self.origins[f"states[{len(states)}]"] = where
            states.append(state)
        return states

    def _condition(self, flow):
        expr = flow.find(_q(BPMN, "conditionExpression"))
        if expr is None:
            return None
        text = "".join(expr.itertext()).strip()
        if not text:
            return None
        return parse_domain(
            text,
            _(
                "The condition of %s (an Odoo domain such as [('amount_total', '>', 1000)])",
                _what(flow),
            ),
        )

    def _paths(self, flow, seen=()):
        """(last flows, domain parts) of each way from ``flow`` to a state through gateways."""
        target = flow.get("targetRef")
        if target in self.nodes:
            return [([flow], [])]
        gateway = self.gateways[target]
        if target in seen:
            _fail(_("%s is part of a loop of gateways without a state in between.", _what(gateway)))
        outgoing = self.out_flows[target]
        if not outgoing:
            _fail(_("%s has no outgoing flow.", _what(gateway)))
        default_id = gateway.get("default")
        conditions = {}
        for out in outgoing:
            condition = self._condition(out)
            if condition is None and out.get("id") != default_id and len(outgoing) > 1:
                _fail(
                    _(
                        "%(flow)s leaves %(gateway)s without a condition; give it a condition "
                        "or make it the gateway's default flow.",
                        flow=_what(out),
                        gateway=_what(gateway),
                    )
                )
            conditions[out.get("id")] = condition or []
        paths = []
        for out in outgoing:
            if out.get("id") == default_id:
                others = [c for key, c in conditions.items() if key != default_id]
                domain = ["!"] + expression.normalize_domain(expression.OR(others)) if others else []
            else:
                domain = conditions[out.get("id")]
            for flows, parts in self._paths(out, seen + (target,)):
                paths.append(([flow] + flows, [domain] + parts))
            if len(paths) > MAX_TRANSITIONS:
                _fail(
                    _(
                        "the gateways after %(flow)s make more than %(max)s transitions.",
                        flow=_what(flow),
                        max=MAX_TRANSITIONS,
                    )
                )
        return paths

    def _transitions(self):
        transitions = []
        for flow in self.flows.values():
            source = flow.get("sourceRef")
            if source in self.gateways:
                if not self.in_flows[source]:
                    _fail(_("%s has no incoming flow.", _what(self.gateways[source])))
                continue  # reached through the flows leading to the gateway
            timer = self.boundaries.get(source)
            from_el = self.nodes[timer.get("attachedToRef")] if timer is not None else self.nodes[source]
            own = self._condition(flow)
            for flows, parts in self._paths(flow):
                domain = expression.AND([own or []] + [p for p in parts if p]) if (own or any(parts)) else []
                transitions.append(self._transition(flows, from_el, domain, timer, len(transitions)))
            if len(transitions) > MAX_TRANSITIONS:
                _fail(_("the process makes more than %s transitions.", MAX_TRANSITIONS))
        return transitions

    def _transition(self, flows, from_el, domain, timer, index):
        first, last = flows[0], flows[-1]
        where = _what(first)
        to_el = self.nodes[last.get("targetRef")]
        ext = _ext(first, "transition")
        ext = ext if ext is not None else etree.Element(_q(WFA, "transition"))
        named = [f.get("name") for f in reversed(flows) if f.get("name")]
        trigger = ext.get("trigger")
        if not trigger:
            trigger = (
                "timeout"
                if timer is not None
                else ("condition" if domain or len(flows) > 1 else "user_action")
            )
        tr = {
            "name": named[0] if named else (to_el.get("name") or to_el.get("id")),
            "from": self._state_code(from_el),
            "to": self._state_code(to_el),
            "trigger_type": trigger,
            "domain": str(domain) if domain else "[]",
        }
        sequence = _attr_int(ext, "sequence", where)
        tr["sequence"] = sequence if sequence is not None else (index + 1) * 10
        for attr, key in (("buttonLabel", "button_label"), ("buttonClass", "button_class")):
            if ext.get(attr):
                tr[key] = ext.get(attr)
        for attr, key in (("requireComment", "require_comment"), ("visible", "is_visible")):
            value = _attr_bool(ext, attr, where)
            if value is not None:
                tr[key] = value
        groups = [g.get("xmlid") or "" for g in ext.findall(_q(WFA, "group"))]
        if groups:
            tr["groups"] = groups
        actions = _action_refs(ext, "run", where)
        if actions:
            tr["actions"] = actions
        path = " → ".join(f.get("id") for f in flows)
        self.origins[f"transitions[{index}]"] = _what(first) if len(flows) == 1 else _("the path %s", path)
        return tr


def parse(data, model=None):
    """BPMN text -> (JSON dict for import_json, notes about what was ignored, origins).

    ``origins`` maps "states[i]" / "transitions[i]" to the BPMN element they came from, for
    error messages."""
    root = load_xml(data)
    reader = _Reader(root, model)
    doc = reader.convert()
    notes = list(reader.notes)
    if reader.foreign > len(notes):
        notes.append(_("and %s more", reader.foreign - len(notes)))
    return doc, notes, reader.origins


def explain(message, origins):
    """Add the BPMN element to an import error that names a JSON path of the converted file."""
    match = re.search(r"\$\.workflow_config\.((?:states|transitions)\[\d+\])", message)
    if match and match.group(1) in origins:
        return _(
            "%(message)s\n(in the BPMN file: %(element)s)", message=message, element=origins[match.group(1)]
        )
    return message


# ----------------------------------------------------------------------
# JSON dict -> BPMN (with the diagram)
# ----------------------------------------------------------------------
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _ident(prefix, value, used):
    ident = value if value and _NCNAME.match(value) else f"{prefix}_{len(used) + 1}"
    while ident in used:
        ident = f"{prefix}_{len(used) + 1}_{ident}"[:200]
    used.add(ident)
    return ident


def layout(states, transitions):
    """Centres for states without a position: layers by distance from the start, left to right.

    States already placed keep their place; the others are laid out below them."""
    placed = {
        s["code"]: (s["position_x"], s["position_y"])
        for s in states
        if s.get("position_x") or s.get("position_y")
    }
    todo = [s for s in states if s["code"] not in placed]
    if not todo:
        return placed
    graph = defaultdict(list)
    for tr in transitions:
        graph[tr["from"]].append(tr["to"])
    start = [s["code"] for s in states if s.get("state_type") == "start"][:1]
    depth = dict.fromkeys(start, 0)
    queue = list(start)
    while queue:
        code = queue.pop(0)
        for nxt in graph[code]:
            if nxt not in depth:
                depth[nxt] = depth[code] + 1
                queue.append(nxt)
    # states nothing leaves (end, and error) after everything else, in one column
    sinks = {s["code"] for s in states if not graph[s["code"]]}
    last = max((d for code, d in depth.items() if code not in sinks), default=0)
    rows = defaultdict(int)
    top = max((y for _x, y in placed.values()), default=0) + (160 if placed else 0)
    positions = dict(placed)
    for state in sorted(todo, key=lambda s: s.get("sequence", 0)):
        if state["code"] in sinks:
            layer = last + 1
        else:
            layer = depth.get(state["code"], last + 1)
        positions[state["code"]] = (150 + layer * 180, top + 100 + rows[layer] * 130)
        rows[layer] += 1
    return positions


def _element_tag(state, outgoing=True):
    kind = state.get("state_type", "normal")
    if kind == "start":
        return "startEvent"
    if kind == "end" or (kind == "error" and not outgoing):
        return "endEvent"
    return "userTask"


def _clip(box, towards):
    """Where the line from the centre of ``box`` towards the point ``towards`` leaves the box."""
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    dx, dy = towards[0] - cx, towards[1] - cy
    if not dx and not dy:
        return (cx, cy)
    scale = min(w / 2 / abs(dx) if dx else math.inf, h / 2 / abs(dy) if dy else math.inf)
    return (cx + dx * scale, cy + dy * scale)


def _num(value):
    value = round(value)
    return str(int(value))


def write(doc):
    """The BPMN 2.0 document (text, UTF-8) of a JSON definition as export_json gives it."""
    config = doc["workflow_config"]
    states, transitions = config.get("states", []), config.get("transitions", [])
    used = set()
    E = etree.Element

    def sub(parent, ns, tag, attrib=None, text=None):
        el = etree.SubElement(parent, _q(ns, tag), {k: v for k, v in (attrib or {}).items() if v is not None})
        if text is not None:
            el.text = text
        return el

    def flag(value):
        return "true" if value else "false"

    root = E(_q(BPMN, "definitions"), nsmap=NSMAP)
    root.set("id", "Definitions_1")
    root.set("targetNamespace", WFA + "/process")
    root.set("exporter", "Smart Dairy Workflow Automation")
    root.set("exporterVersion", "1.0")
    process_id = _ident("Process", doc.get("code"), used)
    process = sub(root, BPMN, "process", {"id": process_id, "name": doc.get("name"), "isExecutable": "false"})
    if doc.get("description"):
        sub(process, BPMN, "documentation", text=doc["description"])
    ext = sub(process, BPMN, "extensionElements")
    wf = sub(
        ext,
        WFA,
        "workflow",
        {
            "code": doc.get("code"),
            "model": doc.get("model") or doc.get("model_name"),
            "workflowType": doc.get("workflow_type"),
            "triggerType": doc.get("trigger_type"),
            "timeoutHours": str(doc["timeout_hours"]) if "timeout_hours" in doc else None,
            "scheduleMinutes": str(doc["schedule_minutes"]) if "schedule_minutes" in doc else None,
            "allowParallel": flag(doc.get("allow_parallel")),
            "requireComment": flag(doc.get("require_comment")),
        },
    )
    if doc.get("trigger_domain") and doc["trigger_domain"] != "[]":
        sub(wf, WFA, "triggerDomain", text=doc["trigger_domain"])
    for action in config.get("actions", []):
        el = sub(wf, WFA, "action", {k: v for k, v in action.items() if isinstance(v, str)})
        for key, value in action.items():
            if not isinstance(value, str):
                sub(el, WFA, "param", {"name": key}, json.dumps(value, ensure_ascii=False))

    outgoing = defaultdict(list)
    for tr in transitions:
        outgoing[tr["from"]].append(tr)
    ids, tags, flow_ids = {}, {}, []
    for state in states:
        ids[state["code"]] = _ident("State", state["code"], used)
        tags[state["code"]] = _element_tag(state, bool(outgoing[state["code"]]))
    timers = {}
    for state in states:
        if tags[state["code"]] == "userTask" and state.get("timeout_hours"):
            timers[state["code"]] = _ident("Timer", f"Timer_{ids[state['code']]}", used)
    for i, _tr in enumerate(transitions):
        flow_ids.append(_ident("Flow", f"Flow_{i + 1}", used))

    by_code = {s["code"]: s for s in states}

    def source_of(tr):
        code = tr["from"]
        state = by_code[code]
        if (
            tr.get("trigger_type") == "timeout"
            and code in timers
            and state.get("timeout_action", "transition") in TIMEOUT_ACTIONS_WITH_FLOWS
        ):
            return timers[code]
        return ids[code]

    sources = [source_of(tr) for tr in transitions]
    incoming_of, outgoing_of = defaultdict(list), defaultdict(list)
    for i, tr in enumerate(transitions):
        outgoing_of[sources[i]].append(flow_ids[i])
        incoming_of[ids[tr["to"]]].append(flow_ids[i])

    for state in states:
        code = state["code"]
        el = sub(process, BPMN, tags[code], {"id": ids[code], "name": state.get("name")})
        ext = sub(el, BPMN, "extensionElements")
        attrs = {
            "code": code,
            "type": state.get("state_type", "normal"),
            "sequence": str(state["sequence"]) if "sequence" in state else None,
            "color": str(state["color"]) if state.get("color") else None,
            "timeoutHours": str(state["timeout_hours"]) if state.get("timeout_hours") else None,
            "timeoutAction": state.get("timeout_action") if state.get("timeout_hours") else None,
        }
        st = sub(ext, WFA, "state", attrs)
        for person in state.get("escalate_to", []):
            sub(st, WFA, "escalateTo", {k: str(v) for k, v in person.items()})
        for key, tag in (("on_enter_actions", "onEnter"), ("on_exit_actions", "onExit")):
            for ref in state.get(key, []):
                if isinstance(ref, str):
                    sub(st, WFA, tag, {"action": ref})
                elif ref.get("type") == "server_action" and ref.get("xmlid"):
                    sub(st, WFA, tag, {"serverAction": ref["xmlid"]})
        approval = state.get("approval_config")
        if approval:
            ap = sub(
                st,
                WFA,
                "approval",
                {
                    "rule": approval.get("approval_type"),
                    "minApprovals": str(approval["min_approvers"]) if "min_approvers" in approval else None,
                    "approverField": approval.get("dynamic_field"),
                },
            )
            for approver in approval.get("approvers", []):
                sub(ap, WFA, "approver", {k: str(v) for k, v in approver.items()})
        for flow in incoming_of[ids[code]]:
            sub(el, BPMN, "incoming", text=flow)
        for flow in outgoing_of[ids[code]]:
            sub(el, BPMN, "outgoing", text=flow)
        if tags[code] == "endEvent" and state.get("state_type") == "error":
            sub(el, BPMN, "errorEventDefinition", {"id": _ident("Error", f"ErrorDef_{ids[code]}", used)})
    for code, timer_id in timers.items():
        state = by_code[code]
        interrupting = state.get("timeout_action", "transition") in TIMEOUT_ACTIONS_WITH_FLOWS
        timer = sub(
            process,
            BPMN,
            "boundaryEvent",
            {
                "id": timer_id,
                "name": hours_duration(state["timeout_hours"]),
                "cancelActivity": flag(interrupting),
                "attachedToRef": ids[code],
            },
        )
        for flow in outgoing_of[timer_id]:
            sub(timer, BPMN, "outgoing", text=flow)
        definition = sub(
            timer, BPMN, "timerEventDefinition", {"id": _ident("TimerDef", f"TimerDef_{timer_id}", used)}
        )
        duration = sub(definition, BPMN, "timeDuration", text=hours_duration(state["timeout_hours"]))
        duration.set(_q(XSI, "type"), "bpmn:tFormalExpression")
    for i, tr in enumerate(transitions):
        flow = sub(
            process,
            BPMN,
            "sequenceFlow",
            {"id": flow_ids[i], "name": tr.get("name"), "sourceRef": sources[i], "targetRef": ids[tr["to"]]},
        )
        ext = sub(flow, BPMN, "extensionElements")
        attrs = {
            "trigger": tr.get("trigger_type", "user_action"),
            "sequence": str(tr["sequence"]) if "sequence" in tr else None,
            "buttonLabel": tr.get("button_label"),
            "buttonClass": tr.get("button_class"),
            "requireComment": flag(tr.get("require_comment")),
            "visible": flag(tr.get("is_visible", True)),
        }
        el = sub(ext, WFA, "transition", attrs)
        for group in tr.get("groups", []):
            sub(el, WFA, "group", {"xmlid": group})
        for ref in tr.get("actions", []):
            if isinstance(ref, str):
                sub(el, WFA, "run", {"action": ref})
            elif ref.get("type") == "server_action" and ref.get("xmlid"):
                sub(el, WFA, "run", {"serverAction": ref["xmlid"]})
        domain = tr.get("domain")
        if domain and domain.strip() not in ("[]", ""):
            cond = sub(flow, BPMN, "conditionExpression", text=domain)
            cond.set(_q(XSI, "type"), "bpmn:tFormalExpression")

    # the diagram
    centres = layout(states, transitions)
    boxes = {ids[s["code"]]: _box_for(tags[s["code"]], centres[s["code"]]) for s in states}
    for code, timer_id in timers.items():
        x, y, w, h = boxes[ids[code]]
        boxes[timer_id] = (x + w - 28, y + h - 18, 36, 36)
    diagram = sub(root, BPMNDI, "BPMNDiagram", {"id": "BPMNDiagram_1"})
    plane = sub(diagram, BPMNDI, "BPMNPlane", {"id": "BPMNPlane_1", "bpmnElement": process_id})
    for element_id, (x, y, w, h) in boxes.items():
        shape = sub(plane, BPMNDI, "BPMNShape", {"id": f"{element_id}_di", "bpmnElement": element_id})
        sub(shape, DC, "Bounds", {"x": _num(x), "y": _num(y), "width": _num(w), "height": _num(h)})
    for i, tr in enumerate(transitions):
        edge = sub(plane, BPMNDI, "BPMNEdge", {"id": f"{flow_ids[i]}_di", "bpmnElement": flow_ids[i]})
        for x, y in _waypoints(boxes[sources[i]], boxes[ids[tr["to"]]]):
            sub(edge, DI, "waypoint", {"x": _num(x), "y": _num(y)})
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode("utf-8")


def _box_for(tag, centre):
    width, height = TASK_SIZE if tag == "userTask" else EVENT_SIZE
    return (centre[0] - width / 2, centre[1] - height / 2, width, height)


def _waypoints(source, target):
    if source == target:  # a loop back to the same state: out of the top and back in
        x, y, w, _h = source
        return [(x + w * 0.7, y), (x + w * 0.7, y - 30), (x + w * 0.3, y - 30), (x + w * 0.3, y)]
    sc = (source[0] + source[2] / 2, source[1] + source[3] / 2)
    tc = (target[0] + target[2] / 2, target[1] + target[3] / 2)
    return [_clip(source, tc), _clip(target, sc)]
