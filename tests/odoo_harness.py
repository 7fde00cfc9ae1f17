"""Start and drive a real Odoo 17 server for the integration suites and the benchmarks."""

import os
import socket
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ODOO_PATH = os.environ.get("ODOO_PATH", "/opt/odoo17")
PYTHON = os.environ.get("ODOO_PYTHON", sys.executable)
DB_ARGS = ["--db_host=127.0.0.1", f"--db_user={os.environ.get('PGUSER', 'odoo')}"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def addons_path():
    paths = [f"{ODOO_PATH}/odoo/addons"]
    if os.path.isdir(f"{ODOO_PATH}/addons"):
        paths.append(f"{ODOO_PATH}/addons")
    paths.append(str(REPO / "addons"))
    return ",".join(paths)


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise TimeoutError(f"{what} did not come up within {timeout}s")


def install(dbname, modules, demo=False, log=None):
    """Create ``dbname`` and install ``modules`` (comma separated)."""
    subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "odoo", dbname], check=True)
    cmd = [
        PYTHON,
        f"{ODOO_PATH}/odoo-bin",
        f"--addons-path={addons_path()}",
        *DB_ARGS,
        "-d",
        dbname,
        "-i",
        modules,
        "--stop-after-init",
        "--http-port=0",
        "--log-level=warn",
    ]
    if not demo:
        cmd.append("--without-demo=all")
    with open(log or os.devnull, "w", encoding="utf-8") as out:
        subprocess.run(cmd, check=True, cwd=ODOO_PATH, stdout=out, stderr=subprocess.STDOUT)


_IN_PROCESS = {}


def registry_in_process(dbname):
    """Odoo's registry of ``dbname`` in this (pytest) process.

    Odoo's configuration can be parsed only once per process (a second
    ``parse_config`` fails), so every suite that opens a registry goes through here.
    """
    if ODOO_PATH not in sys.path:
        sys.path.insert(0, ODOO_PATH)
    import odoo  # pylint: disable=import-outside-toplevel

    if not _IN_PROCESS:
        odoo.tools.config.parse_config(["--addons-path", addons_path(), *DB_ARGS, "-d", dbname])
        _IN_PROCESS["parsed"] = True
    return odoo.modules.registry.Registry(dbname)


class OdooServer:
    """``with OdooServer(db) as url:`` — Odoo with HTTP workers on a free loopback port."""

    def __init__(self, dbname, workers=2, logfile=None, env=None, extra_args=(), port=None, gevent_port=None):
        self.dbname, self.workers, self.logfile, self.env = dbname, workers, logfile, env
        self.extra_args = list(extra_args)
        # fixed ports (a session that owns a port range) or, by default, free ones
        self.port, self.gevent_port = port, gevent_port
        self.proc = None
        self.url = None

    def __enter__(self):
        port = self.port or free_port()
        cmd = [
            PYTHON,
            f"{ODOO_PATH}/odoo-bin",
            f"--addons-path={addons_path()}",
            *DB_ARGS,
            "-d",
            self.dbname,
            f"--db-filter=^{self.dbname}$",
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            # the long-polling process of a multi-worker server: its own free port, not 8072
            f"--gevent-port={self.gevent_port or free_port()}",
            f"--workers={self.workers}",
            "--max-cron-threads=0",
            "--limit-time-real=600",
            "--limit-time-cpu=600",
            "--limit-memory-soft=4294967296",
            "--limit-memory-hard=5368709120",
            *self.extra_args,
        ]
        if self.logfile:
            cmd.append(f"--logfile={self.logfile}")
        self.proc = subprocess.Popen(cmd, cwd=ODOO_PATH, env=dict(os.environ, **(self.env or {})))
        self.url = f"http://127.0.0.1:{port}"

        def up():
            try:
                xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common").version()
                return True
            except OSError:
                return False

        try:
            wait_until(up, 90, "Odoo")
        except TimeoutError:
            self.__exit__()
            raise
        return self.url

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Rpc:
    """XML-RPC client bound to one user: ``rpc(model, method, *args, **kwargs)``."""

    def __init__(self, url, db, login, password, uid=None):
        self.url, self.db, self.password = url, db, password
        # ``uid``: already authenticated (a login hashes the password: 600,000 PBKDF2 rounds)
        self.uid = uid or xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(
            db, login, password, {}
        )
        if not self.uid:
            raise RuntimeError(f"cannot log in as {login}")
        self.proxy = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def __call__(self, model, method, *args, **kwargs):
        return self.proxy.execute_kw(self.db, self.uid, self.password, model, method, list(args), kwargs)
