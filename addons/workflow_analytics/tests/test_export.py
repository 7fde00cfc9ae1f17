import csv
import io

from lxml import etree

from odoo.tests import HttpCase, tagged

from .common import AnalyticsCase

XES = "{http://www.xes-standard.org/}"


@tagged("post_install", "-at_install")
class TestEventLogExport(AnalyticsCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager.password = "wfa-manager-pw"
        cls.url = f"/workflow_analytics/event_log.%s?workflow_ids={cls.definition.id}"

    def fetch(self, fmt, login="wf_manager", password="wfa-manager-pw"):
        self.authenticate(login, password)
        response = self.url_open(self.url % fmt)
        self.assertEqual(response.status_code, 200)
        return response

    def test_xes_is_a_valid_event_log(self):
        response = self.fetch("xes")
        self.assertIn("attachment", response.headers["Content-Disposition"])
        root = etree.fromstring(response.content)
        self.assertEqual(root.tag, f"{XES}log")
        self.assertEqual(root.get("xes.version"), "1849-2016")
        prefixes = {e.get("prefix"): e.get("uri") for e in root.findall(f"{XES}extension")}
        self.assertEqual(set(prefixes), {"concept", "time", "org", "lifecycle"})
        self.assertEqual(prefixes["time"], "http://www.xes-standard.org/time.xesext")
        traces = root.findall(f"{XES}trace")
        self.assertEqual(len(traces), 7, "one trace per instance")
        by_case = {}
        for trace in traces:
            case = trace.find(f"{XES}string[@key='concept:name']").get("value")
            events = trace.findall(f"{XES}event")
            by_case[int(case)] = events
            for event in events:
                keys = {child.get("key"): child for child in event}
                for key in ("concept:name", "time:timestamp", "org:resource", "lifecycle:transition"):
                    self.assertIn(key, keys)
                self.assertEqual(keys["time:timestamp"].tag, f"{XES}date")
        b_events = by_case[self.inst["B"].id]
        names = [e.find(f"{XES}string[@key='concept:name']").get("value") for e in b_events]
        self.assertEqual(names, ["Draft", "Review", "Draft", "Review", "Done"])
        stamps = [e.find(f"{XES}date").get("value") for e in b_events]
        self.assertEqual(stamps[0], "2026-03-02T09:00:00.000+00:00")
        lifecycle = [e.find(f"{XES}string[@key='lifecycle:transition']").get("value") for e in b_events]
        self.assertEqual(lifecycle, ["start", "complete", "complete", "complete", "complete"])
        resource = b_events[1].find(f"{XES}string[@key='org:resource']").get("value")
        self.assertEqual(resource, "Wanda Manager")
        e_names = [
            e.find(f"{XES}string[@key='concept:name']").get("value") for e in by_case[self.inst["E"].id]
        ]
        self.assertEqual(e_names, ["Draft", "Cancel (Draft)"])

    def test_csv_has_one_line_per_history_row(self):
        rows = list(csv.DictReader(io.StringIO(self.fetch("csv").text)))
        self.assertEqual(
            len(rows), self.env["workflow.history"].search_count([("workflow_id", "=", self.definition.id)])
        )
        first = rows[0]
        self.assertEqual(
            set(first),
            {
                "case_id",
                "workflow",
                "document",
                "activity",
                "timestamp",
                "resource",
                "lifecycle",
                "action",
                "transition",
                "case_status",
            },
        )
        a_rows = [r for r in rows if r["case_id"] == str(self.inst["A"].id)]
        self.assertEqual([r["activity"] for r in a_rows], ["Draft", "Review", "Done"])
        self.assertEqual(a_rows[1]["transition"], "Submit")

    def test_user_of_another_company_exports_an_empty_log(self):
        olga = self.other_company_user()
        olga.password = "wfa-olga-pw"
        root = etree.fromstring(self.fetch("xes", "wfa_other", "wfa-olga-pw").content)
        self.assertEqual(root.findall(f"{XES}trace"), [])

    def test_portal_user_is_refused(self):
        self.outsider.password = "wfa-portal-pw"
        self.authenticate("wf_portal", "wfa-portal-pw")
        response = self.url_open(self.url % "csv")
        self.assertEqual(response.status_code, 403)

    def test_unknown_format_is_refused(self):
        self.authenticate("wf_manager", "wfa-manager-pw")
        self.assertEqual(self.url_open(self.url.replace("%s", "json")).status_code, 400)
