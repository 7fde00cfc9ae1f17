from odoo import api, fields, models, tools
from odoo.osv import expression
from odoo.tools import SQL

from . import interval_table

# Business hours between two UTC timestamps on a resource.calendar, in SQL: the
# calendar's attendances (lunch and section lines excluded, two-week calendars and
# dated attendances honoured), day by day in the calendar's time zone, as UTC ranges
# intersected with the interval, less the public holidays: the leaves of no
# resource (``time_type`` leave) on this calendar, or on no calendar in the
# calendar's company - what ``resource.calendar._work_intervals_batch`` subtracts.
BUSINESS_HOURS_FUNCTION = """
CREATE OR REPLACE FUNCTION workflow_analytics_business_hours(cal integer, t0 timestamp, t1 timestamp)
RETURNS double precision LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH c AS (
        SELECT rc.id, rc.company_id, rc.two_weeks_calendar, COALESCE(NULLIF(rc.tz, ''), 'UTC') AS tz,
               (t0 AT TIME ZONE 'UTC') AT TIME ZONE COALESCE(NULLIF(rc.tz, ''), 'UTC') AS l0,
               (t1 AT TIME ZONE 'UTC') AT TIME ZONE COALESCE(NULLIF(rc.tz, ''), 'UTC') AS l1
          FROM resource_calendar rc
         WHERE rc.id = cal AND t1 > t0
    ),
    pieces AS (
        SELECT GREATEST(t0, ((d + make_interval(secs => a.hour_from * 3600)) AT TIME ZONE c.tz) AT TIME ZONE 'UTC') AS p0,
               LEAST(t1, ((d + make_interval(secs => a.hour_to * 3600)) AT TIME ZONE c.tz) AT TIME ZONE 'UTC') AS p1
          FROM c
         CROSS JOIN LATERAL generate_series(date_trunc('day', c.l0), date_trunc('day', c.l1), interval '1 day') AS d
          JOIN resource_calendar_attendance a
            ON a.calendar_id = c.id
           AND a.resource_id IS NULL
           AND a.display_type IS NULL
           AND COALESCE(a.day_period, '') <> 'lunch'
           AND a.dayofweek::integer = EXTRACT(ISODOW FROM d)::integer - 1
           AND (a.date_from IS NULL OR a.date_from <= d::date)
           AND (a.date_to IS NULL OR a.date_to >= d::date)
           AND (NOT COALESCE(c.two_weeks_calendar, FALSE)
                OR a.week_type = (FLOOR((d::date - DATE '0001-01-01') / 7.0)::integer % 2)::text)
    ),
    work AS (SELECT range_agg(tsrange(p0, p1)) AS r FROM pieces WHERE p1 > p0),
    holidays AS (
        SELECT range_agg(tsrange(l.date_from, l.date_to)) AS r
          FROM c
          JOIN resource_calendar_leaves l
            ON l.resource_id IS NULL
           AND COALESCE(l.time_type, 'leave') = 'leave'
           AND (l.calendar_id = c.id
                OR (l.calendar_id IS NULL AND (c.company_id IS NULL OR l.company_id IS NULL
                                               OR l.company_id = c.company_id)))
           AND l.date_from < t1 AND l.date_to > t0 AND l.date_to > l.date_from
    )
    SELECT COALESCE(SUM(EXTRACT(EPOCH FROM upper(p) - lower(p))), 0)::double precision / 3600.0
      FROM work, holidays,
           unnest(CASE WHEN holidays.r IS NULL THEN work.r ELSE work.r - holidays.r END) AS p
$$;
"""


def intervals_query(instance_filter=None):
    """SELECT of the state intervals, one row per state an instance entered.

    The stays come from the state-interval table (``interval_table``); the
    instance gives the workflow, the company, the outcome and the end of the last
    stay of a finished instance; the company's calendar the business hours.
    ``instance_filter`` (an ``SQL`` condition on ``t.instance_id``) restricts the
    stays read (index on instance_id).
    """
    return SQL(
        """
        SELECT t.id AS id,
               t.instance_id AS instance_id,
               wi.live_workflow_id AS workflow_id,
               wi.workflow_id AS version_id,
               wi.company_id AS company_id,
               t.state_id AS state_id,
               s.code AS state_code,
               COALESCE(t.state_name, s.name->>'en_US') AS state_name,
               t.sequence AS sequence,
               t.visit AS visit,
               t.visit > 1 AS is_rework,
               t.entered_by AS entered_by,
               t.entered_at AS entered_at,
               e.left_at AS left_at,
               e.left_at IS NULL AS is_current,
               t.moved_by AS moved_by,
               t.transition_id AS transition_id,
               COALESCE(t.hours, EXTRACT(EPOCH FROM COALESCE(e.left_at, now() AT TIME ZONE 'UTC') - t.entered_at)
                                 / 3600.0) AS duration_hours,
               workflow_analytics_business_hours(
                   rc.resource_calendar_id, t.entered_at, COALESCE(e.left_at, now() AT TIME ZONE 'UTC')
               ) AS business_hours,
               wi.status AS outcome,
               COALESCE(s.is_final, FALSE) AS is_final,
               wi.started_at AS instance_started_at,
               wi.completed_at AS instance_completed_at
          FROM %(table)s t
          JOIN workflow_instance wi ON wi.id = t.instance_id
         CROSS JOIN LATERAL (
                -- the last stay of a finished instance ends with it
                SELECT COALESCE(t.next_at, CASE WHEN wi.status IN ('completed', 'cancelled')
                                                THEN COALESCE(wi.completed_at, wi.write_date)
                                                WHEN wi.status IN ('timeout', 'error') THEN wi.write_date END
                       ) AS left_at
               ) e
          LEFT JOIN workflow_state s ON s.id = t.state_id
          LEFT JOIN res_company rc ON rc.id = wi.company_id
         WHERE %(where)s
        """,
        table=SQL.identifier(interval_table.TABLE),
        where=instance_filter or SQL("TRUE"),
    )


class WorkflowAnalyticsInterval(models.Model):
    """Time an instance spent in a state: one row per state it entered (read-only SQL view)."""

    _name = "workflow.analytics.interval"
    _description = "Workflow State Interval"
    _auto = False
    _order = "entered_at desc, id desc"
    _rec_name = "state_name"

    instance_id = fields.Many2one("workflow.instance", readonly=True)
    workflow_id = fields.Many2one("workflow.definition", readonly=True)
    version_id = fields.Many2one("workflow.definition", string="Version Run", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    state_id = fields.Many2one("workflow.state", string="State of the Version Run", readonly=True)
    state_code = fields.Char(readonly=True)
    state_name = fields.Char(string="State", readonly=True)
    sequence = fields.Integer(
        string="Step", readonly=True, help="Position of this state in the instance's path."
    )
    visit = fields.Integer(
        readonly=True, help="1 the first time the instance is in this state, 2 when it came back..."
    )
    is_rework = fields.Boolean(string="Rework", readonly=True, help="The instance came back to this state.")
    entered_by = fields.Many2one("res.users", readonly=True)
    entered_at = fields.Datetime(string="Entered", readonly=True)
    left_at = fields.Datetime(string="Left", readonly=True)
    is_current = fields.Boolean(string="Still in State", readonly=True)
    moved_by = fields.Many2one("res.users", string="Moved On By", readonly=True)
    transition_id = fields.Many2one("workflow.transition", string="Transition Taken", readonly=True)
    duration_hours = fields.Float(string="Hours", readonly=True, group_operator="avg")
    business_hours = fields.Float(
        readonly=True,
        group_operator="avg",
        help="Working hours of the company's calendar spent in the state.",
    )
    outcome = fields.Selection(
        [
            ("active", "Running"),
            ("completed", "Completed"),
            ("cancelled", "Cancelled"),
            ("error", "Error"),
            ("timeout", "Timed Out"),
        ],
        string="Instance Outcome",
        readonly=True,
    )
    is_final = fields.Boolean(string="Final State", readonly=True)
    instance_started_at = fields.Datetime(string="Instance Started", readonly=True)
    instance_completed_at = fields.Datetime(string="Instance Finished", readonly=True)

    def init(self):
        cr = self.env.cr
        cr.execute(BUSINESS_HOURS_FUNCTION)
        # the stays, kept by triggers on the history (filled by the install hook / migration)
        interval_table.ensure_schema(cr)
        # recomputing an instance's stays reads its history in time order
        cr.execute(
            """CREATE INDEX IF NOT EXISTS workflow_history_analytics_cover_idx
               ON workflow_history (instance_id, performed_at, id)
               INCLUDE (action_type, from_state_id, to_state_id, transition_id, performed_by, to_state_name)"""
        )
        cr.execute(
            """CREATE INDEX IF NOT EXISTS workflow_instance_analytics_completed_idx
               ON workflow_instance (live_workflow_id, completed_at) WHERE completed_at IS NOT NULL"""
        )
        cr.execute(
            """CREATE INDEX IF NOT EXISTS workflow_instance_analytics_started_idx
               ON workflow_instance (live_workflow_id, started_at)"""
        )
        # approval figures: decisions, delegations and escalations of a period
        cr.execute(
            """CREATE INDEX IF NOT EXISTS approval_assignment_analytics_decision_idx
               ON approval_assignment (decision_at) WHERE decision_at IS NOT NULL"""
        )
        cr.execute(
            """CREATE INDEX IF NOT EXISTS approval_assignment_analytics_delegated_idx
               ON approval_assignment (delegated_at) WHERE delegated_at IS NOT NULL"""
        )
        cr.execute(
            """CREATE INDEX IF NOT EXISTS workflow_history_analytics_escalation_idx
               ON workflow_history (performed_at) WHERE action_type = 'escalation'"""
        )
        tools.drop_view_if_exists(cr, self._table)
        cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), intervals_query()))

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, access_rights_uid=None):
        """Intervals follow the instances: a user sees those of the instances they may read."""
        if not self.env.su:
            # the instances the user may read, kept in SQL (not their ids listed in Python)
            instances = self.env["workflow.analytics"]._readable_instances([])
            domain = expression.AND([list(domain or []), [("instance_id", "in", instances)]])
        return super()._search(
            domain, offset=offset, limit=limit, order=order, access_rights_uid=access_rights_uid
        )
