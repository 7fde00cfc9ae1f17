"""A real HTTP(S) listener on loopback for the tests of the outgoing-HTTP guard.

Standard library only.  It runs in a daemon thread on ``127.0.0.1:0`` or
``[::1]:0``, records every request it receives (method, path, headers, body)
and answers what the test scripts: a status, headers (``Location``), a body
of any size, a delay before answering or a body dripped slowly.  Other addons'
tests may import it (``odoo.addons.workflow_automation.tests.http_listener``).
"""

import json
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        return

    def _serve(self):
        listener = self.server.listener
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        listener._record(
            {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
                "at": time.time(),
            }
        )
        answer = listener.answer
        if answer.get("delay"):
            time.sleep(answer["delay"])
        data = answer.get("body", b"")
        if isinstance(data, (dict, list)):
            data = json.dumps(data).encode()
        elif isinstance(data, str):
            data = data.encode()
        self.send_response(answer.get("status", 200))
        for key, value in answer.get("headers", {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        drip = answer.get("drip")
        try:
            if drip:
                for byte in data:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(drip)
            else:
                self.wfile.write(data)
        except OSError:
            return  # the client gave up (as it should past its limits)

    do_POST = _serve
    do_GET = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], OSError):
            return  # the client closed early, as the guard does past its limits
        super().handle_error(request, client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


class HttpListener:
    """``HttpListener().start()``; ``.url`` (``http://127.0.0.1:<port>/hook``), ``.requests``."""

    def __init__(self, ipv6=False, certfile=None, keyfile=None):
        self.requests = []
        self.answer = {
            "status": 200,
            "body": {"status": "ok"},
            "headers": {"Content-Type": "application/json"},
        }
        self._lock = threading.Condition()
        self.host = "::1" if ipv6 else "127.0.0.1"
        self.server = (_Server6 if ipv6 else _Server)((self.host, 0), _Handler)
        self.server.listener = self
        if certfile:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certfile, keyfile)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.netloc = "%s:%s" % ("[::1]" if ipv6 else "127.0.0.1", self.port)
        self.url = "%s://%s/hook" % ("https" if certfile else "http", self.netloc)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _record(self, entry):
        with self._lock:
            self.requests.append(entry)
            self._lock.notify_all()

    def reset(self):
        with self._lock:
            self.requests.clear()
        self.answer = {
            "status": 200,
            "body": {"status": "ok"},
            "headers": {"Content-Type": "application/json"},
        }

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
