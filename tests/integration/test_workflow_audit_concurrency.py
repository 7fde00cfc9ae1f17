"""Concurrent writers on the audit chains, with real connections and commits.

Odoo runs transactions in REPEATABLE READ: a writer that committed on a chain
slot after another transaction's snapshot began is invisible to that
transaction.  ``audit_log_append`` must then move to another slot (or raise a
serialization failure that Odoo retries), never fork a chain.  Runs against the
installed test database named in ``WFA_DB`` (scripts/test.sh).
"""

import json
import os
import threading

import psycopg2
import pytest
from psycopg2.extensions import ISOLATION_LEVEL_REPEATABLE_READ

DB = os.environ.get("WFA_DB")


@pytest.fixture(autouse=True)
def _installed_database():
    if not DB:
        pytest.fail("set WFA_DB to a database where workflow_audit is installed (scripts/test.sh does)")


ROW = [
    "res.partner",
    1,
    "Concurrent",
    "update",
    {"ref": "a"},
    {"ref": "b"},
    ["ref"],
    1,
    "bench",
    None,
    None,
    None,
    None,
    None,
    1,
]

LINKS_OK_SQL = """
SELECT count(*) FROM (
    SELECT a.chain_seq, lag(a.chain_seq) OVER w AS prev_seq, a.row_hash,
           sha256(coalesce(lag(a.row_hash) OVER w, audit_log_genesis(a.chain_day, a.chain_slot))
                  || audit_log_digest(a.id, a.created_at, a.model_name, a.record_id, a.record_name,
                       a.action_type, a.old_values, a.new_values, a.changed_fields, a.user_id,
                       a.user_name, a.ip_address, a.user_agent, a.session_id, a.workflow_instance_id,
                       a.approval_request_id, a.company_id, a.chain_day, a.chain_slot,
                       a.chain_seq)) AS expected
      FROM audit_log a
    WINDOW w AS (PARTITION BY a.chain_day, a.chain_slot ORDER BY a.chain_seq)
) s
WHERE chain_seq <> coalesce(prev_seq, 0) + 1 OR row_hash <> expected
"""


def connect():
    conn = psycopg2.connect(
        dbname=DB,
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=os.environ.get("PGPORT", "5432"),
        user=os.environ.get("PGUSER", "odoo"),
    )
    conn.set_isolation_level(ISOLATION_LEVEL_REPEATABLE_READ)  # as Odoo does
    return conn


def append(conn, count, slots):
    with conn.cursor() as cr:
        cr.execute("SELECT audit_log_append(%s::jsonb, %s)", [json.dumps([ROW] * count), slots])
        return cr.fetchone()[0]


def broken_links():
    conn = connect()
    try:
        with conn.cursor() as cr:
            cr.execute(LINKS_OK_SQL)
            return cr.fetchone()[0]
    finally:
        conn.close()


def test_invisible_predecessor_never_forks_the_chain():
    older, newer = connect(), connect()
    try:
        with older.cursor() as cr:
            cr.execute("SELECT 1")  # the older transaction's snapshot starts here
        append(newer, 3, slots=1)
        newer.commit()  # committed after the older snapshot: invisible to it
        # only one slot allowed: the older transaction may not reuse it
        with pytest.raises(psycopg2.errors.SerializationFailure):
            append(older, 2, slots=1)
        older.rollback()
        # with slots to spare it moves to another chain and succeeds
        with older.cursor() as cr:
            cr.execute("SELECT 1")
        append(newer, 1, slots=1)
        newer.commit()
        assert append(older, 2, slots=4) == 2
        older.commit()
    finally:
        older.close()
        newer.close()
    assert broken_links() == 0


def test_parallel_writers_keep_every_chain_intact():
    errors = []

    def writer():
        conn = connect()
        try:
            for _i in range(25):
                try:
                    append(conn, 20, slots=16)
                    conn.commit()
                except psycopg2.errors.SerializationFailure:
                    conn.rollback()  # what Odoo does: retry the transaction
                    append(conn, 20, slots=16)
                    conn.commit()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            conn.close()

    conn = connect()
    with conn.cursor() as cr:
        cr.execute("SELECT count(*) FROM audit_log")
        before = cr.fetchone()[0]
    conn.rollback()
    threads = [threading.Thread(target=writer) for _i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    with conn.cursor() as cr:
        cr.execute("SELECT count(*) FROM audit_log")
        assert cr.fetchone()[0] - before == 4 * 25 * 20
    conn.close()
    assert broken_links() == 0
