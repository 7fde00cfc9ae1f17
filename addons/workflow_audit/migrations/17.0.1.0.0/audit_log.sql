-- workflow_audit 17.0.1.0.0: the audit trail's database objects.
-- Applied by the install hook (hooks.py) and by later migrations; every
-- statement is idempotent so the file can be re-applied.

CREATE SEQUENCE IF NOT EXISTS audit_log_id_seq AS bigint;

-- Declarative partitioning by month on created_at, no DEFAULT partition (it
-- would have to be scanned, and would block creating a partition for a month
-- whose rows it already holds).  The primary key includes the partition key.
CREATE TABLE IF NOT EXISTS audit_log (
    id bigint NOT NULL DEFAULT nextval('audit_log_id_seq'),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- target
    model_name varchar(128) NOT NULL,
    record_id integer NOT NULL,
    record_name varchar(200),
    action_type varchar(16) NOT NULL
        CHECK (action_type IN ('create', 'update', 'delete', 'workflow', 'approval', 'access')),
    -- changes
    old_values jsonb,
    new_values jsonb,
    changed_fields text[],
    -- who / where from
    user_id integer,
    user_name varchar(200),
    ip_address inet,
    user_agent text,
    session_id varchar(100),
    -- workflow context
    workflow_instance_id integer,
    approval_request_id integer,
    company_id integer NOT NULL DEFAULT 1,
    -- integrity: one hash chain per (UTC day, writer slot)
    chain_day date NOT NULL,
    chain_slot smallint NOT NULL,
    chain_seq bigint NOT NULL,
    row_hash bytea NOT NULL,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

ALTER SEQUENCE audit_log_id_seq OWNED BY audit_log.id;

CREATE INDEX IF NOT EXISTS audit_log_model_record_idx ON audit_log (model_name, record_id, created_at);
CREATE INDEX IF NOT EXISTS audit_log_user_idx ON audit_log (user_id, created_at);
CREATE INDEX IF NOT EXISTS audit_log_action_idx ON audit_log (action_type, created_at);
CREATE INDEX IF NOT EXISTS audit_log_created_at_idx ON audit_log USING brin (created_at);
CREATE INDEX IF NOT EXISTS audit_log_workflow_idx ON audit_log (workflow_instance_id)
    WHERE workflow_instance_id IS NOT NULL;

-- Canonical digest of one entry: everything but the chain link itself.
-- jsonb's text form is deterministic; timestamps are rendered in UTC so the
-- session's TimeZone does not matter.
CREATE OR REPLACE FUNCTION audit_log_digest(
    p_id bigint, p_created_at timestamptz, p_model text, p_record_id integer,
    p_record_name text, p_action text, p_old jsonb, p_new jsonb, p_fields text[],
    p_user_id integer, p_user_name text, p_ip inet, p_user_agent text, p_session text,
    p_instance integer, p_approval integer, p_company integer,
    p_day date, p_slot smallint, p_seq bigint
) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sha256(convert_to(jsonb_build_array(
        p_id, to_char(p_created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        p_model, p_record_id, p_record_name, p_action, p_old, p_new, to_jsonb(p_fields),
        p_user_id, p_user_name, p_ip::text, p_user_agent, p_session,
        p_instance, p_approval, p_company, p_day::text, p_slot, p_seq)::text, 'UTF8'))
$$;

-- First link of the chain of (day, slot).
CREATE OR REPLACE FUNCTION audit_log_genesis(p_day date, p_slot smallint)
RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sha256(convert_to('workflow_audit:' || p_day::text || ':' || p_slot::text, 'UTF8'))
$$;

-- Monthly partition holding p_at, with the per-partition objects a
-- partitioned parent cannot carry: the unique chain index (it does not
-- include created_at) and the TRUNCATE guard.
CREATE OR REPLACE FUNCTION audit_log_create_partition(p_at timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_from timestamptz := date_trunc('month', p_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    v_to timestamptz := (date_trunc('month', p_at AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
    v_name text := 'audit_log_p' || to_char(p_at AT TIME ZONE 'UTC', 'YYYYMM');
BEGIN
    -- serialise creators (upkeep job, on-the-fly creation by audit_log_append)
    PERFORM pg_advisory_xact_lock(1635083369, -1);
    IF to_regclass(v_name) IS NOT NULL THEN
        RETURN v_name;
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)', v_name, v_from, v_to);
    EXECUTE format('CREATE UNIQUE INDEX %I ON %I (chain_day, chain_slot, chain_seq)', v_name || '_chain_uniq', v_name);
    EXECUTE format('CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON %I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION audit_log_reject_change()', v_name);
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM PUBLIC', v_name);
    RETURN v_name;
END $$;

-- Immutability: no UPDATE, DELETE or TRUNCATE, whoever asks.  The retention
-- job removes whole partitions (DETACH + DROP), which row triggers do not see.
CREATE OR REPLACE FUNCTION audit_log_reject_change()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit entries are immutable; retention drops whole partitions.';
END $$;

DROP TRIGGER IF EXISTS audit_log_immutable ON audit_log;
CREATE TRIGGER audit_log_immutable BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_reject_change();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_reject_change();
-- Privileges: effective for every non-superuser role.  The application role of
-- this deployment is a superuser (Odoo needs to create databases), for which
-- the triggers above are the guard.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;

-- Append one batch (a jsonb array of positional rows, see
-- models/workflow_hook.py) as one INSERT, hash-chained.
--   * chain = (UTC day, slot).  A transaction takes a free slot with a
--     transaction-level advisory lock tried without waiting, starting at
--     pg_backend_pid() mod slots, so concurrent writers use different chains and
--     never queue on one row; the lock is released at commit.
--   * sequence numbers and hashes are assigned here, at write time.
--   * Odoo runs REPEATABLE READ: a writer that committed on the slot after our
--     snapshot began is invisible to the head lookup; the partition's unique
--     (chain_day, chain_slot, chain_seq) index then refuses our rows and we
--     move to the next slot, so a chain never forks.
CREATE OR REPLACE FUNCTION audit_log_append(p_rows jsonb, p_slots integer DEFAULT 16)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_at timestamptz := clock_timestamp();
    v_day date := (v_at AT TIME ZONE 'UTC')::date;
    v_n integer := jsonb_array_length(p_rows);
    v_start integer := pg_backend_pid() % p_slots;
    v_slot smallint;
    v_seq bigint;
    v_prev bytea;
    v_ids bigint[];
    v_digests bytea[];
    v_hashes bytea[];
    v_try integer;
    i integer;
BEGIN
    IF v_n = 0 THEN
        RETURN 0;
    END IF;
    IF to_regclass('audit_log_p' || to_char(v_at AT TIME ZONE 'UTC', 'YYYYMM')) IS NULL THEN
        PERFORM audit_log_create_partition(v_at);
    END IF;
    FOR v_try IN 0 .. p_slots - 1 LOOP
        v_slot := (v_start + v_try) % p_slots;
        CONTINUE WHEN NOT pg_try_advisory_xact_lock(
            1635083369, (v_day - DATE '2000-01-01') * 256 + v_slot);
        BEGIN
            SELECT l.chain_seq, l.row_hash INTO v_seq, v_prev
              FROM audit_log l
             WHERE l.created_at >= (v_day::timestamp AT TIME ZONE 'UTC')
               AND l.created_at < ((v_day + 1)::timestamp AT TIME ZONE 'UTC')
               AND l.chain_day = v_day AND l.chain_slot = v_slot
             ORDER BY l.chain_seq DESC LIMIT 1;
            IF NOT FOUND THEN
                v_seq := 0;
                v_prev := audit_log_genesis(v_day, v_slot);
            END IF;
            SELECT array_agg(x.id ORDER BY x.ord),
                   array_agg(audit_log_digest(
                       x.id, v_at, x.r->>0, (x.r->>1)::integer, x.r->>2, x.r->>3,
                       x.r->4, x.r->5,
                       CASE WHEN jsonb_typeof(x.r->6) = 'array'
                            THEN ARRAY(SELECT jsonb_array_elements_text(x.r->6)) END,
                       (x.r->>7)::integer, x.r->>8, (x.r->>9)::inet, x.r->>10, x.r->>11,
                       (x.r->>12)::integer, (x.r->>13)::integer, coalesce((x.r->>14)::integer, 1),
                       v_day, v_slot, v_seq + x.ord) ORDER BY x.ord)
              INTO v_ids, v_digests
              FROM (SELECT nextval('audit_log_id_seq') AS id, e.r, e.ord
                      FROM jsonb_array_elements(p_rows) WITH ORDINALITY AS e(r, ord)) x;
            v_hashes := array_fill(NULL::bytea, ARRAY[v_n]);
            FOR i IN 1 .. v_n LOOP
                v_prev := sha256(v_prev || v_digests[i]);
                v_hashes[i] := v_prev;
            END LOOP;
            INSERT INTO audit_log (
                id, created_at, model_name, record_id, record_name, action_type,
                old_values, new_values, changed_fields, user_id, user_name, ip_address,
                user_agent, session_id, workflow_instance_id, approval_request_id, company_id,
                chain_day, chain_slot, chain_seq, row_hash)
            SELECT v_ids[e.ord], v_at, e.r->>0, (e.r->>1)::integer, e.r->>2, e.r->>3,
                   e.r->4, e.r->5,
                   CASE WHEN jsonb_typeof(e.r->6) = 'array'
                        THEN ARRAY(SELECT jsonb_array_elements_text(e.r->6)) END,
                   (e.r->>7)::integer, e.r->>8, (e.r->>9)::inet, e.r->>10, e.r->>11,
                   (e.r->>12)::integer, (e.r->>13)::integer, coalesce((e.r->>14)::integer, 1),
                   v_day, v_slot, v_seq + e.ord, v_hashes[e.ord]
              FROM jsonb_array_elements(p_rows) WITH ORDINALITY AS e(r, ord);
            RETURN v_n;
        EXCEPTION WHEN unique_violation THEN
            -- a writer we cannot see used this slot after our snapshot: next slot
            NULL;
        END;
    END LOOP;
    RAISE EXCEPTION 'workflow_audit: no audit chain slot is free for this transaction'
        USING ERRCODE = 'serialization_failure';
END $$;

-- Which migration files have been applied (see hooks.py).
CREATE TABLE IF NOT EXISTS audit_schema_version (
    version varchar(32) PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);
