"""Process-mining export: the event log of chosen workflows as CSV or XES (IEEE 1849).

Both formats stream: rows are read from a server-side cursor in batches and
written out as they come, so the log is never held in memory as a whole.
"""

import csv
import io
from xml.sax.saxutils import quoteattr

from werkzeug.exceptions import BadRequest

from odoo import _, http
from odoo.http import request

BATCH = 2000
LIFECYCLE = {
    "start": "start",
    "transition": "complete",
    "approval": "complete",
    "rejection": "complete",
    "timeout": "complete",
    "escalation": "complete",
    "cancel": "ate_abort",
    "error": "pi_abort",
    "system": "complete",
}
XES_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
  <global scope="trace">
    <string key="concept:name" value="UNKNOWN"/>
  </global>
  <global scope="event">
    <string key="concept:name" value="UNKNOWN"/>
    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
    <string key="lifecycle:transition" value="complete"/>
  </global>
  <classifier name="Activity" keys="concept:name"/>
  <classifier name="Activity and lifecycle" keys="concept:name lifecycle:transition"/>
  <string key="concept:name" value="Workflow event log"/>
"""
CSV_COLUMNS = [
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
]


def _iso(ts):
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}+00:00"


class WorkflowAnalyticsExport(http.Controller):
    @http.route("/workflow_analytics/event_log.<string:fmt>", type="http", auth="user", methods=["GET"])
    def event_log(self, fmt, workflow_ids="", date_from=None, date_to=None, **kw):
        if fmt not in ("csv", "xes"):
            raise BadRequest(_("The event log is exported as csv or xes."))
        try:
            ids = [int(x) for x in workflow_ids.split(",") if x.strip()]
        except ValueError as exc:
            raise BadRequest(_("workflow_ids must be a comma-separated list of ids.")) from exc
        env = request.env
        filters = {"workflow_ids": ids, "date_from": date_from, "date_to": date_to}
        query = env["workflow.analytics"]._event_log_query(filters)
        rows = env["workflow.analytics"]._event_log_rows(env.cr.dbname, query, BATCH)
        body = self._xes(rows) if fmt == "xes" else self._csv(rows)
        filename = f"workflow_event_log.{fmt}"
        mimetype = "text/csv" if fmt == "csv" else "application/xml"
        return request.make_response(
            body,
            headers=[
                ("Content-Type", f"{mimetype}; charset=utf-8"),
                ("Content-Disposition", f'attachment; filename="{filename}"'),
            ],
        )

    def _csv(self, rows):
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(CSV_COLUMNS)
        yield buf.getvalue().encode()
        for batch in rows:
            buf.seek(0)
            buf.truncate()
            for case, wf, doc, activity, ts, resource, action, transition, status in batch:
                writer.writerow(
                    [
                        case,
                        wf,
                        doc,
                        activity,
                        _iso(ts),
                        resource or "",
                        LIFECYCLE.get(action, "complete"),
                        action,
                        transition or "",
                        status,
                    ]
                )
            yield buf.getvalue().encode()

    def _xes(self, rows):
        yield XES_HEADER.encode()
        current = None
        for batch in rows:
            out = []
            for case, wf, doc, activity, ts, resource, action, transition, status in batch:
                if case != current:
                    if current is not None:
                        out.append("  </trace>\n")
                    current = case
                    out.append(
                        f'  <trace>\n    <string key="concept:name" value={quoteattr(str(case))}/>\n'
                        f'    <string key="workflow" value={quoteattr(wf or "")}/>\n'
                        f'    <string key="document" value={quoteattr(doc or "")}/>\n'
                        f'    <string key="case:status" value={quoteattr(status or "")}/>\n'
                    )
                out.append(
                    "    <event>\n"
                    f'      <string key="concept:name" value={quoteattr(activity or "")}/>\n'
                    f'      <date key="time:timestamp" value="{_iso(ts)}"/>\n'
                    f'      <string key="org:resource" value={quoteattr(resource or "")}/>\n'
                    f'      <string key="lifecycle:transition" value="{LIFECYCLE.get(action, "complete")}"/>\n'
                    f'      <string key="action" value={quoteattr(action or "")}/>\n'
                    + (
                        f'      <string key="transition" value={quoteattr(transition)}/>\n'
                        if transition
                        else ""
                    )
                    + "    </event>\n"
                )
            yield "".join(out).encode()
        if current is not None:
            yield b"  </trace>\n"
        yield b"</log>\n"
