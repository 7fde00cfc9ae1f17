"""Standard Webhooks 1.0 signatures and the retry schedule (standard library only).

``webhook-signature`` is ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``;
several signatures are separated by spaces (one per secret while a new secret is
phased in).  Secrets are ``whsec_`` + base64 of random bytes.  The tests verify
what this module signs with the independent ``standardwebhooks`` package.
"""

import base64
import hashlib
import hmac
import random
import secrets as _secrets
from email.utils import parsedate_to_datetime

TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"
# seconds to wait before attempt n+1 after attempt n failed (the spec's schedule):
# immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h
RETRY_SCHEDULE = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
MAX_RETRY_AFTER = 86400


class SignatureError(Exception):
    """A refused incoming signature; ``reason`` is ``missing``, ``stale`` or ``bad``."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


def new_secret(nbytes=24):
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(nbytes)).decode()


def _key(secret):
    secret = (secret or "").strip()
    if secret.startswith(SECRET_PREFIX):
        secret = secret[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(secret + "==")
    except ValueError:
        key = b""
    if not key:
        raise ValueError("a webhook secret must be whsec_ followed by base64")
    return key


def sign(secret, msg_id, timestamp, body):
    """``v1,<signature>`` of ``body`` (str or bytes) sent as ``msg_id`` at ``timestamp`` (unix seconds)."""
    if isinstance(body, str):
        body = body.encode()
    to_sign = b"%s.%d.%s" % (msg_id.encode(), int(timestamp), body)
    digest = hmac.new(_key(secret), to_sign, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets, msg_id, timestamp, body):
    """The three Standard Webhooks headers, signed with every secret in ``secrets``."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets if s),
    }


def verify(secrets, request_headers, body, now, tolerance=TOLERANCE_SECONDS):
    """Check an incoming call; returns its message id or raises :class:`SignatureError`."""
    lowered = {k.lower(): v for k, v in request_headers.items()}
    msg_id = lowered.get("webhook-id")
    stamp = lowered.get("webhook-timestamp")
    passed = lowered.get("webhook-signature")
    if not (msg_id and stamp and passed):
        raise SignatureError("missing", "webhook-id, webhook-timestamp and webhook-signature are required")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise SignatureError("bad", "webhook-timestamp must be unix seconds") from None
    if abs(now - timestamp) > tolerance:
        raise SignatureError("stale", "webhook-timestamp is more than %s seconds away" % tolerance)
    expected = [sign(s, msg_id, timestamp, body).split(",", 1)[1] for s in secrets if s]
    for item in passed.split(" "):
        version, _sep, value = item.partition(",")
        if version != "v1":
            continue
        if any(hmac.compare_digest(value.encode(), exp.encode()) for exp in expected):
            return msg_id
    raise SignatureError("bad", "no matching signature")


def retry_after_seconds(value, now):
    """Seconds asked by a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(int(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0, min(int(when.timestamp() - now), MAX_RETRY_AFTER))


def next_delay(attempt, retry_after=None, jitter=0.1, rng=random):
    """Seconds before the next attempt after ``attempt`` (1-based) failed; None when none is left.

    The schedule's delay, with +/- ``jitter`` so that retries of many messages
    spread out, and never sooner than a ``Retry-After`` the receiver asked for.
    """
    if attempt >= len(RETRY_SCHEDULE):
        return None
    delay = RETRY_SCHEDULE[attempt]
    if jitter and delay:
        delay = delay * (1 + rng.uniform(-jitter, jitter))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return int(round(delay))
