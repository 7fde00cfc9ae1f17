"""The one guard every outgoing HTTP request of the suite goes through.

Webhook actions, SMS/push gateways and the audit checkpoint POST call
:func:`send` (or the ``workflow.http`` model, which reads the allow-list from a
system parameter).  The guard:

* parses the URL with urllib3's parser, the one ``requests`` uses, and refuses
  what different parsers read differently (a backslash, credentials before
  ``@``, control characters, an IPv6 zone);
* refuses loopback, private, link-local, shared (CGNAT), multicast, reserved,
  documentation and cloud metadata addresses in every IPv4 and IPv6 form
  (IPv4-mapped, IPv4-compatible, 6to4, NAT64 ``64:ff9b::/96``, Teredo) and odd
  IPv4 spellings (``2130706433``, ``0x7f.1``, ``017700000001``, ``127.1``);
* resolves the name once, checks every address and connects to a checked
  address, sending the original ``Host`` header and, for https, the original
  name as SNI and for the certificate check;
* follows no redirect, reads no proxy from the environment, stops reading the
  response after ``max_bytes`` and the whole exchange after ``timeout``.

The allow-list has two kinds of entries (comma or whitespace separated):

``host``
    requests to ``host`` over https, any port, when every address it resolves
    to is public;
``host:port``
    requests to exactly that host and port, over http or https, whatever its
    address (loopback and private addresses included).  IPv6:
    ``[2001:db8::5]:8443``.

Everything else is refused with an :class:`OutgoingHttpRefused` (a
``UserError``) whose sentence names the refused part of the URL and why.
"""

import contextlib
import http.client
import ipaddress
import json as jsonlib
import logging
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from odoo import _
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
MAX_TIMEOUT = 120.0
DEFAULT_MAX_BYTES = 64 * 1024
EXCERPT_CHARS = 300
DEFAULT_PORTS = {"http": 80, "https": 443}
USER_AGENT = "Odoo-workflow-suite"

# addresses a cloud instance reaches its metadata service (credentials) on
METADATA_ADDRESSES = {
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean...
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.123",  # AWS time sync
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
        "fd00:ec2::254",  # AWS IPv6
    )
}
# (network, kind) checked in order; anything not listed and not global is "reserved"
_V4_RANGES = [
    ("0.0.0.0/8", "unspecified"),
    ("127.0.0.0/8", "loopback"),
    ("10.0.0.0/8", "private"),
    ("172.16.0.0/12", "private"),
    ("192.168.0.0/16", "private"),
    ("100.64.0.0/10", "shared (carrier-grade NAT)"),
    ("169.254.0.0/16", "link-local"),
    ("192.0.0.0/24", "reserved"),
    ("192.0.2.0/24", "documentation"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("198.18.0.0/15", "benchmarking"),
    ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "broadcast"),
    ("240.0.0.0/4", "reserved"),
]
_V6_RANGES = [
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("fc00::/7", "private (unique local)"),
    ("ff00::/8", "multicast"),
    ("64:ff9b:1::/48", "private (local NAT64)"),
    ("2001:db8::/32", "documentation"),
    ("100::/64", "reserved (discard-only)"),
]
V4_RANGES = [(ipaddress.ip_network(n), kind) for n, kind in _V4_RANGES]
V6_RANGES = [(ipaddress.ip_network(n), kind) for n, kind in _V6_RANGES]
# forms of IPv6 that carry an IPv4 address a packet may end up at
NAT64 = ipaddress.ip_network("64:ff9b::/96")
MAPPED = ipaddress.ip_network("::ffff:0:0/96")
COMPATIBLE = ipaddress.ip_network("::/96")
SIXTOFOUR = ipaddress.ip_network("2002::/16")
TEREDO = ipaddress.ip_network("2001::/32")
# never a destination, even allow-listed: these are not one host
NEVER = {"unspecified", "multicast", "broadcast"}
_ODD_IPV4 = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.IGNORECASE)
_CANONICAL_IPV4 = re.compile(
    r"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$"
)


class OutgoingHttpRefused(UserError):
    """The guard refused a URL; the message names the part refused and why."""


# ---------------------------------------------------------------------------
# addresses
# ---------------------------------------------------------------------------
def classify(address):
    """``None`` when ``address`` (str or ip_address) is a public unicast address,
    else ``(kind, embedded)``: what it is (``"loopback"``, ``"private"``...) and,
    for an IPv6 form carrying an IPv4 address, that IPv4 address."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if ip.version == 6:
        ip = ipaddress.IPv6Address(int(ip))  # drop a scope id
        embedded = None
        if ip in MAPPED:
            embedded = ip.ipv4_mapped
        elif ip in NAT64 or (ip in COMPATIBLE and int(ip) > 1):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        elif ip in SIXTOFOUR:
            embedded = ip.sixtofour
        elif ip in TEREDO:
            server, client = ip.teredo
            for inner in (client, server):
                found = classify(inner)
                if found:
                    return found[0], inner
            return None
        if embedded is not None:
            found = classify(embedded)
            return (found[0], embedded) if found else None
        if ip in METADATA_ADDRESSES:
            return "cloud metadata", None
        for network, kind in V6_RANGES:
            if ip in network:
                return kind, None
        return None if ip.is_global else ("reserved", None)
    if ip in METADATA_ADDRESSES:
        return "cloud metadata", None
    for network, kind in V4_RANGES:
        if ip in network:
            return kind, None
    return None if ip.is_global else ("reserved", None)


def odd_ipv4(host):
    """The address an unusual IPv4 spelling (``2130706433``, ``0x7f.1``, ``127.1``,
    ``017700000001``) stands for, else ``None``.  Canonical dotted quads are not odd."""
    if not _ODD_IPV4.match(host) or _CANONICAL_IPV4.match(host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
    except OSError:
        return "invalid"


# ---------------------------------------------------------------------------
# allow-list
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class AllowEntry:
    host: str
    port: int = None  # None: https to public addresses on any port

    def __str__(self):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "%s:%s" % (host, self.port) if self.port else host


def _norm_host(host):
    host = (host or "").strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host or _CANONICAL_IPV4.match(host):
        try:
            return str(ipaddress.ip_address(host))
        except ValueError:
            return host  # not an address: refused by the checks that follow
    try:
        return host.encode("idna").decode("ascii") if host else host
    except UnicodeError:
        return host


def parse_allow_list(value):
    """Entries of a comma/whitespace separated allow-list; bad entries are logged and skipped."""
    entries = []
    for raw in re.split(r"[\s,]+", value or ""):
        if not raw:
            continue
        text = raw.strip().lower()
        host, port = text, None
        match = re.match(r"^\[([0-9a-f:.]+)\](?::(\d+))?$", text)
        if match:
            host, port = match.group(1), match.group(2)
        elif text.count(":") == 1:
            host, port = text.split(":")
        if not host or (port is not None and not (port.isdigit() and 0 < int(port) < 65536)) or "/" in host:
            _logger.warning("outgoing HTTP allow-list: entry %r ignored (write host or host:port)", raw)
            continue
        entries.append(AllowEntry(_norm_host(host), int(port) if port else None))
    return entries


# ---------------------------------------------------------------------------
# the check
# ---------------------------------------------------------------------------
@dataclass
class Target:
    """A checked destination: connect to ``addresses`` only, send ``host_header``."""

    url: str
    scheme: str
    host: str
    port: int
    request_uri: str
    addresses: list = field(default_factory=list)
    entry: AllowEntry = None

    @property
    def host_header(self):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else "%s:%s" % (host, self.port)


def _where(setting):
    return setting or _("the outgoing HTTP allow-list")


def check_url(url, allow_list, setting=None, purpose=None, resolve=True, resolver=None):
    """Check ``url`` against ``allow_list`` (entries or text) and return its :class:`Target`.

    ``setting`` names where an administrator edits the allow-list, ``purpose``
    what sends ("webhook", "SMS gateway") for the messages.  With ``resolve`` the
    name is resolved once (``resolver`` defaults to ``socket.getaddrinfo``) and
    every address checked; without it only what the URL itself shows is checked
    (for a check when a URL is saved).
    """
    if isinstance(allow_list, str) or allow_list is None:
        allow_list = parse_allow_list(allow_list)
    purpose = purpose or _("outgoing request")
    where = _where(setting)
    text = (url or "").strip()
    if not text:
        raise OutgoingHttpRefused(_("The %s URL is empty.", purpose))
    if "\\" in text:
        raise OutgoingHttpRefused(
            _(
                "The %(purpose)s URL %(url)s contains a backslash, which HTTP clients read in different "
                "ways; write %%5C if it belongs to the path.",
                purpose=purpose,
                url=text,
            )
        )
    if re.search(r"[\x00-\x20\x7f]", text):
        raise OutgoingHttpRefused(
            _("The %(purpose)s URL %(url)r contains spaces or control characters.", purpose=purpose, url=text)
        )
    try:
        parsed = parse_url(text)
    except (LocationParseError, ValueError) as exc:
        raise OutgoingHttpRefused(
            _("The %(purpose)s URL %(url)s cannot be read.", purpose=purpose, url=text)
        ) from exc
    scheme = (parsed.scheme or "").lower()
    if scheme not in DEFAULT_PORTS or "://" not in text:
        raise OutgoingHttpRefused(
            _("The %(purpose)s URL %(url)s must start with https:// (or http://).", purpose=purpose, url=text)
        )
    if parsed.auth is not None or "@" in re.split(r"[/?#]", text.split("://", 1)[1], maxsplit=1)[0]:
        raise OutgoingHttpRefused(
            _(
                "The %(purpose)s URL %(url)s carries a user name or password before '@'; credentials do not "
                "belong in a URL (they end up in logs) and the part before '@' is often mistaken for the host.",
                purpose=purpose,
                url=text,
            )
        )
    raw_host = parsed.host or ""
    if not raw_host:
        raise OutgoingHttpRefused(_("The %(purpose)s URL %(url)s has no host.", purpose=purpose, url=text))
    if "%" in raw_host:
        raise OutgoingHttpRefused(
            _(
                "The host %(host)s of the %(purpose)s URL names a network interface.",
                host=raw_host,
                purpose=purpose,
            )
        )
    host = _norm_host(raw_host)
    port = DEFAULT_PORTS[scheme] if parsed.port is None else parsed.port
    if not 0 < port < 65536:
        raise OutgoingHttpRefused(
            _("The %(purpose)s URL %(url)s has no valid port.", purpose=purpose, url=text)
        )
    odd = odd_ipv4(host)
    if odd:
        raise OutgoingHttpRefused(
            _(
                "The host %(host)s of the %(purpose)s URL is an unusual spelling of an IPv4 address "
                "(%(address)s); write the address in dotted form.",
                host=raw_host,
                purpose=purpose,
                address=odd,
            )
        )
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    exact = next((e for e in allow_list if e.host == host and e.port == port), None)
    named = next((e for e in allow_list if e.host == host and e.port is None), None)
    shown = "[%s]:%s" % (host, port) if ":" in host else "%s:%s" % (host, port)

    def check_address(ip):
        found = classify(ip)
        if not found or (exact and found[0] not in NEVER):
            return
        kind, embedded = found
        what = _("%(article)s %(kind)s address", article="an" if kind[0] in "aeiou" else "a", kind=kind)
        if embedded is not None:
            what = _("an IPv6 form of %(embedded)s, which is %(what)s", embedded=embedded, what=what)
        if kind in NEVER:
            raise OutgoingHttpRefused(
                _(
                    "%(address)s in the %(purpose)s URL %(url)s is %(what)s, which cannot receive a request.",
                    address=ip,
                    purpose=purpose,
                    url=text,
                    what=what,
                )
            )
        if ip == literal:
            raise OutgoingHttpRefused(
                _(
                    "%(address)s in the %(purpose)s URL %(url)s is %(what)s; an administrator can allow "
                    "%(entry)s in %(where)s.",
                    address=ip,
                    purpose=purpose,
                    url=text,
                    what=what,
                    entry=shown,
                    where=where,
                )
            )
        raise OutgoingHttpRefused(
            _(
                "The %(purpose)s host %(host)s resolves to %(address)s, %(what)s; an administrator can allow "
                "%(entry)s in %(where)s.",
                purpose=purpose,
                host=host,
                address=ip,
                what=what,
                entry=shown,
                where=where,
            )
        )

    if literal is not None:
        check_address(literal)
    if not exact and not named:
        raise OutgoingHttpRefused(
            _(
                "The %(purpose)s host %(host)s is not allowed: an administrator can add %(host)s (https, public "
                "addresses) or %(entry)s (this port only, any address) to %(where)s.",
                purpose=purpose,
                host=host,
                entry=shown,
                where=where,
            )
        )
    if scheme == "http" and not exact:
        raise OutgoingHttpRefused(
            _(
                "The %(purpose)s URL %(url)s is not encrypted (http): use https, or an administrator can allow "
                "%(entry)s in %(where)s.",
                purpose=purpose,
                url=text,
                entry=shown,
                where=where,
            )
        )
    target = Target(
        url=text,
        scheme=scheme,
        host=host,
        port=port,
        request_uri=parsed.request_uri or "/",
        entry=exact or named,
    )
    if not resolve:
        return target
    if literal is not None:
        target.addresses = [literal]
        return target
    resolver = resolver or socket.getaddrinfo
    try:
        infos = resolver(host, port, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise OutgoingHttpRefused(
            _(
                "The %(purpose)s host %(host)s cannot be resolved: %(error)s",
                purpose=purpose,
                host=host,
                error=exc,
            )
        ) from exc
    addresses = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise OutgoingHttpRefused(
            _("The %(purpose)s host %(host)s has no address.", purpose=purpose, host=host)
        )
    for ip in addresses:
        check_address(ip)
    target.addresses = addresses
    return target


# ---------------------------------------------------------------------------
# sending
# ---------------------------------------------------------------------------
@dataclass
class Result:
    """What came back: never more of the body than ``max_bytes`` (``excerpt`` is what to store)."""

    url: str
    status: int = 0
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    truncated: bool = False
    duration: float = 0.0
    error: str = ""
    address: str = ""
    timed_out: bool = False

    @property
    def ok(self):
        return not self.error and 200 <= self.status < 300

    @property
    def excerpt(self):
        text = self.body[: EXCERPT_CHARS * 4].decode("utf-8", "replace")
        cut = self.truncated or len(text) > EXCERPT_CHARS or len(self.body) > EXCERPT_CHARS * 4
        return text[:EXCERPT_CHARS] + ("…" if cut else "")

    @property
    def redirect(self):
        return self.headers.get("location") if 300 <= self.status < 400 else None

    def json(self):
        try:
            return jsonlib.loads(self.body) if self.body and not self.truncated else None
        except ValueError:
            return None

    def describe(self):
        """One line for a log or an error field."""
        if self.error:
            return self.error
        if self.redirect:
            return "HTTP %s, redirect to %s not followed" % (self.status, self.redirect)
        return "HTTP %s: %s" % (self.status, self.excerpt)


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to a checked address that keeps the URL's host name
    for the Host header, SNI and the certificate check."""

    def __init__(self, target, address, timeout, ssl_context=None):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = str(address)
        self._ssl_context = ssl_context

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._ssl_context is not None:
            sock = self._ssl_context.wrap_socket(sock, server_hostname=self.host)
        self.sock = sock

    def expire(self, event):
        """Called by a timer at the deadline: wake up whatever read or write is blocked."""
        event.set()
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing to wake up
                sock.shutdown(socket.SHUT_RDWR)


def _ssl_context(cafile=None):
    context = ssl.create_default_context(cafile=cafile)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def send(
    url,
    allow_list,
    method="POST",
    json=None,
    data=None,
    headers=None,
    timeout=DEFAULT_TIMEOUT,
    max_bytes=DEFAULT_MAX_BYTES,
    setting=None,
    purpose=None,
    resolver=None,
    cafile=None,
):
    """Check ``url`` (see :func:`check_url`), send one request and return a :class:`Result`.

    Refusals raise :class:`OutgoingHttpRefused` before anything is sent; network
    failures, time-outs and TLS errors come back in ``Result.error``.  ``json``
    is serialised (``default=str``), ``data`` sent as is (a dict form-encoded).
    ``timeout`` bounds the whole exchange, connection included.
    """
    timeout = min(max(float(timeout or DEFAULT_TIMEOUT), 0.05), MAX_TIMEOUT)
    target = check_url(url, allow_list, setting=setting, purpose=purpose, resolver=resolver)
    body = None
    send_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if json is not None:
        body = jsonlib.dumps(json, default=str).encode()
        send_headers["Content-Type"] = "application/json"
    elif isinstance(data, dict):
        body = urlencode(data).encode()
        send_headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif data is not None:
        body = data.encode() if isinstance(data, str) else bytes(data)
    for key, value in (headers or {}).items():
        if key.lower() == "host":
            continue  # the Host header is the URL's, always
        send_headers[key] = value
    result = Result(url=target.url)
    start = time.monotonic()
    deadline = start + timeout
    context = _ssl_context(cafile) if target.scheme == "https" else None
    errors = []
    for address in target.addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        conn = _PinnedConnection(target, address, remaining, context)
        # a hard deadline: a server dripping bytes cannot hold the request past ``timeout``
        expired = threading.Event()
        timer = threading.Timer(remaining, conn.expire, (expired,))
        timer.daemon = True
        timer.start()
        try:
            try:
                conn.connect()
            except OSError as exc:
                errors.append("%s: %s" % (address, exc))
                continue
            result.address = str(address)
            conn.putrequest(method, target.request_uri, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", target.host_header)
            for key, value in send_headers.items():
                conn.putheader(key, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            response = conn.getresponse()
            result.status = response.status
            result.headers = {k.lower(): v for k, v in response.getheaders()}
            chunks, size = [], 0
            while size <= max_bytes:
                chunk = response.read(min(65536, max_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            data_read = b"".join(chunks)
            result.truncated = len(data_read) > max_bytes
            result.body = data_read[:max_bytes]
        except (OSError, http.client.HTTPException, ValueError) as exc:
            result.error = "%s: %s" % (type(exc).__name__, exc)
        finally:
            timer.cancel()
            conn.close()
        if expired.is_set() or isinstance(result.error, str) and "timed out" in result.error:
            result.error = _("no complete answer within %s s", round(timeout, 2))
            result.timed_out = True
        break
    else:
        result.error = "; ".join(errors) or _("no address to connect to")
    if not result.address and not result.error:
        result.error = _("no complete answer within %s s", round(timeout, 2))
        result.timed_out = True
    result.duration = time.monotonic() - start
    _logger.info(
        "outgoing %s %s://%s%s -> %s (%s, %.3f s)",  # no query string: it may hold a key
        method,
        target.scheme,
        target.host_header,
        target.request_uri.split("?", 1)[0],
        result.address or "-",
        result.error or result.status,
        result.duration,
    )
    return result
