"""The outgoing-HTTP guard against real listeners on loopback (IPv4 and IPv6).

Every refusal is checked twice: the guard raises a sentence naming the refused
part, and the listener the URL would have reached saw no request at all.
"""

import datetime
import json
import os
import socket
import tempfile
import time
from urllib.parse import urlsplit

from urllib3.util import parse_url

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from ..tools import http_guard
from ..tools.http_guard import OutgoingHttpRefused
from .common import WorkflowCase
from .http_listener import HttpListener

PARAM = "workflow_automation.webhook_allowed_hosts"


def _resolver(mapping, calls):
    """A resolver for names this machine has no DNS for (``*.test``): ``mapping`` name -> address."""

    def resolve(host, port, *_args):
        calls.append(host)
        address = mapping[host]
        family = 10 if ":" in address else 2
        return [(family, 1, 6, "", (address, port))]

    return resolve


def _self_signed(name):
    """A certificate for ``name`` (and its key), PEM files in a temporary folder."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes, serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ec  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.utcnow()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tempfile.mkdtemp(prefix="wfa-tls-")
    certfile, keyfile = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    with open(certfile, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(keyfile, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return certfile, keyfile


@tagged("post_install", "-at_install")
class TestAddressClassifier(TransactionCase):
    """Every form of a non-public address is recognised, public ones pass."""

    def test_every_form_of_a_non_public_address(self):
        expected = {
            "127.0.0.1": "loopback",
            "127.255.0.9": "loopback",
            "10.1.2.3": "private",
            "172.16.0.1": "private",
            "192.168.1.1": "private",
            "100.64.0.1": "shared (carrier-grade NAT)",
            "169.254.10.10": "link-local",
            "169.254.169.254": "cloud metadata",
            "100.100.100.200": "cloud metadata",
            "fd00:ec2::254": "cloud metadata",
            "0.0.0.0": "unspecified",
            "224.0.0.251": "multicast",
            "240.0.0.1": "reserved",
            "255.255.255.255": "broadcast",
            "192.0.2.10": "documentation",
            "198.18.0.1": "benchmarking",
            "::1": "loopback",
            "::": "unspecified",
            "fe80::1": "link-local",
            "fc00::1": "private (unique local)",
            "fd12:3456::1": "private (unique local)",
            "fec0::1": "site-local",
            "ff02::1": "multicast",
            "2001:db8::1": "documentation",
            # IPv6 forms carrying a loopback / private / metadata IPv4 address
            "::ffff:127.0.0.1": "loopback",  # IPv4-mapped
            "::ffff:7f00:1": "loopback",
            "::127.0.0.1": "loopback",  # IPv4-compatible (deprecated)
            "64:ff9b::7f00:1": "loopback",  # NAT64
            "64:ff9b::a9fe:a9fe": "cloud metadata",  # NAT64 of 169.254.169.254
            "64:ff9b:1::a00:1": "private (local NAT64)",
            "2002:7f00:1::1": "loopback",  # 6to4 of 127.0.0.1
            "2002:c0a8:101::1": "private",  # 6to4 of 192.168.1.1
            "2001:0:4136:e378:8000:63bf:80ff:fffe": "loopback",  # Teredo, client 127.0.0.1
        }
        for address, kind in expected.items():
            with self.subTest(address=address):
                found = http_guard.classify(address)
                self.assertTrue(found, "%s must be refused" % address)
                self.assertEqual(found[0], kind)
        for address in ("8.8.8.8", "93.184.216.34", "2606:4700::1111", "64:ff9b::808:808", "2002:808:808::1"):
            with self.subTest(address=address):
                self.assertIsNone(http_guard.classify(address), "%s is public" % address)

    def test_odd_ipv4_spellings_name_the_address(self):
        for host in ("2130706433", "0x7f.1", "0x7f000001", "017700000001", "127.1", "0177.0.0.1"):
            with self.subTest(host=host):
                self.assertEqual(str(http_guard.odd_ipv4(host)), "127.0.0.1")
        for host in ("127.0.0.1", "8.8.8.8", "1e100.net", "sms.example.com"):
            self.assertIsNone(http_guard.odd_ipv4(host))

    def test_allow_list_syntax(self):
        entries = http_guard.parse_allow_list(
            "sms.example.com, hooks.example.com:8443\n[::1]:8080 2001:db8::5 LocalHost:99, bad:port, http://x.test"
        )
        self.assertEqual(
            [str(e) for e in entries],
            ["sms.example.com", "hooks.example.com:8443", "[::1]:8080", "[2001:db8::5]", "localhost:99"],
        )


@tagged("post_install", "-at_install")
class TestHttpGuard(TransactionCase):
    """End to end: the guard in front of real listeners on 127.0.0.1 and [::1]."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.v4 = HttpListener().start()
        cls.addClassCleanup(cls.v4.stop)
        cls.v6 = HttpListener(ipv6=True).start()
        cls.addClassCleanup(cls.v6.stop)
        cls.other = HttpListener().start()  # a redirect target / a proxy
        cls.addClassCleanup(cls.other.stop)

    def setUp(self):
        super().setUp()
        for listener in (self.v4, self.v6, self.other):
            listener.reset()

    def send(self, url, allow, **kw):
        return http_guard.send(url, allow, json={"hello": "dairy"}, setting="TEST_SETTING", **kw)

    def assert_refused(self, url, allow, message, **kw):
        with self.assertRaisesRegex(OutgoingHttpRefused, message):
            self.send(url, allow, **kw)
        self.assertEqual(self.v4.requests + self.v6.requests + self.other.requests, [], "nothing was sent")

    def test_loopback_reached_only_when_host_and_port_allowed(self):
        for listener in (self.v4, self.v6):
            with self.subTest(listener=listener.netloc):
                host = listener.host
                shown = "[::1]" if host == "::1" else host
                # nothing listed, the host alone, another port: refused, nothing reaches the listener
                for allow in ("", shown, "%s:%s" % (shown, listener.port + 1), "allowed.test"):
                    self.assert_refused(
                        listener.url,
                        allow,
                        r"is a loopback address; an administrator can allow %s:%s in TEST_SETTING"
                        % (shown.replace("[", r"\[").replace("]", r"\]"), listener.port),
                    )
                result = self.send(listener.url, "sms.example.com, %s" % listener.netloc)
                self.assertTrue(result.ok, result.describe())
                self.assertEqual(len(listener.requests), 1)
                request = listener.requests[0]
                self.assertEqual(request["path"], "/hook")
                self.assertEqual(json.loads(request["body"]), {"hello": "dairy"})
                self.assertEqual(request["headers"]["host"], listener.netloc)
                self.assertEqual(result.json(), {"status": "ok"})
                listener.reset()

    def test_backslash_url_is_refused(self):
        # urllib3 (what requests uses) connects to 127.0.0.1 here, while urlsplit sees allowed.test
        url = "http://127.0.0.1:%s\\@allowed.test/" % self.v4.port
        self.assertEqual(parse_url(url).host, "127.0.0.1")
        self.assertEqual(urlsplit(url).hostname, "allowed.test")
        self.assert_refused(url, "allowed.test, allowed.test:80", "contains a backslash")

    def test_userinfo_tricks_are_refused(self):
        for url in (
            "http://allowed.test@127.0.0.1:%s/" % self.v4.port,
            "http://allowed.test:80@127.0.0.1:%s/" % self.v4.port,
            "http://user:secret@allowed.test:%s/" % self.v4.port,
        ):
            with self.subTest(url=url):
                self.assert_refused(url, "allowed.test, allowed.test:%s" % self.v4.port, "before '@'")

    def test_every_loopback_spelling_is_refused_end_to_end(self):
        port = self.v4.port
        allow = "127.0.0.1:%s, [::1]:%s" % (port, self.v6.port)  # the canonical forms are allowed...
        # ...and no other spelling of them opens the listener
        for host, message in (
            ("2130706433", "unusual spelling of an IPv4 address \\(127.0.0.1\\)"),
            ("0x7f.1", "unusual spelling"),
            ("017700000001", "unusual spelling"),
            ("127.1", "unusual spelling"),
            ("0.0.0.0", "unspecified address, which cannot receive a request"),
            ("[::ffff:127.0.0.1]", "IPv6 form of 127.0.0.1, which is a loopback address"),
            ("[::127.0.0.1]", "IPv6 form of 127.0.0.1"),
            ("[64:ff9b::7f00:1]", "IPv6 form of 127.0.0.1"),
            ("[2002:7f00:1::1]", "IPv6 form of 127.0.0.1"),
            ("[2001:0:4136:e378:8000:63bf:80ff:fffe]", "IPv6 form of 127.0.0.1"),
            ("[::]", "unspecified address"),
            ("[fe80::1%25lo]", "names a network interface"),
            ("169.254.169.254", "cloud metadata address"),
            ("10.0.0.1", "private address"),
        ):
            with self.subTest(host=host):
                self.assert_refused("http://%s:%s/hook" % (host, port), allow, message)
        # 0.0.0.0 stays refused even listed: it is this machine
        self.assert_refused("http://0.0.0.0:%s/hook" % port, "0.0.0.0:%s" % port, "unspecified")

    def test_names_are_resolved_and_checked(self):
        # localhost listed as a host (https, public addresses): it resolves to loopback, refused
        self.assert_refused(
            "https://localhost:%s/hook" % self.v4.port,
            "localhost",
            "host localhost resolves to 127.0.0.1, a loopback address; an administrator can allow localhost:%s"
            % self.v4.port,
        )
        self.assert_refused("http://localhost:%s/hook" % self.v4.port, "localhost", "not encrypted")
        # any name resolving to a non-public address, whatever it looks like
        calls = []
        resolver = _resolver({"hooks.example.com": "127.0.0.1", "cloud.example.com": "fd00:ec2::254"}, calls)
        self.assert_refused(
            "https://hooks.example.com:%s/hook" % self.v4.port,
            "hooks.example.com",
            "resolves to 127.0.0.1, a loopback address",
            resolver=resolver,
        )
        self.assert_refused(
            "https://cloud.example.com/", "cloud.example.com", "resolves to fd00:ec2::254", resolver=resolver
        )
        # listed with its port, it is reached
        result = self.send("http://localhost:%s/hook" % self.v4.port, "localhost:%s" % self.v4.port)
        self.assertTrue(result.ok, result.describe())
        self.assertEqual(self.v4.requests[0]["headers"]["host"], "localhost:%s" % self.v4.port)

    def test_resolved_once_and_connected_to_the_checked_address(self):
        # a resolver that would answer differently a second time (DNS rebinding)
        calls = []
        answers = iter(["127.0.0.1", "10.9.9.9"])

        def rebinding(host, port, *_args):
            calls.append(host)
            return [(2, 1, 6, "", (next(answers), port))]

        result = self.send(
            "http://pinned.test:%s/hook?x=1" % self.v4.port,
            "pinned.test:%s" % self.v4.port,
            resolver=rebinding,
        )
        self.assertTrue(result.ok, result.describe())
        self.assertEqual(calls, ["pinned.test"], "resolved exactly once")
        self.assertEqual(result.address, "127.0.0.1")
        request = self.v4.requests[0]
        self.assertEqual(
            request["headers"]["host"], "pinned.test:%s" % self.v4.port, "the URL's Host is sent"
        )
        self.assertEqual(request["path"], "/hook?x=1")

    def test_https_checks_the_certificate_of_the_url_name(self):
        certfile, keyfile = _self_signed("pinned.test")
        tls = HttpListener(certfile=certfile, keyfile=keyfile).start()
        self.addCleanup(tls.stop)
        resolver = _resolver({"pinned.test": "127.0.0.1", "other.test": "127.0.0.1"}, [])
        allow = "pinned.test:%s, other.test:%s" % (tls.port, tls.port)
        result = self.send(
            "https://pinned.test:%s/hook" % tls.port, allow, resolver=resolver, cafile=certfile
        )
        self.assertTrue(result.ok, result.describe())
        self.assertEqual(tls.requests[0]["headers"]["host"], "pinned.test:%s" % tls.port)
        # the same address under another name: the certificate does not match, nothing is sent
        result = self.send("https://other.test:%s/hook" % tls.port, allow, resolver=resolver, cafile=certfile)
        self.assertFalse(result.ok)
        self.assertIn("other.test", result.error)
        self.assertEqual(len(tls.requests), 1)
        # an unknown certificate is refused too
        result = self.send("https://pinned.test:%s/hook" % tls.port, allow, resolver=resolver)
        self.assertIn("CERTIFICATE_VERIFY_FAILED", result.error)
        self.assertEqual(len(tls.requests), 1)

    def test_http_needs_host_and_port_in_the_allow_list(self):
        calls = []
        resolver = _resolver({"hooks.example.com": "127.0.0.1"}, calls)
        self.assert_refused(
            "http://hooks.example.com/hook",
            "hooks.example.com",
            r"not encrypted \(http\): use https, or an administrator can allow hooks.example.com:80",
            resolver=resolver,
        )
        self.assertEqual(calls, [], "refused before any resolution")
        self.assert_refused(
            "http://elsewhere.example.com/", "hooks.example.com", "host elsewhere.example.com is not allowed"
        )

    def test_redirects_are_not_followed(self):
        self.v4.answer = {"status": 302, "headers": {"Location": self.other.url}, "body": b""}
        allow = "%s, %s" % (self.v4.netloc, self.other.netloc)
        result = self.send(self.v4.url, allow)
        self.assertEqual(result.status, 302)
        self.assertFalse(result.ok)
        self.assertEqual(result.redirect, self.other.url)
        self.assertIn("not followed", result.describe())
        self.assertEqual(len(self.v4.requests), 1)
        time.sleep(0.2)
        self.assertEqual(self.other.requests, [], "the redirect target saw nothing")

    def test_proxy_environment_is_ignored(self):
        proxy = "http://%s" % self.other.netloc
        saved = {
            name: os.environ.get(name)
            for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy")
        }
        os.environ.update(HTTP_PROXY=proxy, HTTPS_PROXY=proxy, ALL_PROXY=proxy, http_proxy=proxy, NO_PROXY="")
        try:
            result = self.send(self.v4.url, self.v4.netloc)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        self.assertTrue(result.ok, result.describe())
        self.assertEqual(len(self.v4.requests), 1)
        self.assertEqual(self.other.requests, [], "the proxy saw nothing")

    def test_response_body_is_cut_and_only_an_excerpt_kept(self):
        self.v4.answer = {"status": 500, "body": b"x" * 300_000}
        result = self.send(self.v4.url, self.v4.netloc, max_bytes=2000)
        self.assertEqual(result.status, 500)
        self.assertTrue(result.truncated)
        self.assertEqual(len(result.body), 2000)
        self.assertLessEqual(len(result.excerpt), http_guard.EXCERPT_CHARS + 1)
        self.assertLessEqual(len(result.describe()), http_guard.EXCERPT_CHARS + 20)

    def test_timeout_bounds_the_whole_exchange(self):
        # a server that answers late
        self.v4.answer = {"status": 200, "body": b"late", "delay": 3}
        result = self.send(self.v4.url, self.v4.netloc, timeout=0.5)
        self.assertIn("no complete answer within 0.5 s", result.error)
        self.assertLess(result.duration, 2.5, "well before the server's 3 s")
        # a server that drips its body one byte at a time, each within the socket timeout
        self.v4.answer = {"status": 200, "body": b"y" * 100, "drip": 0.1}
        result = self.send(self.v4.url, self.v4.netloc, timeout=0.8)
        self.assertIn("no complete answer within 0.8 s", result.error)
        self.assertLess(result.duration, 3, "well before the 10 s the body takes")
        self.assertEqual(len(self.v4.requests), 2)

    def test_connection_refused_is_an_error_not_an_exception(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        result = self.send("http://127.0.0.1:%s/x" % port, "127.0.0.1:%s" % port)
        self.assertFalse(result.ok)
        self.assertIn("Connection refused", result.error)


@tagged("post_install", "-at_install")
class TestWebhookAction(WorkflowCase):
    """The webhook server action sends Odoo's payload through the guard."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.listener = HttpListener().start()
        cls.addClassCleanup(cls.listener.stop)

    def setUp(self):
        super().setUp()
        self.listener.reset()

    def test_loopback_webhook_refused_unless_allowed(self):
        action = self.action("Hook", state="webhook", webhook_url=self.listener.url)
        self.transitions["Submit"].action_ids = action
        inst = self.start()
        # the host alone (as allowed before host:port entries existed) does not open loopback
        self.env["ir.config_parameter"].set_param(PARAM, "127.0.0.1")
        with self.assertRaisesRegex(
            UserError, "is a loopback address; an administrator can allow 127.0.0.1:%s" % self.listener.port
        ):
            inst.fire(self.transitions["Submit"].id)
        self.assertEqual(inst.current_state_id.code, "draft", "the transition was rolled back")
        self.assertEqual(self.listener.requests, [])
        # allowed with its port: Odoo's payload arrives
        self.env["ir.config_parameter"].set_param(PARAM, "127.0.0.1:%s" % self.listener.port)
        inst.fire(self.transitions["Submit"].id)
        self.assertEqual(inst.current_state_id.code, "review")
        self.assertEqual(len(self.listener.requests), 1)
        request = self.listener.requests[0]
        self.assertEqual(request["headers"]["content-type"], "application/json")
        self.assertEqual(
            json.loads(request["body"]),
            {"_action": "Hook(#%s)" % action.id, "_id": self.partner.id, "_model": "res.partner"},
        )

    def test_failing_receiver_is_logged_not_raised(self):
        # Odoo's "send and forget": an error answer does not block the transition
        self.env["ir.config_parameter"].set_param(PARAM, self.listener.netloc)
        self.listener.answer = {"status": 302, "headers": {"Location": "http://127.0.0.1:9/"}, "body": b""}
        action = self.action("Hook", state="webhook", webhook_url=self.listener.url)
        self.transitions["Submit"].action_ids = action
        inst = self.start()
        with self.assertLogs("odoo.addons.workflow_automation.models.ir_actions_server", "WARNING") as logs:
            inst.fire(self.transitions["Submit"].id)
        self.assertIn("redirect to http://127.0.0.1:9/ not followed", logs.output[0])
        self.assertEqual(inst.current_state_id.code, "review")
