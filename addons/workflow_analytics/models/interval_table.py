"""The state-interval table: one row per state an instance entered, kept by PostgreSQL.

``workflow_analytics_state_interval`` holds what the history says about each stay
in a state: who entered it and when, when the next state was entered, by whom and
through which transition, and the hours in between.  It is maintained by triggers
on ``workflow_history`` in the transaction that writes the history, whichever way
the rows are written (the engine's ORM calls, a bulk SQL insert, a versioning
that re-points the rows to a frozen copy of the states, a deletion):

* a new state-change row dated after the instance's last stay closes that stay
  and appends one row (the engine's case: two small statements);
* anything else (several rows of one instance at once, a row dated before the
  last stay, an update of the columns intervals are made of, a deletion)
  recomputes the instances concerned from their history with the window query
  ``workflow_analytics_history_intervals`` - the one definition of a stay.

Only history facts are stored.  What depends on the instance (its workflow,
company and outcome, the end of the last stay when it was completed, cancelled or
stopped) and on the calendar (business hours, public holidays) is joined when
read, so that a later change there can never leave the table stale.

The engine (``workflow_automation``) knows nothing of this table; uninstalling
this addon drops the triggers, the functions and the table (``drop_schema``).
"""

from odoo.tools import SQL

TABLE = "workflow_analytics_state_interval"

# A history row opens a state interval when the instance starts or changes state.
# Rows that only comment on the state (approval votes, reminders, delegations,
# escalations, errors, a cancel) do not.  ``{h}`` is the alias of the history row.
INTERVAL_ROW_TEMPLATE = (
    "({h}.action_type = 'start' OR {h}.transition_id IS NOT NULL"
    " OR {h}.from_state_id IS DISTINCT FROM {h}.to_state_id) AND {h}.to_state_id IS NOT NULL"
)
INTERVAL_ROW = SQL(INTERVAL_ROW_TEMPLATE.format(h="h"))

COLUMNS = (
    "id, instance_id, state_id, state_name, sequence, visit, entered_by, entered_at,"
    " next_at, moved_by, transition_id, hours"
)

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id integer PRIMARY KEY,               -- the history row that opened the stay
    instance_id integer NOT NULL REFERENCES workflow_instance (id) ON DELETE CASCADE,
    state_id integer,                     -- the state of the version the instance ran
    state_name varchar,                   -- its name as written in the history
    sequence integer NOT NULL,            -- position of the stay in the instance's path
    visit integer NOT NULL,               -- 1 the first time in this state, 2 when it came back...
    entered_by integer,
    entered_at timestamp NOT NULL,
    next_at timestamp,                    -- when the next state was entered (NULL: the last stay)
    moved_by integer,                     -- who moved it on
    transition_id integer,                -- the transition that moved it on
    hours double precision                -- next_at - entered_at, in hours
);
-- the dashboard reads the stays of a set of instances: index-only scans by instance
CREATE INDEX IF NOT EXISTS {TABLE}_instance_idx
    ON {TABLE} (instance_id, sequence) INCLUDE (state_id, state_name, visit, hours, entered_at);

-- the stays of the given instances as their history tells them (the one definition)
CREATE OR REPLACE FUNCTION workflow_analytics_history_intervals(ids integer[])
RETURNS TABLE (id integer, instance_id integer, state_id integer, state_name varchar, sequence integer,
               visit integer, entered_by integer, entered_at timestamp, next_at timestamp, moved_by integer,
               transition_id integer, hours double precision)
LANGUAGE sql STABLE AS $$
    SELECT h.id, h.instance_id, h.to_state_id, h.to_state_name,
           (row_number() OVER w)::integer,
           (row_number() OVER (PARTITION BY h.instance_id, h.to_state_id ORDER BY h.performed_at, h.id))::integer,
           h.performed_by, h.performed_at,
           lead(h.performed_at) OVER w, lead(h.performed_by) OVER w, lead(h.transition_id) OVER w,
           EXTRACT(EPOCH FROM lead(h.performed_at) OVER w - h.performed_at)::double precision / 3600.0
      FROM workflow_history h
     WHERE h.instance_id = ANY(ids) AND {INTERVAL_ROW_TEMPLATE.format(h="h")}
    WINDOW w AS (PARTITION BY h.instance_id ORDER BY h.performed_at, h.id)
$$;

CREATE OR REPLACE FUNCTION workflow_analytics_refresh_intervals(ids integer[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    DELETE FROM {TABLE} t WHERE t.instance_id = ANY(ids);
    INSERT INTO {TABLE} ({COLUMNS})
    SELECT {COLUMNS} FROM workflow_analytics_history_intervals(ids);
END
$$;

CREATE OR REPLACE FUNCTION workflow_analytics_history_changed()
RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n workflow_history%ROWTYPE;
    last_stay record;
    appended integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF (SELECT count(*) FROM wfa_new_rows) = 1 THEN
            -- the engine's case, one row at a time: a few index look-ups
            SELECT * INTO n FROM wfa_new_rows;
            IF NOT ({INTERVAL_ROW_TEMPLATE.format(h="n")}) THEN
                RETURN NULL;  -- a vote, a comment, a cancel: no new stay
            END IF;
            SELECT t.sequence, t.entered_at, t.id INTO last_stay
              FROM {TABLE} t WHERE t.instance_id = n.instance_id ORDER BY t.sequence DESC LIMIT 1;
            IF last_stay.id IS NULL OR (last_stay.entered_at, last_stay.id) < (n.performed_at, n.id) THEN
                UPDATE {TABLE} t
                   SET next_at = n.performed_at, moved_by = n.performed_by, transition_id = n.transition_id,
                       hours = EXTRACT(EPOCH FROM n.performed_at - t.entered_at)::double precision / 3600.0
                 WHERE t.instance_id = n.instance_id AND t.next_at IS NULL;
                INSERT INTO {TABLE} ({COLUMNS})
                VALUES (n.id, n.instance_id, n.to_state_id, n.to_state_name, COALESCE(last_stay.sequence, 0) + 1,
                        1 + (SELECT count(*) FROM {TABLE} t
                              WHERE t.instance_id = n.instance_id AND t.state_id = n.to_state_id)::integer,
                        n.performed_by, n.performed_at, NULL, NULL, NULL, NULL);
            ELSE
                PERFORM workflow_analytics_refresh_intervals(ARRAY[n.instance_id]);
            END IF;
            RETURN NULL;
        END IF;
        -- several rows: one new state change per instance, after its last stay, is appended
        appended := ARRAY(
            SELECT r.id FROM wfa_new_rows r
             WHERE {INTERVAL_ROW_TEMPLATE.format(h="r")}
               AND NOT EXISTS (SELECT 1 FROM wfa_new_rows o
                                WHERE o.instance_id = r.instance_id AND o.id <> r.id
                                  AND {INTERVAL_ROW_TEMPLATE.format(h="o")})
               AND NOT EXISTS (SELECT 1 FROM {TABLE} t
                                WHERE t.instance_id = r.instance_id
                                  AND (t.entered_at, t.id) >= (r.performed_at, r.id)));
        IF cardinality(appended) > 0 THEN
            WITH closed AS (
                UPDATE {TABLE} t
                   SET next_at = r.performed_at, moved_by = r.performed_by, transition_id = r.transition_id,
                       hours = EXTRACT(EPOCH FROM r.performed_at - t.entered_at)::double precision / 3600.0
                  FROM wfa_new_rows r
                 WHERE r.id = ANY(appended) AND t.instance_id = r.instance_id AND t.next_at IS NULL
                RETURNING t.id
            )
            INSERT INTO {TABLE} ({COLUMNS})
            SELECT r.id, r.instance_id, r.to_state_id, r.to_state_name,
                   1 + COALESCE((SELECT max(t.sequence) FROM {TABLE} t WHERE t.instance_id = r.instance_id), 0),
                   1 + (SELECT count(*) FROM {TABLE} t
                         WHERE t.instance_id = r.instance_id AND t.state_id = r.to_state_id)::integer,
                   r.performed_by, r.performed_at, NULL, NULL, NULL, NULL
              FROM wfa_new_rows r
             WHERE r.id = ANY(appended);
        END IF;
        -- anything else (several state changes of one instance, one dated before its last stay):
        -- the instances concerned are recomputed from their history
        PERFORM workflow_analytics_refresh_intervals(ARRAY(
            SELECT DISTINCT r.instance_id FROM wfa_new_rows r
             WHERE {INTERVAL_ROW_TEMPLATE.format(h="r")} AND r.id <> ALL(appended)));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM workflow_analytics_refresh_intervals(ARRAY(
            SELECT DISTINCT unnest(ARRAY[o.instance_id, r.instance_id])
              FROM wfa_old_rows o JOIN wfa_new_rows r ON r.id = o.id
             WHERE (o.instance_id, o.action_type, o.from_state_id, o.to_state_id, o.to_state_name,
                    o.transition_id, o.performed_by, o.performed_at)
                   IS DISTINCT FROM
                   (r.instance_id, r.action_type, r.from_state_id, r.to_state_id, r.to_state_name,
                    r.transition_id, r.performed_by, r.performed_at)));
    ELSE
        PERFORM workflow_analytics_refresh_intervals(ARRAY(
            SELECT DISTINCT o.instance_id FROM wfa_old_rows o WHERE {INTERVAL_ROW_TEMPLATE.format(h="o")}));
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS workflow_analytics_history_insert ON workflow_history;
CREATE TRIGGER workflow_analytics_history_insert AFTER INSERT ON workflow_history
    REFERENCING NEW TABLE AS wfa_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION workflow_analytics_history_changed();
DROP TRIGGER IF EXISTS workflow_analytics_history_update ON workflow_history;
CREATE TRIGGER workflow_analytics_history_update AFTER UPDATE ON workflow_history
    REFERENCING OLD TABLE AS wfa_old_rows NEW TABLE AS wfa_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION workflow_analytics_history_changed();
DROP TRIGGER IF EXISTS workflow_analytics_history_delete ON workflow_history;
CREATE TRIGGER workflow_analytics_history_delete AFTER DELETE ON workflow_history
    REFERENCING OLD TABLE AS wfa_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION workflow_analytics_history_changed();
"""

DROP_SCHEMA = f"""
DROP VIEW IF EXISTS workflow_analytics_interval;
DROP FUNCTION IF EXISTS workflow_analytics_business_hours(integer, timestamp, timestamp);
DROP TRIGGER IF EXISTS workflow_analytics_history_insert ON workflow_history;
DROP TRIGGER IF EXISTS workflow_analytics_history_update ON workflow_history;
DROP TRIGGER IF EXISTS workflow_analytics_history_delete ON workflow_history;
DROP FUNCTION IF EXISTS workflow_analytics_history_changed();
DROP FUNCTION IF EXISTS workflow_analytics_refresh_intervals(integer[]);
DROP FUNCTION IF EXISTS workflow_analytics_history_intervals(integer[]);
DROP TABLE IF EXISTS {TABLE};
"""


def ensure_schema(cr):
    """Create (or bring up to date) the table, its indexes, functions and triggers. Re-runnable."""
    cr.execute(SCHEMA)


def drop_schema(cr):
    cr.execute(DROP_SCHEMA)


def rebuild(cr, instance_ids=None):
    """Recompute the stays of ``instance_ids`` (all instances when None) from the history.

    The backfill of a database whose history predates the table, and the repair
    should a check ever find a difference.  Returns the number of rows written.
    """
    table, columns = SQL.identifier(TABLE), SQL(COLUMNS)
    if instance_ids is None:
        cr.execute(SQL("TRUNCATE %s", table))
        cr.execute(
            SQL(
                """INSERT INTO %s (%s) SELECT %s
                     FROM workflow_analytics_history_intervals(ARRAY(SELECT id FROM workflow_instance))""",
                table,
                columns,
                columns,
            )
        )
        count = cr.rowcount
        cr.execute(SQL("ANALYZE %s", table))
        return count
    cr.execute("SELECT workflow_analytics_refresh_intervals(%s::integer[])", (list(instance_ids),))
    cr.execute(SQL("SELECT count(*) FROM %s WHERE instance_id = ANY(%s)", table, list(instance_ids)))
    return cr.fetchone()[0]


def differences(cr, instance_ids=None):
    """Rows on which the table and the history disagree (both ways), as ``(side, row)`` pairs.

    ``instance_ids`` None checks every instance.  An empty list means consistent.
    """
    ids = (
        SQL("ARRAY(SELECT id FROM workflow_instance)")
        if instance_ids is None
        else SQL("%s::integer[]", list(instance_ids))
    )
    scope = (
        SQL("TRUE") if instance_ids is None else SQL("instance_id = ANY(%s::integer[])", list(instance_ids))
    )
    cr.execute(
        SQL(
            """
            WITH truth AS (SELECT * FROM workflow_analytics_history_intervals(%(ids)s)),
                 stored AS (SELECT %(columns)s FROM %(table)s WHERE %(scope)s)
            (SELECT 'missing' AS side, * FROM (SELECT * FROM truth EXCEPT SELECT * FROM stored) m)
            UNION ALL
            (SELECT 'extra' AS side, * FROM (SELECT * FROM stored EXCEPT SELECT * FROM truth) e)
            ORDER BY 3, 6, 1
            """,
            ids=ids,
            columns=SQL(COLUMNS),
            table=SQL.identifier(TABLE),
            scope=scope,
        )
    )
    return [(row[0], row[1:]) for row in cr.fetchall()]
