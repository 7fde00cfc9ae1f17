from datetime import datetime, time, timedelta

import pytz

import odoo
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from . import interval_table
from .interval_table import INTERVAL_ROW

DEFAULT_DAYS = 30
MAX_DAYS = 3660
HISTOGRAM_EDGES = [1, 4, 8, 24, 72, 168]  # hours: <1h, 1-4h, 4-8h, 8-24h, 1-3d, 3-7d, >7d


def _hours(expr):
    return SQL("(EXTRACT(EPOCH FROM %s) / 3600.0)", expr)


def _r(value, digits=2):
    return round(value, digits) if isinstance(value, float) else value


class WorkflowAnalytics(models.AbstractModel):
    """Figures of the workflows a user may read, computed in SQL.

    Every figure is computed for the chosen period and for the previous period of
    the same length.  The scope is built from what the caller may read: the
    definitions returned by ``workflow.definition.search`` and the instances
    returned by ``workflow.instance._search`` (record rules included) in the
    companies allowed in the context.
    """

    _name = "workflow.analytics"
    _description = "Workflow Analytics"

    # ------------------------------------------------------------------
    # filters and scope
    # ------------------------------------------------------------------
    @api.model
    def _parse_filters(self, filters):
        filters = dict(filters or {})
        if not isinstance(filters, dict):
            raise ValidationError(_("The analytics filters must be a JSON object."))
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        today = fields.Date.context_today(self)
        try:
            date_to = fields.Date.to_date(filters.get("date_to")) or today
            date_from = fields.Date.to_date(filters.get("date_from")) or date_to - timedelta(
                days=DEFAULT_DAYS - 1
            )
        except ValueError as exc:
            raise ValidationError(_("The period must be given as dates (YYYY-MM-DD).")) from exc
        if date_from > date_to:
            raise ValidationError(_("The period starts after it ends."))
        if (date_to - date_from).days > MAX_DAYS:
            raise ValidationError(_("The period cannot be longer than ten years."))

        def utc(day):
            return tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)

        p0, p1 = utc(date_from), utc(date_to + timedelta(days=1))
        ids = []
        for key in ("workflow_ids", "company_ids"):
            value = filters.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
                raise ValidationError(_("%s must be a list of ids.", key))
            ids.append(value)
        return {
            "date_from": date_from,
            "date_to": date_to,
            "p0": p0,
            "p1": p1,
            "prev0": p0 - (p1 - p0),
            "tz": tz.zone,
            "workflow_ids": ids[0],
            "company_ids": ids[1],
            "raw": filters,
        }

    @api.model
    def _scope(self, flt):
        """Definitions and instances the caller may read, narrowed by the filters."""
        self.env["workflow.analytics.interval"].check_access_rights("read")
        domain = [("current_version_id", "=", False)]
        if flt["workflow_ids"]:
            domain.append(("id", "in", flt["workflow_ids"]))
        definitions = self.env["workflow.definition"].search(domain)
        companies = self.env.companies.ids
        if flt["company_ids"]:
            companies = [cid for cid in flt["company_ids"] if cid in companies]
        inst_domain = [("live_workflow_id", "in", definitions.ids), ("company_id", "in", companies)]
        inst_domain += self._extra_instance_domain(flt)
        instances = self._readable_instances(inst_domain, definitions)
        # the readable instances as a relation: the figures filter it further, and PostgreSQL
        # merges both conditions into one scan (a subquery ``id IN (...)`` would scan twice)
        relation = SQL(
            "(SELECT %s.* FROM %s WHERE %s)",
            SQL.identifier(instances.table),
            instances.from_clause,
            instances.where_clause or SQL("TRUE"),
        )
        return {
            "definitions": definitions,
            "company_ids": companies,
            "instance_domain": inst_domain,
            "instances": instances.subselect(),
            "relation": relation,
        }

    @api.model
    def _readable_instances(self, domain, definitions=None):
        """The instances of ``domain`` the caller may read, as a query that stays in SQL.

        The same instances as ``workflow.instance._search(domain)``: access rights,
        record rules, and the document each instance points at readable by the
        caller.  That method checks the documents in Python and returns the ids
        (100,000 ids for a year of a busy workflow); here the document condition is
        a subquery per document model (``Model._search([])`` with the caller's
        rules, archived documents included, as ``readable_documents`` reads them),
        so that each figure's query filters the instances in one scan.
        ``workflow.instance`` has no ``_workflow_visible_anyway`` exception to add.
        """
        Instance = self.env["workflow.instance"]
        if self.env.su:
            return Instance._search(domain)
        Instance.check_access_rights("read")
        rules = self.env["ir.rule"]._compute_domain(Instance._name, "read") or []
        # the rules as ``_apply_ir_rules`` applies them (evaluated for the caller, matched as the
        # system); sudo only skips the Python document check that the subqueries below replace
        query = Instance.sudo()._search(expression.AND([domain, rules]))
        documents = []
        if definitions is None:  # the documents of any workflow
            definitions = self.env["workflow.definition"].sudo().with_context(active_test=False).search([])
        for model_name in sorted(set(definitions.sudo().mapped("model_name"))):
            if model_name not in self.env:
                continue
            Model = self.env[model_name].with_context(active_test=False)
            if not Model.check_access_rights("read", raise_exception=False):
                continue
            documents.append(
                SQL(
                    "(%s = %s AND %s IN %s)",
                    SQL.identifier(query.table, "model_name"),
                    model_name,
                    SQL.identifier(query.table, "record_id"),
                    Model._search([]).subselect(),
                )
            )
        query.add_where(SQL("(%s)", SQL(" OR ").join(documents)) if documents else SQL("FALSE"))
        return query

    @api.model
    def _extra_instance_domain(self, flt):
        """Hook for bridges (e.g. the SLA team filter): more conditions on the instances."""
        return []

    # ------------------------------------------------------------------
    # the dashboard
    # ------------------------------------------------------------------
    @api.model
    def get_dashboard(self, filters=None):
        """All figures of the dashboard as JSON, for the period and the previous one."""
        flt = self._parse_filters(filters)
        scope = self._scope(flt)
        now = fields.Datetime.now()
        current = self._figures(scope, flt["p0"], flt["p1"], now, flt["tz"])
        previous = self._figures(scope, flt["prev0"], flt["p0"], now, flt["tz"])
        queues = self._queues(scope)
        for state in current["states"]:
            state["queue"] = queues.get(state["key"], 0)
        if current["bottleneck"]:
            current["bottleneck"]["queue"] = queues.get(current["bottleneck"]["key"], 0)
        self._attach_previous(current, previous)
        return {
            "period": {
                "date_from": fields.Date.to_string(flt["date_from"]),
                "date_to": fields.Date.to_string(flt["date_to"]),
                "previous_from": fields.Date.to_string(
                    flt["date_from"] - (flt["date_to"] - flt["date_from"]) - timedelta(days=1)
                ),
                "previous_to": fields.Date.to_string(flt["date_from"] - timedelta(days=1)),
            },
            "definitions": [{"id": d.id, "name": d.display_name} for d in scope["definitions"]],
            "companies": [{"id": c.id, "name": c.name} for c in self.env.companies],
            "current": current,
            "previous": previous,
            "extra": self._extra_figures(scope, flt),
        }

    @api.model
    def _extra_figures(self, scope, flt):
        """Hook for bridges (SLA, alerts): ``{key: figures}`` added to the dashboard."""
        return {}

    @api.model
    def _figures(self, scope, p0, p1, now, tz):
        figures = self._volume(scope, p0, p1, now)
        figures["throughput"] = self._throughput(scope, p0, p1, tz)
        figures.update(self._flow(scope, p0, p1))
        figures["approvals"] = self._approvals(scope, p0, p1)
        return figures

    @api.model
    def _attach_previous(self, current, previous):
        """Give each keyed line of the current period the value of the previous one."""
        for key, fields_ in (
            ("states", ("p50", "p90", "share")),
            ("variants", ("count", "share", "median_hours")),
        ):
            prev = {line["key"]: line for line in previous[key]}
            for line in current[key]:
                old = prev.get(line["key"], {})
                line["previous"] = {f: old.get(f) for f in fields_}
        for key in ("approvers", "steps"):
            prev = {line["key"]: line for line in previous["approvals"][key]}
            for line in current["approvals"][key]:
                old = prev.get(line["key"], {})
                line["previous"] = {f: old.get(f) for f in ("count", "p50", "approval_rate")}
        if current["bottleneck"]:
            prev = {line["key"]: line for line in previous["states"]}
            current["bottleneck"]["previous_share"] = prev.get(current["bottleneck"]["key"], {}).get("share")

    # ------------------------------------------------------------------
    # figures (each one query)
    # ------------------------------------------------------------------
    @api.model
    def _volume(self, scope, p0, p1, now):
        """Started, completed, cancelled; running and overdue at the end of the period; cycle time."""
        end = min(p1, now)
        in_period = SQL("i.completed_at >= %s AND i.completed_at < %s", p0, p1)
        running = SQL("i.started_at < %s AND (i.status = 'active' OR i.completed_at >= %s)", end, end)
        self.env.cr.execute(
            SQL(
                """
                SELECT count(*) FILTER (WHERE i.started_at >= %(p0)s AND i.started_at < %(p1)s),
                       count(*) FILTER (WHERE i.status = 'completed' AND %(in_period)s),
                       count(*) FILTER (WHERE i.status = 'cancelled' AND %(in_period)s),
                       count(*) FILTER (WHERE %(running)s),
                       count(*) FILTER (WHERE %(running)s AND LEAST(i.due_at, i.state_due_at) < %(end)s),
                       percentile_cont(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY %(cycle)s)
                           FILTER (WHERE i.status = 'completed' AND %(in_period)s),
                       avg(%(cycle)s) FILTER (WHERE i.status = 'completed' AND %(in_period)s)
                  FROM %(scope)s i
                 WHERE i.started_at < %(p1)s
                   AND (i.completed_at IS NULL OR i.completed_at >= %(p0)s)
                """,
                p0=p0,
                p1=p1,
                end=end,
                in_period=in_period,
                running=running,
                cycle=_hours(SQL("i.completed_at - i.started_at")),
                scope=scope["relation"],
            )
        )
        started, completed, cancelled, running_n, overdue, pct, avg = self.env.cr.fetchone()
        pct = pct or [None, None, None]
        return {
            "started": started,
            "completed": completed,
            "cancelled": cancelled,
            "running": running_n,
            "overdue": overdue,
            "cycle": {"p50": _r(pct[0]), "p90": _r(pct[1]), "p95": _r(pct[2]), "avg": _r(avg)},
        }

    @api.model
    def _throughput(self, scope, p0, p1, tz):
        """Instances completed per day (per week beyond 62 days), in the user's time zone."""
        unit = "day" if (p1 - p0).days <= 62 else "week"
        self.env.cr.execute(
            SQL(
                """
                WITH done AS (
                    SELECT date_trunc(%(unit)s, (i.completed_at AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s) AS bucket,
                           count(*) AS n
                      FROM %(scope)s i
                     WHERE i.status = 'completed'
                       AND i.completed_at >= %(p0)s AND i.completed_at < %(p1)s
                     GROUP BY 1
                )
                SELECT to_char(b.bucket, 'YYYY-MM-DD'), COALESCE(done.n, 0)
                  FROM generate_series(
                           date_trunc(%(unit)s, (%(p0)s::timestamp AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s),
                           ((%(p1)s::timestamp AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s) - interval '1 second',
                           ('1 ' || %(unit)s)::interval) AS b(bucket)
                  LEFT JOIN done ON done.bucket = b.bucket
                 ORDER BY b.bucket
                """,
                unit=unit,
                tz=tz,
                p0=p0,
                p1=p1,
                scope=scope["relation"],
            )
        )
        return {"unit": unit, "points": [{"bucket": b, "count": n} for b, n in self.env.cr.fetchall()]}

    @api.model
    def _flow_stays(self, scope, p0, p1):
        """The stays of the instances completed in the period, as the columns ``_flow`` reads.

        Read from the state-interval table (index-only scan by instance); the last
        stay of each instance ends with it.
        """
        return SQL(
            """
            SELECT t.instance_id, i.live_workflow_id AS workflow_id,
                   COALESCE(s.code, s.name->>'en_US') AS key,
                   COALESCE(t.state_name, s.name->>'en_US') AS state_name, t.sequence,
                   t.visit > 1 AS is_rework, COALESCE(s.is_final, FALSE) AS is_final,
                   COALESCE(t.hours, %(last)s) AS duration_hours,
                   %(cycle)s AS cycle_hours
              FROM %(scope)s i
              JOIN %(table)s t ON t.instance_id = i.id
              LEFT JOIN workflow_state s ON s.id = t.state_id
             WHERE i.status = 'completed' AND i.completed_at >= %(p0)s AND i.completed_at < %(p1)s
            """,
            scope=scope["relation"],
            table=SQL.identifier(interval_table.TABLE),
            p0=p0,
            p1=p1,
            last=_hours(SQL("i.completed_at - t.entered_at")),
            cycle=_hours(SQL("i.completed_at - i.started_at")),
        )

    @api.model
    def _flow(self, scope, p0, p1):
        """On the instances completed in the period: time per state, bottleneck, variants, rework, histogram."""
        self.env.cr.execute(
            SQL(
                """
                WITH iv AS MATERIALIZED (%(stays)s),
                total AS (SELECT sum(c) AS hours, count(*) AS n
                            FROM (SELECT max(cycle_hours) AS c FROM iv GROUP BY instance_id) t),
                states AS (
                    SELECT workflow_id, key, max(state_name) AS name, count(*) AS visits,
                           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY duration_hours) AS pct,
                           sum(duration_hours) AS hours, min(sequence) AS first_step
                      FROM iv WHERE NOT is_final GROUP BY workflow_id, key
                ),
                paths AS (
                    SELECT instance_id, string_agg(state_name, ' → ' ORDER BY sequence) AS path,
                           max(cycle_hours) AS cycle_hours, bool_or(is_rework) AS rework
                      FROM iv GROUP BY instance_id
                ),
                variants AS (
                    SELECT path, count(*) AS n,
                           percentile_cont(0.5) WITHIN GROUP (ORDER BY cycle_hours) AS median
                      FROM paths GROUP BY path ORDER BY n DESC, path LIMIT 10
                ),
                hist AS (
                    SELECT width_bucket(cycle_hours, %(edges)s::double precision[]) AS b, count(*) AS n
                      FROM paths GROUP BY 1
                )
                SELECT 'state', s.workflow_id || ':' || s.key, s.name, s.visits, s.pct[1], s.pct[2], s.hours,
                       s.hours / NULLIF(t.hours, 0), s.first_step
                  FROM states s, total t
                UNION ALL
                SELECT 'variant', v.path, NULL, v.n, v.median, NULL, NULL, v.n::float / NULLIF(t.n, 0), NULL
                  FROM variants v, total t
                UNION ALL
                SELECT 'rework', NULL, NULL, count(*) FILTER (WHERE p.rework), NULL, NULL, NULL,
                       count(*) FILTER (WHERE p.rework)::float / NULLIF(count(*), 0), NULL
                  FROM paths p
                UNION ALL
                SELECT 'hist', NULL, NULL, h.n, NULL, NULL, NULL, NULL, h.b FROM hist h
                """,
                stays=self._flow_stays(scope, p0, p1),
                edges=HISTOGRAM_EDGES,
            )
        )
        states, variants, rework, hist = [], [], {}, [0] * (len(HISTOGRAM_EDGES) + 1)
        for kind, key, name, count, p50, p90, hours, share, extra in self.env.cr.fetchall():
            if kind == "state":
                states.append(
                    {
                        "key": key,
                        "name": name,
                        "visits": count,
                        "p50": _r(p50),
                        "p90": _r(p90),
                        "hours": _r(hours),
                        "share": _r(share, 4),
                        "step": extra,
                    }
                )
            elif kind == "variant":
                variants.append(
                    {"key": key, "path": key, "count": count, "share": _r(share, 4), "median_hours": _r(p50)}
                )
            elif kind == "rework":
                rework = {"count": count, "rate": _r(share, 4)}
            else:
                hist[extra] = count
        for state in states:
            state["key"] = self._state_key(scope, state["key"])
        states.sort(key=lambda s: (s["step"], s["key"]))
        with_share = [s for s in states if s["share"]]
        bottleneck = max(with_share, key=lambda s: s["share"]) if with_share else None
        labels = self._histogram_labels()
        return {
            "states": states,
            "bottleneck": dict(bottleneck) if bottleneck else None,
            "variants": variants,
            "rework": rework,
            "cycle_histogram": [{"label": labels[i], "count": n} for i, n in enumerate(hist)],
        }

    @api.model
    def _histogram_labels(self):
        return [
            _("< 1 h"),
            _("1-4 h"),
            _("4-8 h"),
            _("8-24 h"),
            _("1-3 days"),
            _("3-7 days"),
            _("> 7 days"),
        ]

    @api.model
    def _approvals(self, scope, p0, p1):
        """Decisions taken in the period: response time per approver and per step, rates,
        delegations and escalations."""
        response = _hours(SQL("a.decision_at - COALESCE(a.notified_at, r.requested_at)"))
        self.env.cr.execute(
            SQL(
                """
                WITH d AS (
                    SELECT a.approver_id, COALESCE(s.code, s.name->>'en_US') AS step_key,
                           COALESCE(s.name->>%(lang)s, s.name->>'en_US') AS step_name,
                           a.status, %(response)s AS hours
                      FROM approval_assignment a
                      JOIN approval_request r ON r.id = a.request_id
                      JOIN %(rel)s i ON i.id = r.instance_id
                      LEFT JOIN workflow_state s ON s.id = r.state_id
                     WHERE a.status IN ('approved', 'rejected')
                       AND a.decision_at >= %(p0)s AND a.decision_at < %(p1)s
                )
                SELECT 'approver', g.approver_id::text, p.name, g.n, g.pct, g.approved, g.rejected
                  FROM (SELECT d.approver_id, count(*) AS n,
                               percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY d.hours) AS pct,
                               count(*) FILTER (WHERE d.status = 'approved') AS approved,
                               count(*) FILTER (WHERE d.status = 'rejected') AS rejected
                          FROM d GROUP BY d.approver_id) g
                  JOIN res_users u ON u.id = g.approver_id JOIN res_partner p ON p.id = u.partner_id
                UNION ALL
                SELECT 'step', d.step_key, max(d.step_name), count(*),
                       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY d.hours),
                       count(*) FILTER (WHERE d.status = 'approved'), count(*) FILTER (WHERE d.status = 'rejected')
                  FROM d GROUP BY d.step_key
                UNION ALL
                SELECT 'delegations', NULL, NULL, count(*), NULL, NULL, NULL
                  FROM approval_assignment a JOIN approval_request r ON r.id = a.request_id
                 WHERE r.instance_id IN %(scope)s AND a.delegated_at >= %(p0)s AND a.delegated_at < %(p1)s
                UNION ALL
                SELECT 'escalations', NULL, NULL, count(*), NULL, NULL, NULL
                  FROM workflow_history h
                 WHERE h.instance_id IN %(scope)s AND h.action_type = 'escalation'
                   AND h.performed_at >= %(p0)s AND h.performed_at < %(p1)s
                """,
                response=response,
                scope=scope["instances"],
                rel=scope["relation"],
                p0=p0,
                p1=p1,
                lang=self.env.lang or "en_US",
            )
        )
        approvers, steps, counts = [], [], {}
        for kind, key, name, count, pct, approved, rejected in self.env.cr.fetchall():
            if kind in ("delegations", "escalations"):
                counts[kind] = count
                continue
            line = {
                "key": key,
                "name": name,
                "count": count,
                "p50": _r(pct[0]),
                "p90": _r(pct[1]),
                "approved": approved,
                "rejected": rejected,
                "approval_rate": _r(approved / count, 4) if count else None,
            }
            (approvers if kind == "approver" else steps).append(line)
        approvers.sort(key=lambda a: (-(a["p50"] or 0), a["name"]))
        steps.sort(key=lambda s: (-(s["p50"] or 0), s["name"] or ""))
        approved = sum(a["approved"] for a in approvers)
        rejected = sum(a["rejected"] for a in approvers)
        decided = approved + rejected
        return {
            "approvers": approvers,
            "steps": steps,
            "decisions": decided,
            "approval_rate": _r(approved / decided, 4) if decided else None,
            "rejection_rate": _r(rejected / decided, 4) if decided else None,
            "delegations": counts.get("delegations", 0),
            "escalations": counts.get("escalations", 0),
        }

    @api.model
    def _queues(self, scope):
        """Running instances per state now."""
        self.env.cr.execute(
            SQL(
                """SELECT i.live_workflow_id || ':' || COALESCE(s.code, s.name->>'en_US'), count(*)
                     FROM %s i JOIN workflow_state s ON s.id = i.current_state_id
                    WHERE i.status = 'active'
                    GROUP BY 1""",
                scope["relation"],
            )
        )
        return {self._state_key(scope, key): n for key, n in self.env.cr.fetchall()}

    @api.model
    def _state_key(self, scope, key):
        """States are told apart by their code; across several workflows by workflow and code."""
        return key.split(":", 1)[1] if len(scope["definitions"]) == 1 else key

    @api.model
    def _state_domain(self, scope, key, prefix=""):
        wf, code = key.split(":", 1) if ":" in (key or "") else (None, key or "")
        domain = [(f"{prefix}code" if prefix else "state_code", "=", code)]
        if wf and wf.isdigit():
            field = "live_workflow_id" if prefix else "workflow_id"
            domain.append((field, "=", int(wf)))
        return domain

    # ------------------------------------------------------------------
    # drill-down: the records behind a figure
    # ------------------------------------------------------------------
    @api.model
    def action_open(self, filters, figure, key=None):
        """Window action listing the instances or intervals behind ``figure``."""
        flt = self._parse_filters(filters)
        scope = self._scope(flt)
        p0, p1 = fields.Datetime.to_string(flt["p0"]), fields.Datetime.to_string(flt["p1"])
        end = fields.Datetime.to_string(min(flt["p1"], fields.Datetime.now()))
        base = [
            ("live_workflow_id", "in", scope["definitions"].ids),
            ("company_id", "in", scope["company_ids"]),
        ]
        base += self._extra_instance_domain(flt)
        done = [("status", "=", "completed"), ("completed_at", ">=", p0), ("completed_at", "<", p1)]
        running = [("started_at", "<", end), "|", ("status", "=", "active"), ("completed_at", ">=", end)]
        instance_domains = {
            "started": [("started_at", ">=", p0), ("started_at", "<", p1)],
            "completed": done,
            "cycle": done,
            "cancelled": [
                ("status", "=", "cancelled"),
                ("completed_at", ">=", p0),
                ("completed_at", "<", p1),
            ],
            "running": running,
            "queue": [("status", "=", "active")] + self._state_domain(scope, key, "current_state_id."),
        }
        if figure in instance_domains:
            return {
                "type": "ir.actions.act_window",
                "name": _("Workflow Instances"),
                "res_model": "workflow.instance",
                "views": [(False, "list"), (False, "form")],
                "domain": base + instance_domains[figure],
                "target": "current",
            }
        interval_base = [
            ("workflow_id", "in", scope["definitions"].ids),
            ("company_id", "in", scope["company_ids"]),
            ("outcome", "=", "completed"),
            ("instance_completed_at", ">=", p0),
            ("instance_completed_at", "<", p1),
        ]
        if figure in ("state", "bottleneck", "rework", "intervals"):
            domain = list(interval_base)
            if figure in ("state", "bottleneck") and key:
                domain += self._state_domain(scope, key)
            if figure == "rework":
                domain.append(("is_rework", "=", True))
            return {
                "type": "ir.actions.act_window",
                "name": _("Time in States"),
                "res_model": "workflow.analytics.interval",
                "views": [(False, "list"), (False, "pivot"), (False, "graph")],
                "domain": domain,
                "target": "current",
            }
        if figure in ("approver", "step"):
            domain = [
                ("instance_id.live_workflow_id", "in", scope["definitions"].ids),
                ("instance_id.company_id", "in", scope["company_ids"]),
                ("assignment_ids.decision_at", ">=", p0),
                ("assignment_ids.decision_at", "<", p1),
            ]
            if key and figure == "approver":
                domain.append(("assignment_ids.approver_id", "=", int(key)))
            elif key:
                domain.append(("state_id.code", "=", key))
            return {
                "type": "ir.actions.act_window",
                "name": _("Approval Requests"),
                "res_model": "approval.request",
                "views": [(False, "list"), (False, "form")],
                "domain": domain,
                "target": "current",
            }
        raise UserError(_("There is no list behind the figure %s.", figure))

    # ------------------------------------------------------------------
    # process-mining event log
    # ------------------------------------------------------------------
    @api.model
    def _event_log_query(self, filters):
        """The event log query of the workflows the caller may read (access resolved now)."""
        flt = self._parse_filters(filters) if (filters or {}).get("date_from") else None
        scope = self._scope(
            flt or self._parse_filters({"workflow_ids": (filters or {}).get("workflow_ids") or []})
        )
        lang = self.env.lang or "en_US"
        period = SQL("i.started_at >= %s AND i.started_at < %s", flt["p0"], flt["p1"]) if flt else SQL("TRUE")
        return SQL(
            """
            SELECT h.instance_id,
                   COALESCE(wd.name->>%(lang)s, wd.name->>'en_US'),
                   i.record_name,
                   CASE WHEN %(interval_row)s THEN h.to_state_name
                        ELSE initcap(h.action_type) || COALESCE(' (' || h.to_state_name || ')', '') END,
                   h.performed_at,
                   p.name,
                   h.action_type,
                   COALESCE(tr.name->>%(lang)s, tr.name->>'en_US'),
                   i.status
              FROM workflow_history h
              JOIN workflow_instance i ON i.id = h.instance_id
              LEFT JOIN workflow_definition wd ON wd.id = i.live_workflow_id
              LEFT JOIN workflow_transition tr ON tr.id = h.transition_id
              LEFT JOIN res_users u ON u.id = h.performed_by
              LEFT JOIN res_partner p ON p.id = u.partner_id
             WHERE h.instance_id IN %(scope)s AND %(period)s
             ORDER BY h.instance_id, h.performed_at, h.id
            """,
            lang=lang,
            interval_row=INTERVAL_ROW,
            scope=scope["instances"],
            period=period,
        )

    @staticmethod
    def _event_log_rows(dbname, query, batch=2000):
        """Yield the rows of ``query`` in batches from a server-side cursor of its own.

        Runs after the HTTP request's cursor is gone (the response streams), so it
        opens its own read-only transaction.
        """
        with odoo.registry(dbname).cursor() as cr:
            cr.flush()
            cnx_cursor = cr._cnx.cursor(name="workflow_event_log", withhold=False)
            try:
                cnx_cursor.itersize = batch
                cnx_cursor.execute(query.code, query.params)
                while True:
                    rows = cnx_cursor.fetchmany(batch)
                    if not rows:
                        break
                    yield rows
            finally:
                cnx_cursor.close()

    # ------------------------------------------------------------------
    # demo data
    # ------------------------------------------------------------------
    @api.model
    def _demo_history(self):
        """Demo only: a past of finished and running instances with realistic timings."""
        from .demo_history import build_demo_history  # pylint: disable=import-outside-toplevel

        build_demo_history(self.env)
