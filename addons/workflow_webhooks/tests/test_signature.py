import random
import time
from datetime import datetime, timezone

from standardwebhooks import Webhook, WebhookVerificationError

from odoo.tests import BaseCase, tagged

from ..tools import signature


@tagged("post_install", "-at_install")
class TestSignature(BaseCase):
    def test_signature_verified_by_the_standardwebhooks_package(self):
        secret = signature.new_secret()
        body = '{"type":"workflow.started","data":{"name":"Lait frais \u00e9cr\u00e9m\u00e9"}}'
        now = int(time.time())
        headers = signature.headers([secret], "msg_1", now, body)
        self.assertEqual(Webhook(secret).verify(body, headers)["type"], "workflow.started")
        # and the package's signature is one we accept (same algorithm both ways)
        theirs = Webhook(secret).sign("msg_2", datetime.fromtimestamp(now, tz=timezone.utc), body)
        self.assertEqual(
            signature.verify(
                [secret],
                {"webhook-id": "msg_2", "webhook-timestamp": str(now), "webhook-signature": theirs},
                body.encode(),
                now,
            ),
            "msg_2",
        )
        with self.assertRaises(WebhookVerificationError):
            Webhook(signature.new_secret()).verify(body, headers)

    def test_rotation_signs_with_both_secrets(self):
        old, new = signature.new_secret(), signature.new_secret()
        now = int(time.time())
        headers = signature.headers([new, old], "msg_3", now, "{}")
        self.assertEqual(len(headers["webhook-signature"].split(" ")), 2)
        Webhook(old).verify("{}", headers)
        Webhook(new).verify("{}", headers)

    def test_incoming_refusals(self):
        secret = signature.new_secret()
        now = int(time.time())
        headers = signature.headers([secret], "msg_4", now - 301, "{}")
        with self.assertRaises(signature.SignatureError) as stale:
            signature.verify([secret], headers, b"{}", now)
        self.assertEqual(stale.exception.reason, "stale")
        headers = signature.headers([secret], "msg_4", now, "{}")
        with self.assertRaises(signature.SignatureError) as bad:
            signature.verify([secret], headers, b'{"x":1}', now)
        self.assertEqual(bad.exception.reason, "bad")
        with self.assertRaises(signature.SignatureError) as missing:
            signature.verify([secret], {}, b"{}", now)
        self.assertEqual(missing.exception.reason, "missing")

    def test_schedule_with_jitter_and_retry_after(self):
        self.assertEqual(
            [signature.next_delay(n, jitter=0) for n in range(1, 10)],
            [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400],
        )
        self.assertIsNone(signature.next_delay(10, jitter=0))
        rng = random.Random(7)
        delays = {signature.next_delay(3, jitter=0.1, rng=rng) for _i in range(20)}
        self.assertTrue(all(1620 <= d <= 1980 for d in delays), delays)
        self.assertGreater(len(delays), 1, "jitter spreads the retries")
        self.assertEqual(signature.next_delay(1, retry_after=120, jitter=0), 120)
        self.assertEqual(signature.retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 - 60), 60)
