"""Real local servers for the tests and the benchmark: an SMTP sink and an HTTP gateway.

Standard library only.  Both run in a daemon thread on 127.0.0.1 and record
what they receive.
"""

import email
import json
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _bind(server_cls, handler, first_port, tries=40):
    last = None
    for port in range(first_port, first_port + tries):
        try:
            return server_cls(("127.0.0.1", port), handler)
        except OSError as exc:
            last = exc
    raise last


class _SMTPHandler(socketserver.StreamRequestHandler):
    def _reply(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        sink = self.server.sink
        with sink._lock:
            sink.connections += 1
        self._reply("220 localhost sink ready")
        mail_from, rcpts = None, []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            cmd = line[:4].upper()
            if cmd in ("EHLO", "HELO"):
                if cmd == "EHLO":
                    self._reply("250-localhost")
                    self._reply("250-8BITMIME")
                    self._reply("250 SMTPUTF8")
                else:
                    self._reply("250 localhost")
            elif cmd == "MAIL":
                if sink.refuse:
                    self._reply("550 sink refuses mail")
                    continue
                mail_from, rcpts = line[10:].strip(), []
                self._reply("250 OK")
            elif cmd == "RCPT":
                rcpts.append(line[8:].strip())
                self._reply("250 OK")
            elif cmd == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while True:
                    data = self.rfile.readline()
                    if not data or data in (b".\r\n", b".\n"):
                        break
                    if data.startswith(b".."):
                        data = data[1:]
                    chunks.append(data)
                message = email.message_from_bytes(b"".join(chunks))
                sink._record(mail_from, rcpts, message)
                if sink._drop_now():
                    return  # received, but the answer never comes: the connection breaks
                self._reply("250 OK queued")
            elif cmd == "RSET":
                mail_from, rcpts = None, []
                self._reply("250 OK")
            elif cmd == "NOOP":
                self._reply("250 OK")
            elif cmd == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")


class _ThreadingTCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SMTPSink:
    """A minimal SMTP server keeping every message it accepts."""

    def __init__(self, first_port=2526):
        self.messages = []
        self.refuse = False
        # break the connection right after receiving the message number ``drop_after`` (once)
        self.drop_after = None
        self.connections = 0
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self.server = _bind(_ThreadingTCPServer, _SMTPHandler, first_port)
        self.server.sink = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _drop_now(self):
        with self._lock:
            if self.drop_after is not None and len(self.messages) >= self.drop_after:
                self.drop_after = None
                return True
            return False

    def message_ids(self):
        """``{Message-Id: times received}``."""
        counts = {}
        with self._lock:
            for received in self.messages:
                key = received["message"]["Message-Id"]
                counts[key] = counts.get(key, 0) + 1
        return counts

    def _record(self, mail_from, rcpts, message):
        with self._arrived:
            self.messages.append({"from": mail_from, "to": rcpts, "message": message, "at": time.time()})
            self._arrived.notify_all()

    def wait_for(self, count, timeout=30):
        deadline = time.time() + timeout
        with self._arrived:
            while len(self.messages) < count and time.time() < deadline:
                self._arrived.wait(max(0.0, deadline - time.time()))
            return len(self.messages) >= count

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class _GatewayHandler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        return

    def do_POST(self):
        gateway = self.server.gateway
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = None
        status, answer = gateway._answer()
        gateway._record(
            {
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "json": payload,
                "status": status,
                "at": time.time(),
            }
        )
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class HTTPGateway:
    """An SMS/push gateway on loopback: records requests, answers from a script of statuses."""

    def __init__(self, first_port=18390):
        self.requests = []
        self.script = []  # list of (status, json answer) used first, then the default
        self.default = (200, {"status": "delivered"})
        self._lock = threading.Condition()
        self.server = _bind(ThreadingHTTPServer, _GatewayHandler, first_port)
        self.server.daemon_threads = True
        self.server.gateway = self
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%s/send" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _answer(self):
        with self._lock:
            return self.script.pop(0) if self.script else self.default

    def _record(self, entry):
        with self._lock:
            self.requests.append(entry)
            self._lock.notify_all()

    def wait_for(self, count, timeout=30):
        deadline = time.time() + timeout
        with self._lock:
            while len(self.requests) < count and time.time() < deadline:
                self._lock.wait(max(0.0, deadline - time.time()))
            return len(self.requests) >= count

    def keys(self):
        return [r["headers"].get("idempotency-key") for r in self.requests]

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def free_port(first_port):
    """A TCP port on loopback nobody listens to (for 'connection refused' tests)."""
    for port in range(first_port, first_port + 50):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise OSError("no free port")
