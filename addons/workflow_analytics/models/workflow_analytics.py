from contextlib import contextmanager
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
FIGURES = ("volume", "throughput", "flow", "approvals", "queues")
# work_mem of the dashboard's statement: its sorts and hashes of a year of stays fit in memory
ANALYTIC_WORK_MEM = "64MB"


def _hours(expr):
    return SQL("(EXTRACT(EPOCH FROM %s) / 3600.0)", expr)


def _r(value, digits=2):
    return round(value, digits) if isinstance(value, float) else value


def _rf(value, digits=2):
    """A float figure read from JSON (where 12.0 reads as 12), rounded."""
    return None if value is None else round(float(value), digits)


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
        figures = self._dashboard_figures(scope, flt, fields.Datetime.now())
        current, previous, queues = figures["current"], figures["previous"], figures["queues"]
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
    # figures: one statement for both periods
    # ------------------------------------------------------------------
    @api.model
    def _dashboard_figures(self, scope, flt, now, figures=FIGURES):
        """The figures of the period (``current``) and of the previous one (``previous``),
        and the queues now, in one round trip.

        One statement computes them all: the readable instances either period needs are
        read once (CTE ``inst``), the stays of those completed once (``iv``); each figure
        groups its rows by period ``k`` (0 the period, 1 the previous one) and comes back
        as one JSON column.  ``figures`` names the figures to compute (the benchmark times
        them one by one); the others come back empty (PostgreSQL does not evaluate a CTE
        that no column reads).
        """
        p0, p1 = flt["p0"], flt["p1"]
        ctx = {
            "scope": scope,
            "flt": flt,
            "now": now,
            "unit": "day" if (p1 - p0).days <= 62 else "week",
            "lang": self.env.lang or "en_US",
        }
        with self._analytic_statement():
            self.env.cr.execute(self._dashboard_query(ctx, figures))
            row = self.env.cr.dictfetchone()
        out = {"current": {}, "previous": {}, "queues": {}}
        for name in FIGURES:
            parsed = getattr(self, f"_parse_{name}")(ctx, row[name] or [])
            if name == "queues":
                out["queues"] = parsed
            else:
                out["current"].update(parsed[0])
                out["previous"].update(parsed[1])
        return out

    @contextmanager
    def _analytic_statement(self):
        """For one large read-only analytic statement: no JIT compilation (it cost 100-250 ms
        a statement at the benchmark's size, more than it saved) and the memory to sort and
        hash the stays without spilling to disk.  Set for the transaction only
        (``set_config(..., true)``) and restored after the statement; if it fails, the
        rollback of the transaction (or savepoint) undoes them."""
        cr = self.env.cr
        cr.execute("SELECT current_setting('jit'), current_setting('work_mem')")
        jit, work_mem = cr.fetchone()
        cr.execute(
            "SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)", [ANALYTIC_WORK_MEM]
        )
        yield
        cr.execute("SELECT set_config('jit', %s, true), set_config('work_mem', %s, true)", [jit, work_mem])

    @api.model
    def _dashboard_query(self, ctx, figures=FIGURES):
        """The statement of ``_dashboard_figures``: shared CTEs, then one column per figure."""
        flt, now = ctx["flt"], ctx["now"]
        p0, p1, prev0 = flt["p0"], flt["p1"], flt["prev0"]
        columns = SQL(", ").join(
            SQL(
                "%s AS %s",
                getattr(self, f"_sql_{name}")(ctx) if name in figures else SQL("NULL::json"),
                SQL.identifier(name),
            )
            for name in FIGURES
        )
        return SQL(
            """
            WITH per AS (
                SELECT * FROM (VALUES (0, %(p0)s::timestamp, %(p1)s::timestamp, %(end0)s::timestamp),
                                      (1, %(prev0)s::timestamp, %(p0)s::timestamp, %(end1)s::timestamp))
                       AS per (k, p0, p1, pend)
            ),
            -- the approval decisions taken in either period (on any instance)
            votes AS MATERIALIZED (
                SELECT p.k, a.approver_id, r.instance_id, r.state_id, a.status, %(response)s AS hours
                  FROM approval_assignment a
                  JOIN per p ON a.decision_at >= p.p0 AND a.decision_at < p.p1
                  JOIN approval_request r ON r.id = a.request_id
                 WHERE a.status IN ('approved', 'rejected')
                   AND a.decision_at >= %(prev0)s AND a.decision_at < %(p1)s
            ),
            -- the readable instances that either period, the queues or a decision needs, read once
            inst AS MATERIALIZED (
                SELECT i.id, i.live_workflow_id, i.current_state_id, i.status, i.started_at, i.completed_at,
                       LEAST(i.due_at, i.state_due_at) AS due_at
                  FROM %(scope)s i
                 WHERE (i.started_at < %(p1)s AND (i.completed_at IS NULL OR i.completed_at >= %(prev0)s))
                    OR i.status = 'active'
                    OR i.id IN (SELECT v.instance_id FROM votes v)
            ),
            -- the instances completed in either period, with their period
            done AS MATERIALIZED (
                SELECT p.k, i.id, i.live_workflow_id, i.started_at, i.completed_at, %(cycle)s AS cycle_hours
                  FROM inst i JOIN per p ON i.completed_at >= p.p0 AND i.completed_at < p.p1
                 WHERE i.status = 'completed'
            ),
            -- their stays
            iv AS MATERIALIZED (%(stays)s),
            -- their paths (an instance without stays has none)
            paths AS MATERIALIZED (
                SELECT k, instance_id, string_agg(state_name, ' → ' ORDER BY sequence) AS path,
                       max(cycle_hours) AS cycle_hours, bool_or(is_rework) AS rework
                  FROM iv GROUP BY k, instance_id
            ),
            -- those on readable instances
            decisions AS MATERIALIZED (
                SELECT v.k, v.approver_id, COALESCE(s.code, s.name->>'en_US') AS step_key,
                       COALESCE(s.name->>%(lang)s, s.name->>'en_US') AS step_name, v.status, v.hours
                  FROM votes v
                  JOIN inst i ON i.id = v.instance_id
                  LEFT JOIN workflow_state s ON s.id = v.state_id
            )
            SELECT %(columns)s
            """,
            p0=p0,
            p1=p1,
            prev0=prev0,
            end0=min(p1, now),
            end1=min(p0, now),
            scope=ctx["scope"]["relation"],
            cycle=_hours(SQL("i.completed_at - i.started_at")),
            stays=self._flow_stays(SQL("done")),
            response=_hours(SQL("a.decision_at - COALESCE(a.notified_at, r.requested_at)")),
            lang=ctx["lang"],
            columns=columns,
        )

    @api.model
    def _flow_stays(self, done):
        """The stays of the instances of ``done`` (columns ``k, id, live_workflow_id,
        started_at, completed_at, cycle_hours``) as the columns the flow figures read.

        Read from the state-interval table (by instance); the last stay of each instance
        ends with it.
        """
        return SQL(
            """
            SELECT d.k, t.instance_id, d.live_workflow_id AS workflow_id,
                   COALESCE(s.code, s.name->>'en_US') AS key,
                   COALESCE(t.state_name, s.name->>'en_US') AS state_name, t.sequence,
                   t.visit > 1 AS is_rework, COALESCE(s.is_final, FALSE) AS is_final,
                   COALESCE(t.hours, %(last)s) AS duration_hours, d.cycle_hours
              FROM %(done)s d
              JOIN %(table)s t ON t.instance_id = d.id
              LEFT JOIN workflow_state s ON s.id = t.state_id
            """,
            done=done,
            table=SQL.identifier(interval_table.TABLE),
            last=_hours(SQL("d.completed_at - t.entered_at")),
        )

    # Each figure: ``_sql_<name>(ctx)``, a JSON expression over the CTEs above, and
    # ``_parse_<name>(ctx, rows)``, its rows as the dashboard shows them, per period.

    @api.model
    def _sql_volume(self, ctx):
        """Started, completed, cancelled; running and overdue at the end of the period; cycle time."""
        base = SQL("i.started_at < p.p1 AND (i.completed_at IS NULL OR i.completed_at >= p.p0)")
        in_period = SQL("i.completed_at >= p.p0 AND i.completed_at < p.p1")
        running = SQL("i.started_at < p.pend AND (i.status = 'active' OR i.completed_at >= p.pend)")
        cycle = _hours(SQL("i.completed_at - i.started_at"))
        return SQL(
            """(SELECT json_agg(json_build_array(v.k, v.started, v.completed, v.cancelled, v.running, v.overdue,
                                                 v.pct, v.avg))
                  FROM (SELECT p.k,
                               count(*) FILTER (WHERE i.started_at >= p.p0) AS started,
                               count(*) FILTER (WHERE i.status = 'completed' AND %(in_period)s) AS completed,
                               count(*) FILTER (WHERE i.status = 'cancelled' AND %(in_period)s) AS cancelled,
                               count(*) FILTER (WHERE %(running)s) AS running,
                               count(*) FILTER (WHERE %(running)s AND i.due_at < p.pend) AS overdue,
                               percentile_cont(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY %(cycle)s)
                                   FILTER (WHERE i.status = 'completed' AND %(in_period)s) AS pct,
                               avg(%(cycle)s) FILTER (WHERE i.status = 'completed' AND %(in_period)s) AS avg
                          FROM per p JOIN inst i ON %(base)s
                         GROUP BY p.k) v)""",
            base=base,
            in_period=in_period,
            running=running,
            cycle=cycle,
        )

    @api.model
    def _parse_volume(self, ctx, rows):
        out = {
            k: {
                "started": 0,
                "completed": 0,
                "cancelled": 0,
                "running": 0,
                "overdue": 0,
                "cycle": {"p50": None, "p90": None, "p95": None, "avg": None},
            }
            for k in (0, 1)
        }
        for k, started, completed, cancelled, running, overdue, pct, avg in rows:
            pct = pct or [None, None, None]
            out[k] = {
                "started": started,
                "completed": completed,
                "cancelled": cancelled,
                "running": running,
                "overdue": overdue,
                "cycle": {"p50": _rf(pct[0]), "p90": _rf(pct[1]), "p95": _rf(pct[2]), "avg": _rf(avg)},
            }
        return out

    @api.model
    def _sql_throughput(self, ctx):
        """Instances completed per day (per week beyond 62 days), in the user's time zone."""
        return SQL(
            """(SELECT json_agg(json_build_array(p.k, to_char(b.bucket, 'YYYY-MM-DD'), COALESCE(c.n, 0))
                                ORDER BY p.k, b.bucket)
                  FROM per p
                 CROSS JOIN LATERAL generate_series(
                           date_trunc(%(unit)s, (p.p0 AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s),
                           ((p.p1 AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s) - interval '1 second',
                           ('1 ' || %(unit)s)::interval) AS b(bucket)
                  LEFT JOIN (SELECT d.k,
                                    date_trunc(%(unit)s, (d.completed_at AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s)
                                        AS bucket,
                                    count(*) AS n
                               FROM done d GROUP BY 1, 2) c ON c.k = p.k AND c.bucket = b.bucket)""",
            unit=ctx["unit"],
            tz=ctx["flt"]["tz"],
        )

    @api.model
    def _parse_throughput(self, ctx, rows):
        points = {0: [], 1: []}
        for k, bucket, count in rows:
            points[k].append({"bucket": bucket, "count": count})
        return {k: {"throughput": {"unit": ctx["unit"], "points": points[k]}} for k in (0, 1)}

    @api.model
    def _sql_flow(self, ctx):
        """On the instances completed in the period: time per state, variants, rework, histogram."""
        return SQL(
            """(SELECT json_agg(x) FROM (
                   SELECT json_build_array('state', s.k, s.workflow_id || ':' || s.key, s.name, s.visits, s.pct,
                                           s.hours, s.hours / NULLIF(t.hours, 0), s.first_step) AS x
                     FROM (SELECT k, workflow_id, key, max(state_name) AS name, count(*) AS visits,
                                  percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY duration_hours) AS pct,
                                  sum(duration_hours) AS hours, min(sequence) AS first_step
                             FROM iv WHERE NOT is_final GROUP BY k, workflow_id, key) s
                     JOIN (SELECT k, sum(cycle_hours) AS hours FROM paths GROUP BY k) t ON t.k = s.k
                   UNION ALL
                   SELECT json_build_array('variant', v.k, v.path, v.n, v.median, v.n::float / v.total, v.rank)
                     FROM (SELECT k, path, n, median, sum(n) OVER (PARTITION BY k) AS total,
                                  row_number() OVER (PARTITION BY k ORDER BY n DESC, path) AS rank
                             FROM (SELECT k, path, count(*) AS n,
                                          percentile_cont(0.5) WITHIN GROUP (ORDER BY cycle_hours) AS median
                                     FROM paths GROUP BY k, path) g) v
                    WHERE v.rank <= 10
                   UNION ALL
                   SELECT json_build_array('rework', k, count(*) FILTER (WHERE rework),
                                           count(*) FILTER (WHERE rework)::float / count(*))
                     FROM paths GROUP BY k
                   UNION ALL
                   SELECT json_build_array('hist', k, width_bucket(cycle_hours, %(edges)s::double precision[]),
                                           count(*))
                     FROM paths GROUP BY k, width_bucket(cycle_hours, %(edges)s::double precision[])
               ) f)""",
            edges=HISTOGRAM_EDGES,
        )

    @api.model
    def _parse_flow(self, ctx, rows):
        scope = ctx["scope"]
        periods = {
            k: {
                "states": [],
                "rework": {"count": 0, "rate": None},
                "hist": [0] * (len(HISTOGRAM_EDGES) + 1),
            }
            for k in (0, 1)
        }
        variants = {0: [], 1: []}
        for row in rows:
            kind, k = row[0], row[1]
            period = periods[k]
            if kind == "state":
                key, name, visits, pct, hours, share, step = row[2:]
                pct = pct or [None, None]
                period["states"].append(
                    {
                        "key": self._state_key(scope, key),
                        "name": name,
                        "visits": visits,
                        "p50": _rf(pct[0]),
                        "p90": _rf(pct[1]),
                        "hours": _rf(hours),
                        "share": _rf(share, 4),
                        "step": step,
                    }
                )
            elif kind == "variant":
                path, count, median, share, rank = row[2:]
                variants[k].append((rank, path, count, median, share))
            elif kind == "rework":
                period["rework"] = {"count": row[2], "rate": _rf(row[3], 4)}
            else:
                period["hist"][row[2]] = row[3]
        labels = self._histogram_labels()
        out = {}
        for k, period in periods.items():
            states = sorted(period["states"], key=lambda s: (s["step"], s["key"]))
            with_share = [s for s in states if s["share"]]
            bottleneck = max(with_share, key=lambda s: s["share"]) if with_share else None
            out[k] = {
                "states": states,
                "bottleneck": dict(bottleneck) if bottleneck else None,
                # most frequent first, then by path as the database orders text
                "variants": [
                    {
                        "key": path,
                        "path": path,
                        "count": count,
                        "share": _rf(share, 4),
                        "median_hours": _rf(median),
                    }
                    for _rank, path, count, median, share in sorted(variants[k])
                ],
                "rework": period["rework"],
                "cycle_histogram": [{"label": labels[i], "count": n} for i, n in enumerate(period["hist"])],
            }
        return out

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
    def _sql_approvals(self, ctx):
        """Decisions taken in the period: response time per approver and per step, rates,
        delegations and escalations."""
        flt = ctx["flt"]
        return SQL(
            """(SELECT json_agg(x) FROM (
                   SELECT json_build_array('approver', g.k, g.approver_id::text, pa.name, g.n, g.pct, g.approved,
                                           g.rejected) AS x
                     FROM (SELECT k, approver_id, count(*) AS n,
                                  percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY hours) AS pct,
                                  count(*) FILTER (WHERE status = 'approved') AS approved,
                                  count(*) FILTER (WHERE status = 'rejected') AS rejected
                             FROM decisions GROUP BY k, approver_id) g
                     JOIN res_users u ON u.id = g.approver_id JOIN res_partner pa ON pa.id = u.partner_id
                   UNION ALL
                   SELECT json_build_array('step', k, step_key, max(step_name), count(*),
                                           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY hours),
                                           count(*) FILTER (WHERE status = 'approved'),
                                           count(*) FILTER (WHERE status = 'rejected'))
                     FROM decisions GROUP BY k, step_key
                   UNION ALL
                   SELECT json_build_array('delegations', p.k, count(*))
                     FROM approval_assignment a
                     JOIN per p ON a.delegated_at >= p.p0 AND a.delegated_at < p.p1
                     JOIN approval_request r ON r.id = a.request_id
                    WHERE r.instance_id IN %(instances)s
                      AND a.delegated_at >= %(prev0)s AND a.delegated_at < %(p1)s
                    GROUP BY p.k
                   UNION ALL
                   SELECT json_build_array('escalations', p.k, count(*))
                     FROM workflow_history h
                     JOIN per p ON h.performed_at >= p.p0 AND h.performed_at < p.p1
                    WHERE h.instance_id IN %(instances)s AND h.action_type = 'escalation'
                      AND h.performed_at >= %(prev0)s AND h.performed_at < %(p1)s
                    GROUP BY p.k
               ) f)""",
            instances=ctx["scope"]["instances"],
            prev0=flt["prev0"],
            p1=flt["p1"],
        )

    @api.model
    def _parse_approvals(self, ctx, rows):
        lines = {k: {"approver": [], "step": []} for k in (0, 1)}
        counts = {k: {} for k in (0, 1)}
        for row in rows:
            kind, k = row[0], row[1]
            if kind in ("delegations", "escalations"):
                counts[k][kind] = row[2]
                continue
            key, name, count, pct, approved, rejected = row[2:]
            pct = pct or [None, None]
            lines[k][kind].append(
                {
                    "key": key,
                    "name": name,
                    "count": count,
                    "p50": _rf(pct[0]),
                    "p90": _rf(pct[1]),
                    "approved": approved,
                    "rejected": rejected,
                    "approval_rate": _r(approved / count, 4) if count else None,
                }
            )
        out = {}
        for k in (0, 1):
            approvers = sorted(lines[k]["approver"], key=lambda a: (-(a["p50"] or 0), a["name"]))
            steps = sorted(lines[k]["step"], key=lambda s: (-(s["p50"] or 0), s["name"] or ""))
            approved = sum(a["approved"] for a in approvers)
            rejected = sum(a["rejected"] for a in approvers)
            decided = approved + rejected
            out[k] = {
                "approvals": {
                    "approvers": approvers,
                    "steps": steps,
                    "decisions": decided,
                    "approval_rate": _r(approved / decided, 4) if decided else None,
                    "rejection_rate": _r(rejected / decided, 4) if decided else None,
                    "delegations": counts[k].get("delegations", 0),
                    "escalations": counts[k].get("escalations", 0),
                }
            }
        return out

    @api.model
    def _sql_queues(self, ctx):
        """Running instances per state now."""
        return SQL(
            """(SELECT json_agg(json_build_array(q.key, q.n))
                  FROM (SELECT i.live_workflow_id || ':' || COALESCE(s.code, s.name->>'en_US') AS key, count(*) AS n
                          FROM inst i JOIN workflow_state s ON s.id = i.current_state_id
                         WHERE i.status = 'active'
                         GROUP BY 1) q)"""
        )

    @api.model
    def _parse_queues(self, ctx, rows):
        return {self._state_key(ctx["scope"], key): n for key, n in rows}

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
