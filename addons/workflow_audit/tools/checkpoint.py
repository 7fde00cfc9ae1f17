"""Signed checkpoints of the audit chain heads, kept outside the database.

A checkpoint is one JSON line appended to a file the database role cannot
reach: it lists the head (sequence number and hash) of every audit chain at a
point in time, is linked to the previous line and signed with an HMAC-SHA256
key that is not stored in the database either.  Someone who rewrites audit
rows, even with superuser rights and the whole chain recomputed, cannot make
the heads match the file without the key.

Configuration (odoo.conf option, else environment variable):

* ``workflow_audit_hmac_key_file`` / ``WORKFLOW_AUDIT_HMAC_KEY_FILE``: file
  holding the key (created with mode 0600 in the data directory when absent);
  ``WORKFLOW_AUDIT_HMAC_KEY`` gives the key itself.
* ``workflow_audit_checkpoint_file`` / ``WORKFLOW_AUDIT_CHECKPOINT_FILE``:
  the append-only file; ``{db}`` is replaced by the database name.  Default:
  ``<data_dir>/workflow_audit/{db}.checkpoints.jsonl``.
* ``workflow_audit_checkpoint_url`` / ``WORKFLOW_AUDIT_CHECKPOINT_URL``
  (optional): each signed line is also POSTed there as JSON, through the
  suite's outgoing-HTTP guard, if ``workflow_audit_checkpoint_hosts`` /
  ``WORKFLOW_AUDIT_CHECKPOINT_HOSTS`` allows it (the guard's allow-list:
  ``host`` for https to public addresses, ``host:port`` for that port only,
  loopback and private addresses included).
* ``workflow_audit_min_retention_months`` / ``WORKFLOW_AUDIT_MIN_RETENTION_MONTHS``
  (default 12): the retention job never drops a month younger than this,
  whatever the database parameter ``workflow_audit.retention_months`` says.

The file holds two kinds of lines, both signed and linked the same way:
``{"kind": "checkpoint", "heads": [...]}`` (lines without ``kind`` are
checkpoints too) and ``{"kind": "retention", "partition", "from", "to", ...}``
written by the retention job when it drops a partition.  Verification excuses
the disappearance of audit days only through a signed retention line, never
through rows of the database.
"""

import fcntl
import hashlib
import hmac
import json
import os
import secrets

from odoo.tools import config

from odoo.addons.workflow_automation.tools import http_guard

SEND_TIMEOUT = 10
MIN_RETENTION_MONTHS = 12


def _option(name):
    return config.get(name) or os.environ.get(name.upper())


def _default_dir():
    path = os.path.join(config["data_dir"], "workflow_audit")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def hmac_key():
    direct = os.environ.get("WORKFLOW_AUDIT_HMAC_KEY")
    if direct:
        return direct.encode()
    path = _option("workflow_audit_hmac_key_file") or os.path.join(_default_dir(), "hmac.key")
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    with open(path, encoding="ascii") as handle:
        return handle.read().strip().encode()


def min_retention_months():
    """The retention floor, configured outside the database (months, at least 1)."""
    value = _option("workflow_audit_min_retention_months")
    try:
        return max(1, int(value)) if value not in (None, "", False) else MIN_RETENTION_MONTHS
    except (TypeError, ValueError):
        return MIN_RETENTION_MONTHS


def kind(entry):
    """``"checkpoint"`` or ``"retention"``."""
    return entry.get("kind") or "checkpoint"


def checkpoint_path(dbname):
    path = _option("workflow_audit_checkpoint_file")
    if path:
        return path.replace("{db}", dbname)
    return os.path.join(_default_dir(), f"{dbname}.checkpoints.jsonl")


def _canonical(payload):
    body = {k: v for k, v in payload.items() if k != "mac"}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign(payload, key):
    return hmac.new(key, _canonical(payload), hashlib.sha256).hexdigest()


def read_checkpoints(path, key, dbname):
    """Return ``(entries, errors)``: the lines of ``dbname`` whose signature and
    link to the previous line are valid, and a description of each bad line."""
    entries, errors = [], []
    if not os.path.exists(path):
        return entries, errors
    prev = None
    with open(path, encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            try:
                payload = json.loads(line)
            except ValueError:
                errors.append(f"checkpoint line {lineno}: not JSON")
                continue
            if not hmac.compare_digest(str(payload.get("mac", "")), sign(payload, key)):
                errors.append(f"checkpoint line {lineno}: bad signature")
                continue
            if payload.get("prev") != prev:
                errors.append(f"checkpoint line {lineno}: does not follow the previous line")
            prev = payload["mac"]
            if payload.get("db") == dbname:
                entries.append(payload)
    return entries, errors


def append_checkpoint(path, key, payload):
    """Append a signed line to ``path`` (exclusive lock, fsync) and return it."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            last = None
            for line in handle:
                if line.strip():
                    last = line
            prev = None
            if last:
                try:
                    prev = json.loads(last).get("mac")
                except ValueError:
                    prev = None
            payload = dict(payload, prev=prev)
            payload["mac"] = sign(payload, key)
            handle.write(json.dumps(payload, sort_keys=True, separators=(",", ":")) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return payload


HOSTS_SETTING = "workflow_audit_checkpoint_hosts (odoo.conf) or WORKFLOW_AUDIT_CHECKPOINT_HOSTS"


class CheckpointNotSent(Exception):
    """The endpoint refused the line or could not be reached."""


def endpoint():
    """``(url, allow-list text)`` of the optional checkpoint endpoint."""
    return _option("workflow_audit_checkpoint_url"), _option("workflow_audit_checkpoint_hosts") or ""


def send_checkpoint(url, allowed_hosts, payload):
    """POST a signed line to ``url`` through the outgoing-HTTP guard and return the status.

    Raises ``http_guard.OutgoingHttpRefused`` when the guard refuses the URL (nothing
    sent) and :class:`CheckpointNotSent` when the endpoint fails or answers other than 2xx.
    """
    result = http_guard.send(
        url,
        allowed_hosts,
        json=payload,
        timeout=SEND_TIMEOUT,
        max_bytes=4096,
        setting=HOSTS_SETTING,
        purpose="audit checkpoint",
    )
    if not result.ok:
        raise CheckpointNotSent(result.describe())
    return result.status
