import base64
import json
import os
from datetime import timedelta
from xmlrpc.client import Fault

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import file_open

from ..tools import bpmn
from .common import WorkflowCase
from .test_json import SPEC_DOC

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:wfa="https://smartdairy.example/schema/workflow/1.0" '
    'id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">\n'
)


def small(body, process_id="Small_1", ext=""):
    """A minimal process: start -> task -> end, plus ``body``."""
    return (
        HEAD + f'<bpmn:process id="{process_id}" name="Small" isExecutable="false">{ext}'
        '<bpmn:startEvent id="Start_1" name="Draft"/>'
        '<bpmn:sequenceFlow id="F1" name="Submit" sourceRef="Start_1" targetRef="Task_1"/>'
        '<bpmn:userTask id="Task_1" name="Review"/>'
        '<bpmn:sequenceFlow id="F2" name="Accept" sourceRef="Task_1" targetRef="End_1"/>'
        '<bpmn:endEvent id="End_1" name="Done"/>'
        f"{body}</bpmn:process></bpmn:definitions>"
    )


def data_file(name):
    with file_open(os.path.join("workflow_automation", "tests", "data", "bpmn", name), "rb") as f:
        return f.read()


@tagged("post_install", "-at_install")
class TestBpmn(WorkflowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Definition = cls.env["workflow.definition"]

    def _import(self, xml, **kw):
        return self.Definition.browse(self.Definition.import_bpmn(xml, **kw))

    def _count(self):
        return self.Definition.with_context(active_test=False).search_count([])

    def assertRefused(self, xml, pattern, exc=ValidationError, **kw):
        before = self._count()
        with self.assertRaisesRegex(exc, pattern):
            self.Definition.import_bpmn(xml, **kw)
        self.assertEqual(self._count(), before, "nothing may be stored")

    # ------------------------------------------------------------------
    # files as bpmn.io and Camunda Modeler write them
    # ------------------------------------------------------------------
    def test_bpmn_io_gateway_and_timer(self):
        definition = self._import(data_file("bpmn_io_gateway_timer.bpmn"), model="res.partner")
        self.assertEqual(
            (definition.code, definition.name, definition.model_name),
            ("Process_1", "Partner review", "res.partner"),
        )
        st = {s.name: s for s in definition.state_ids}
        self.assertEqual(
            [(s.name, s.state_type) for s in definition.state_ids],
            [
                ("Partner created", "start"),
                ("Check partner", "normal"),
                ("Manager review", "normal"),
                ("Accepted", "end"),
                ("Escalated", "end"),
            ],
        )
        # the diagram's shapes give the positions (centres)
        self.assertEqual((st["Check partner"].position_x, st["Check partner"].position_y), (290, 200))
        self.assertEqual((st["Escalated"].position_x, st["Escalated"].position_y), (680, 320))
        # the boundary timer: the deadline and an interrupting timeout transition
        self.assertEqual(
            (st["Manager review"].timeout_hours, st["Manager review"].timeout_action), (4, "transition")
        )
        trs = {t.name: t for t in definition.transition_ids}
        self.assertEqual(set(trs), {"Submit", "Important", "Other", "Accept", "Too late"})
        self.assertEqual(
            (trs["Too late"].trigger_type, trs["Too late"].to_state_id.name), ("timeout", "Escalated")
        )
        # the gateway is no state: its branches leave the state before it, the default one negated
        self.assertEqual(trs["Important"].from_state_id.name, "Check partner")
        self.assertEqual(trs["Important"].trigger_type, "condition")
        self.assertEqual(trs["Important"].condition_domain, "[('color', '>', 5)]")
        self.assertEqual(trs["Other"].condition_domain, "['!', ('color', '>', 5)]")
        self.assertEqual(trs["Submit"].trigger_type, "user_action")
        # and it runs: an important partner goes to the manager, then the deadline escalates
        important = self.env["res.partner"].create({"name": "Big dairy", "color": 7})
        inst = self.start(important, definition)
        inst.fire(trs["Submit"].id)
        self.assertEqual(inst.current_state_id, st["Manager review"])
        inst.write({"state_due_at": fields.Datetime.now() - timedelta(minutes=1)})
        self.env["workflow.job"].run_job("workflow.instance", "_job_timeouts")
        self.assertEqual(inst.current_state_id, st["Escalated"])
        other = self.start(self.env["res.partner"].create({"name": "Corner shop", "color": 1}), definition)
        other.fire(trs["Submit"].id)
        self.assertEqual(other.current_state_id, st["Accepted"])
        # exported back with its layout
        xml = definition.export_bpmn()
        root = etree.fromstring(xml.encode())
        bounds = root.find(
            ".//{*}BPMNShape[@bpmnElement='Activity_0q1v9jd']/{http://www.omg.org/spec/DD/20100524/DC}Bounds"
        )
        self.assertEqual((bounds.get("x"), bounds.get("y"), bounds.get("width")), ("240", "160", "100"))

    def test_gateway_after_a_person(self):
        """Our trigger on the flow into a gateway: the person finishes the task, the branch that holds is offered."""
        xml = data_file("bpmn_io_gateway_timer.bpmn").replace(
            b'<bpmn:sequenceFlow id="Flow_1b7w3tz" sourceRef="Activity_0q1v9jd" targetRef="Gateway_0y3f0ax" />',
            b'<bpmn:sequenceFlow id="Flow_1b7w3tz" name="Checked" sourceRef="Activity_0q1v9jd" targetRef="Gateway_0y3f0ax">'
            b'<bpmn:extensionElements><wfa:transition xmlns:wfa="https://smartdairy.example/schema/workflow/1.0" '
            b'trigger="user_action" buttonLabel="Checked"/></bpmn:extensionElements></bpmn:sequenceFlow>',
        )
        definition = self._import(xml, model="res.partner")
        trs = {t.name: t for t in definition.transition_ids}
        self.assertEqual(
            (trs["Important"].trigger_type, trs["Other"].trigger_type), ("user_action", "user_action")
        )
        inst = self.start(self.env["res.partner"].create({"name": "Big dairy", "color": 7}), definition)
        inst.fire(trs["Submit"].id)
        self.assertEqual(inst.current_state_id.name, "Check partner")  # waits for the person
        offered = inst._available_transition_records()
        self.assertEqual(offered, trs["Important"])
        self.assertEqual(offered._label(), "Checked")

    def test_camunda7_file_notes_other_tools(self):
        definition_id, notes = self.Definition._import_bpmn(
            data_file("camunda7_modeler5.bpmn"), model="res.partner"
        )
        definition = self.Definition.browse(definition_id)
        text = " ".join(notes)
        for item in (
            "camunda:assignee",
            "camunda:formData",
            "camunda:taskListener",
            "camunda:historyTimeToLive",
        ):
            self.assertIn(item, text)
        self.assertIn("camunda:formData", definition.message_ids[:1].body)
        task = definition.state_ids.filtered(lambda s: s.name == "Check company")
        # a non-interrupting timer keeps the state: the deadline only notifies
        self.assertEqual((task.timeout_hours, task.timeout_action), (24, "notify"))
        yes = definition.transition_ids.filtered(lambda t: t.name == "yes")
        self.assertEqual((yes.from_state_id.state_type, yes.trigger_type), ("start", "condition"))
        # starting on a company moves on by itself (the gateway after the start event)
        inst = self.start(
            self.env["res.partner"].create({"name": "Dairy Ltd", "is_company": True}), definition
        )
        self.assertEqual(inst.current_state_id, task)

    def test_camunda8_zeebe_file(self):
        definition_id, notes = self.Definition._import_bpmn(
            data_file("camunda8_modeler5.bpmn"), model="res.partner"
        )
        definition = self.Definition.browse(definition_id)
        self.assertTrue(any("zeebe:assignmentDefinition" in n for n in notes))
        review = definition.state_ids.filtered(lambda s: s.name == "Review partner")
        self.assertEqual(review.timeout_hours, 26.5)  # P1DT2H30M
        failed = definition.state_ids.filtered(lambda s: s.name == "Review failed")
        self.assertEqual(failed.state_type, "error")  # an error end event
        root = etree.fromstring(definition.export_bpmn().encode())
        self.assertIsNotNone(root.find(".//{*}endEvent[@id='Event_0v3ce4r']/{*}errorEventDefinition"))

    def test_wizard(self):
        wizard = self.env["workflow.bpmn.import.wizard"].create(
            {
                "file": base64.b64encode(data_file("camunda8_modeler5.bpmn")),
                "model_id": self.partner_model.id,
            }
        )
        action = wizard.action_import()
        # the ignored Zeebe settings are shown, then the new definition opens
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("zeebe:formDefinition", action["params"]["message"])
        definition = self.Definition.browse(action["params"]["next"]["res_id"])
        self.assertEqual(definition.code, "partner-check-c8")

    # ------------------------------------------------------------------
    # our own format: export -> import -> export
    # ------------------------------------------------------------------
    def test_round_trip(self):
        doc = json.loads(json.dumps(SPEC_DOC))
        doc["workflow_config"]["states"][1]["timeout_action"] = "transition"
        doc["workflow_config"]["states"][1]["approval_config"]["dynamic_field"] = "user_id"
        doc["workflow_config"]["states"][1]["escalate_to"] = [
            {"type": "user", "login": "admin"},
            {"type": "group", "xmlid": "base.group_system"},
        ]
        doc["workflow_config"]["states"].append({"code": "late", "name": "Too late", "state_type": "error"})
        doc["workflow_config"]["transitions"].append(
            {"name": "Deadline", "from": "manager", "to": "late", "trigger_type": "timeout"}
        )
        first = self.Definition.browse(self.Definition.import_json(json.dumps(doc)))
        xml = first.export_bpmn()
        second = self._import(xml.replace('code="LARGE_ORDER"', 'code="LARGE_ORDER_2"'))
        self.assertEqual(second.model_name, "res.partner")  # named by our extension: no argument needed
        one, two = first.export_json(), second.export_json()
        for key in ("code", "version"):
            one.pop(key), two.pop(key)
        for state in two["workflow_config"]["states"]:  # the first one was never drawn
            state.pop("position_x"), state.pop("position_y")
        self.assertEqual(json.dumps(one, sort_keys=True), json.dumps(two, sort_keys=True))
        # the second export is the first one with the other code
        self.assertEqual(
            second.export_bpmn().replace("LARGE_ORDER_2", "LARGE_ORDER"),
            xml,
        )
        manager = second.state_ids.filtered(lambda s: s.code == "manager")
        self.assertEqual(manager.approver_user_ids, self.env.ref("base.user_admin"))
        self.assertEqual(manager.approver_field_path, "user_id", "the record's user as approver")
        self.assertEqual(manager.on_enter_action_ids.mapped("state"), ["workflow_message", "object_write"])
        # the diagram was laid out on export and is stored by the import
        self.assertTrue(all(s.position_x for s in second.state_ids))
        # the exported file is valid BPMN 2.0 with its diagram
        root = bpmn.load_xml(xml)
        self.assertEqual(len(root.findall(".//{*}BPMNShape")), len(first.state_ids) + 1)  # + the timer
        self.assertEqual(len(root.findall(".//{*}BPMNEdge")), len(first.transition_ids))
        timer = root.find(".//{*}boundaryEvent")
        self.assertEqual(timer.find(".//{*}timeDuration").text, "P1D")
        self.assertEqual(timer.get("cancelActivity"), "true")

    def test_replace_makes_new_version(self):
        definition = self._import(small(""), model="res.partner")
        xml = definition.export_bpmn().replace('name="Review"', 'name="Second review"')
        self.assertRefused(xml, "exists already")
        self.assertEqual(self._import(xml, replace=True), definition)
        self.assertIn("Second review", definition.state_ids.mapped("name"))

    def test_extension_settings(self):
        ext = (
            '<bpmn:extensionElements><wfa:workflow code="EXT" model="res.partner" triggerType="manual">'
            '<wfa:action id="note" type="post_message" body="Hello"/>'
            '<wfa:action id="flag" type="update_field" field="comment"><wfa:param name="value">"x"</wfa:param>'
            "</wfa:action></wfa:workflow></bpmn:extensionElements>"
        )
        xml = (
            small("", ext=ext)
            .replace(
                '<bpmn:userTask id="Task_1" name="Review"/>',
                '<bpmn:userTask id="Task_1" name="Review"><bpmn:extensionElements>'
                '<wfa:state code="review" type="approval"><wfa:onEnter action="note"/>'
                '<wfa:approval rule="all" minApprovals="1"><wfa:approver type="user" login="admin"/>'
                '<wfa:approver type="group" xmlid="base.group_system"/></wfa:approval></wfa:state>'
                "</bpmn:extensionElements></bpmn:userTask>",
            )
            .replace(
                '<bpmn:sequenceFlow id="F2" name="Accept" sourceRef="Task_1" targetRef="End_1"/>',
                '<bpmn:sequenceFlow id="F2" name="Accept" sourceRef="Task_1" targetRef="End_1">'
                '<bpmn:extensionElements><wfa:transition trigger="approval" requireComment="true" buttonLabel="OK">'
                '<wfa:group xmlid="base.group_user"/><wfa:run action="flag"/></wfa:transition>'
                "</bpmn:extensionElements></bpmn:sequenceFlow>",
            )
        )
        definition = self._import(xml)
        review = definition.state_ids.filtered(lambda s: s.code == "review")
        self.assertEqual((review.state_type, review.approval_type), ("approval", "all"))
        self.assertEqual(review.approver_group_ids, self.env.ref("base.group_system"))
        self.assertEqual(review.on_enter_action_ids.workflow_message_body, "Hello")
        accept = definition.transition_ids.filtered(lambda t: t.name == "Accept")
        self.assertEqual(
            (accept.trigger_type, accept.require_comment, accept.button_label), ("approval", True, "OK")
        )
        self.assertEqual(accept.group_ids, self.env.ref("base.group_user"))
        self.assertEqual(accept.action_ids.update_path, "comment")
        # the model argument must agree with the file
        self.assertRefused(
            xml.replace('code="EXT"', 'code="EXT2"'), "is for the model res.partner", model="res.users"
        )

    def test_durations(self):
        cases = {
            "PT4H": 4,
            "P1D": 24,
            "P1DT2H30M": 26.5,
            "PT90M": 1.5,
            "P1W": 168,
            "PT30S": round(1 / 120, 6),
        }
        for text, hours in cases.items():
            self.assertEqual(bpmn.duration_hours(text, "t"), hours, text)
        for hours in (4, 24, 26.5, 0.25, 200):
            self.assertEqual(bpmn.duration_hours(bpmn.hours_duration(hours), "t"), hours)
        for text in ("P1Y", "P2M", "4 hours", "PT", "P", "-PT4H"):
            with self.assertRaisesRegex(ValidationError, "not an ISO 8601 duration"):
                bpmn.duration_hours(text, "t")

    # ------------------------------------------------------------------
    # refusals: the element is named, nothing is stored
    # ------------------------------------------------------------------
    def test_unsupported_elements(self):
        cases = {
            '<bpmn:parallelGateway id="Fork_1"/>': "parallelGateway Fork_1",
            '<bpmn:inclusiveGateway id="Inc_1"/>': "inclusiveGateway Inc_1",
            '<bpmn:eventBasedGateway id="Ev_1"/>': "eventBasedGateway Ev_1",
            '<bpmn:subProcess id="Sub_1" name="Inner"/>': 'subProcess "Inner" \\(id Sub_1\\)',
            '<bpmn:callActivity id="Call_1"/>': "callActivity Call_1",
            '<bpmn:scriptTask id="Script_1"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>': "scriptTask Script_1",
            '<bpmn:intermediateCatchEvent id="Msg_1"><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>': "intermediateCatchEvent Msg_1",
            '<bpmn:boundaryEvent id="Sig_1" attachedToRef="Task_1"><bpmn:signalEventDefinition/></bpmn:boundaryEvent>': "only timer boundary events.*signalEventDefinition",
            '<bpmn:boundaryEvent id="T_1" attachedToRef="Task_1"><bpmn:timerEventDefinition>'
            '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">R3/PT1H</bpmn:timeCycle>'
            "</bpmn:timerEventDefinition></bpmn:boundaryEvent>": "boundaryEvent T_1: a timer needs a duration",
        }
        for body, pattern in cases.items():
            with self.subTest(body=body):
                self.assertRefused(small(body), pattern, model="res.partner")
        message_start = small("").replace(
            '<bpmn:startEvent id="Start_1" name="Draft"/>',
            '<bpmn:startEvent id="Start_1" name="Draft"><bpmn:messageEventDefinition/></bpmn:startEvent>',
        )
        self.assertRefused(
            message_start, 'startEvent "Draft" \\(id Start_1\\): messageEventDefinition', model="res.partner"
        )
        pools = small("").replace(
            '<bpmn:process id="Small_1"',
            '<bpmn:collaboration id="Collab_1"><bpmn:participant id="Pool_A" processRef="Small_1"/>'
            '<bpmn:participant id="Pool_B" name="Supplier"/></bpmn:collaboration><bpmn:process id="Small_1"',
        )
        self.assertRefused(
            pools, 'participant "Supplier" \\(id Pool_B\\): .*several participants', model="res.partner"
        )

    def test_bad_conditions_and_gateways(self):
        juel = data_file("camunda7_modeler5.bpmn").replace(
            b"[('is_company', '=', True)]", b"${isCompany == true}"
        )
        self.assertRefused(
            juel, 'sequenceFlow "yes" \\(id Flow_0cx2q4u\\).*not a valid domain', model="res.partner"
        )
        unknown_field = data_file("camunda7_modeler5.bpmn").replace(b"is_company", b"no_such_field")
        self.assertRefused(
            unknown_field,
            "The condition of transition yes cannot be used.*no_such_field",
            model="res.partner",
        )
        no_default = data_file("camunda7_modeler5.bpmn").replace(b' default="Flow_0pmd3a8"', b"")
        self.assertRefused(
            no_default, 'sequenceFlow "no" \\(id Flow_0pmd3a8\\) leaves exclusiveGateway', model="res.partner"
        )
        self.assertRefused(small(""), "which kind of document")
        self.assertRefused(small(""), "unknown model", model="no.such.model")
        # a check of the importer names the BPMN element the problem came from
        long_name = small("").replace('name="Review"', f'name="{"R" * 300}"')
        self.assertRefused(long_name, "too long.*\n\\(in the BPMN file: userTask", model="res.partner")
        two_starts = small('<bpmn:startEvent id="Start_2"/>')
        self.assertRefused(two_starts, "exactly one initial state", model="res.partner")

    def test_not_bpmn(self):
        self.assertRefused("<definitions/>", "root element must be bpmn:definitions", model="res.partner")
        self.assertRefused("<bpmn:definitions", "not well-formed", model="res.partner")
        invalid = small("").replace('targetNamespace="http://bpmn.io/schema/bpmn"', "")
        self.assertRefused(
            invalid, "does not follow the BPMN 2.0 schema.*targetNamespace", model="res.partner"
        )
        self.assertRefused(HEAD + "</bpmn:definitions>", "holds no process", model="res.partner")
        with self.assertRaisesRegex(ValidationError, "xml must be the text of a BPMN file"):
            self.Definition.import_bpmn(42)
        with self.assertRaisesRegex(ValidationError, "replace must be true or false"):
            self.Definition.import_bpmn(small(""), model="res.partner", replace="yes")

    # ------------------------------------------------------------------
    # hostile XML
    # ------------------------------------------------------------------
    def test_hostile_xml(self):
        laughs = (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or "")) * 10}">' for i in range(1, 10))
            + "]>"
            + small("").split("?>", 1)[1].replace('name="Review"', 'name="&lol9;"')
        )
        xxe = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + small(
            ""
        ).split("?>", 1)[1].replace('name="Review"', 'name="&xxe;"')
        external_dtd = (
            '<?xml version="1.0"?><!DOCTYPE d SYSTEM "http://127.0.0.1:9/evil.dtd">'
            + small("").split("?>", 1)[1]
        )
        for text in (laughs, xxe, external_dtd):
            self.assertRefused(text, "DOCTYPE or entity declaration is not allowed", model="res.partner")
        # in UTF-16 the declaration is not seen in the bytes: the parser's document info refuses it
        self.assertRefused(
            xxe.replace('"1.0"?>', '"1.0" encoding="UTF-16"?>', 1).encode("utf-16"),
            "DOCTYPE or entity declaration is not allowed",
            model="res.partner",
        )
        # deep nesting is stopped by the parser's limits (no huge-tree mode)
        deep = small("<bpmn:documentation>" + "<a>" * 5000 + "</a>" * 5000 + "</bpmn:documentation>")
        self.assertRefused(deep, "Invalid BPMN file", model="res.partner")
        # 50 MB is refused on its size, before any parsing
        huge = b"<bpmn:definitions>" + b" " * (50 * 1024 * 1024)
        self.assertRefused(huge, "larger than", model="res.partner")
        self.assertRefused(huge.decode(), "larger than", model="res.partner")

    # ------------------------------------------------------------------
    # access: the same checks as the JSON import
    # ------------------------------------------------------------------
    def test_rights(self):
        xml = small("")
        with self.assertRaisesRegex(AccessError, "Only workflow managers"):
            self.Definition.with_user(self.user).import_bpmn(xml, model="res.partner")
        # a workflow manager who is no administrator: the deny-list of the JSON import holds
        action = self.env["ir.actions.server"].create(
            {
                "name": "Run code",
                "model_id": self.partner_model.id,
                "state": "code",
                "code": "records.write({})",
            }
        )
        self.env["ir.model.data"].create(
            {"module": "test_bpmn", "name": "code_action", "model": "ir.actions.server", "res_id": action.id}
        )
        sensitive = xml.replace(
            '<bpmn:userTask id="Task_1" name="Review"/>',
            '<bpmn:userTask id="Task_1" name="Review"><bpmn:extensionElements><wfa:state>'
            '<wfa:onEnter serverAction="test_bpmn.code_action"/></wfa:state></bpmn:extensionElements></bpmn:userTask>',
        )
        before = self._count()
        with self.assertRaisesRegex(
            AccessError, "reserved to administrators.*\n\\(in the BPMN file: userTask"
        ):
            self.Definition.with_user(self.manager).import_bpmn(sensitive, model="res.partner")
        self.assertEqual(self._count(), before)
        definition = self.Definition.browse(
            self.Definition.with_user(self.manager).import_bpmn(xml, model="res.partner")
        )
        # whoever may read a definition may export it
        self.assertIn("<bpmn:process", definition.with_user(self.user).export_bpmn())
        with self.assertRaisesRegex(ValidationError, "exactly one record"):
            (definition | self.definition).export_bpmn()


@tagged("post_install", "-at_install")
class TestBpmnXmlRpc(HttpCase):
    """import_bpmn / export_bpmn and the download, through Odoo's real HTTP server."""

    def call(self, login, method, *args, **kwargs):
        uids = self.__dict__.setdefault("uids", {})
        if login not in uids:  # authenticating costs seconds (password hashing): once per user
            uids[login] = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, f"{login}_pw", {})
        uid = uids[login]
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, uid, f"{login}_pw", "workflow.definition", method, list(args), kwargs
        )

    def test_import_export_download(self):
        for login, groups in (
            ("bpmn_manager", "base.group_user,workflow_automation.group_workflow_manager"),
            ("bpmn_clerk", "base.group_user,workflow_automation.group_workflow_user"),
        ):
            new_test_user(self.env, login=login, password=f"{login}_pw", groups=groups)
        xml = data_file("bpmn_io_gateway_timer.bpmn").decode()
        with self.assertRaisesRegex(Fault, "Only workflow managers may import"):
            self.call("bpmn_clerk", "import_bpmn", xml, model="res.partner")
        with self.assertRaisesRegex(Fault, "import_bpmn: model must be text"):
            self.call("bpmn_manager", "import_bpmn", xml, model=7)
        with self.assertRaisesRegex(Fault, "Flow_0r8c1vn.*leaves exclusiveGateway"):
            self.call(
                "bpmn_manager", "import_bpmn", xml.replace(' default="Flow_0r8c1vn"', ""), model="res.partner"
            )
        definition_id = self.call("bpmn_manager", "import_bpmn", xml, model="res.partner")
        exported = self.call("bpmn_manager", "export_bpmn", [definition_id])
        self.assertIn('<wfa:workflow code="Process_1" model="res.partner"', exported)
        self.assertIn('<dc:Bounds x="240" y="160" width="100" height="80"/>', exported)
        # the download route gives the same document as a file
        self.authenticate("bpmn_clerk", "bpmn_clerk_pw")
        response = self.url_open(f"/workflow_automation/definition/{definition_id}/export_bpmn")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text, exported)
        self.assertIn("workflow_Process_1_v1.bpmn", response.headers["Content-Disposition"])
        self.assertTrue(response.headers["Content-Type"].startswith("application/xml"))
