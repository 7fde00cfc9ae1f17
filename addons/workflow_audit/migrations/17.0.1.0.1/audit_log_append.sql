-- workflow_audit 17.0.1.0.1: audit_log_append() reads its batch once.
-- Same rows, same chains, same digests as 17.0.1.0.0 (audit_log_digest is
-- unchanged, so existing chains verify as before); the batch's jsonb is now
-- unpacked in one pass that also computes the digests, and the INSERT reads
-- those arrays instead of unpacking the jsonb a second time.
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
    v_models text[];
    v_record_ids integer[];
    v_names text[];
    v_actions text[];
    v_old jsonb[];
    v_new jsonb[];
    v_fields jsonb[];
    v_user_ids integer[];
    v_user_names text[];
    v_ips inet[];
    v_agents text[];
    v_sessions text[];
    v_instances integer[];
    v_approvals integer[];
    v_companies integer[];
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
    -- the batch, unpacked once, in its order; ids from the sequence in that order
    SELECT array_agg(nextval('audit_log_id_seq') ORDER BY e.ord), array_agg(e.r->>0 ORDER BY e.ord),
           array_agg((e.r->>1)::integer ORDER BY e.ord), array_agg(e.r->>2 ORDER BY e.ord),
           array_agg(e.r->>3 ORDER BY e.ord), array_agg(e.r->4 ORDER BY e.ord),
           array_agg(e.r->5 ORDER BY e.ord),
           array_agg(CASE WHEN jsonb_typeof(e.r->6) = 'array' THEN e.r->6 END ORDER BY e.ord),
           array_agg((e.r->>7)::integer ORDER BY e.ord), array_agg(e.r->>8 ORDER BY e.ord),
           array_agg((e.r->>9)::inet ORDER BY e.ord), array_agg(e.r->>10 ORDER BY e.ord),
           array_agg(e.r->>11 ORDER BY e.ord), array_agg((e.r->>12)::integer ORDER BY e.ord),
           array_agg((e.r->>13)::integer ORDER BY e.ord),
           array_agg(coalesce((e.r->>14)::integer, 1) ORDER BY e.ord)
      INTO v_ids, v_models, v_record_ids, v_names, v_actions, v_old, v_new, v_fields, v_user_ids,
           v_user_names, v_ips, v_agents, v_sessions, v_instances, v_approvals, v_companies
      FROM jsonb_array_elements(p_rows) WITH ORDINALITY AS e(r, ord);
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
            SELECT array_agg(audit_log_digest(
                       u.id, v_at, u.model, u.record_id, u.name, u.action, u.old, u.new,
                       CASE WHEN u.fields IS NOT NULL
                            THEN ARRAY(SELECT jsonb_array_elements_text(u.fields)) END,
                       u.user_id, u.user_name, u.ip, u.agent, u.session, u.instance, u.approval,
                       u.company, v_day, v_slot, v_seq + u.ord) ORDER BY u.ord)
              INTO v_digests
              FROM unnest(v_ids, v_models, v_record_ids, v_names, v_actions, v_old, v_new, v_fields,
                          v_user_ids, v_user_names, v_ips, v_agents, v_sessions, v_instances,
                          v_approvals, v_companies) WITH ORDINALITY
                   AS u(id, model, record_id, name, action, old, new, fields, user_id, user_name, ip,
                        agent, session, instance, approval, company, ord);
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
            SELECT u.id, v_at, u.model, u.record_id, u.name, u.action, u.old, u.new,
                   CASE WHEN u.fields IS NOT NULL
                        THEN ARRAY(SELECT jsonb_array_elements_text(u.fields)) END,
                   u.user_id, u.user_name, u.ip, u.agent, u.session, u.instance, u.approval,
                   u.company, v_day, v_slot, v_seq + u.ord, u.hash
              FROM unnest(v_ids, v_models, v_record_ids, v_names, v_actions, v_old, v_new, v_fields,
                          v_user_ids, v_user_names, v_ips, v_agents, v_sessions, v_instances,
                          v_approvals, v_companies, v_hashes) WITH ORDINALITY
                   AS u(id, model, record_id, name, action, old, new, fields, user_id, user_name, ip,
                        agent, session, instance, approval, company, hash, ord);
            RETURN v_n;
        EXCEPTION WHEN unique_violation THEN
            -- a writer we cannot see used this slot after our snapshot: next slot
            NULL;
        END;
    END LOOP;
    RAISE EXCEPTION 'workflow_audit: no audit chain slot is free for this transaction'
        USING ERRCODE = 'serialization_failure';
END $$;
