"""Processes the integration suites, the fault suite and the load test start, stop and kill.

* :class:`ThrowawayRedis` — a ``redis-server`` of our own on another port, without
  persistence (a restart loses every queued message: the worst case);
* :class:`ThrowawayPostgres` — a PostgreSQL cluster of our own (``initdb`` into a
  temporary folder, ``pg_ctl``), loaded with a copy of the test database;
* :class:`CeleryWorker` — one ``workflow_celery`` worker in its own process group,
  so that it can be SIGKILLed as a whole (as a crashed machine) or one pool process
  at a time (as the out-of-memory killer does);
* :func:`celery_beat` — the ``workflow_celery`` beat, with a worker's environment;
* :func:`odoo_pids` — the operating-system processes whose PostgreSQL connections
  are in a given state (Odoo names its connections ``odoo-<pid>``).

Never the machine's PostgreSQL or Redis: every server started here listens on
loopback, on a port of its own, and is stopped at the end.
"""

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psutil
import psycopg2
from odoo_harness import ODOO_PATH, PYTHON, REPO, addons_path, wait_until


def pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if not path:
        raise RuntimeError(f"{name} not found (PostgreSQL server binaries are needed by the fault suite)")
    return path


class ThrowawayRedis:
    """``redis-server`` on ``port`` (loopback, no persistence); stop() and start() again at will."""

    def __init__(self, port):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc = None
        self.dir = tempfile.mkdtemp(prefix="wfa-redis-")

    def start(self):
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
                "--logfile",
                os.path.join(self.dir, "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis  # pylint: disable=import-outside-toplevel

        def up():
            try:
                return redis.Redis(port=self.port).ping()
            except redis.exceptions.ConnectionError:
                return False

        wait_until(up, 20, f"redis-server on {self.port}")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()  # as a crash: nothing saved (there is no persistence anyway)
            self.proc.wait(10)
        self.proc = None

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _as_server_user(directory):
    """``initdb`` and ``postgres`` refuse to run as root: run them as the ``postgres`` system
    user then (owner of ``directory``); as anyone else, as themselves."""
    if os.geteuid() != 0:
        return []
    import pwd  # pylint: disable=import-outside-toplevel

    user = os.environ.get("WFA_FAULT_PG_OS_USER", "postgres")
    entry = pwd.getpwnam(user)
    os.chown(directory, entry.pw_uid, entry.pw_gid)
    return ["runuser", "-u", user, "--"]


class ThrowawayPostgres:
    """A PostgreSQL cluster of our own: ``initdb`` into a temporary folder, ``pg_ctl`` on ``port``."""

    def __init__(self, port, user="odoo"):
        self.port, self.user = port, user
        self.dir = tempfile.mkdtemp(prefix="wfa-pg-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "pg.log")
        self.run_as = _as_server_user(self.dir)
        subprocess.run(
            [
                *self.run_as,
                pg_bin("initdb"),
                "-D",
                self.data,
                "-U",
                user,
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self):
        subprocess.run(
            [
                *self.run_as,
                pg_bin("pg_ctl"),
                "-D",
                self.data,
                "-l",
                self.log,
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c max_connections=200",
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return self

    def stop(self, mode="fast"):
        subprocess.run(
            [*self.run_as, pg_bin("pg_ctl"), "-D", self.data, "-m", mode, "-w", "-t", "60", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def copy_database(self, source_db, target_db, source_host="127.0.0.1", source_port=5432):
        """``pg_dump`` of ``source_db`` (the machine's test database) restored here as ``target_db``."""
        subprocess.run(
            [pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, target_db],
            check=True,
        )
        dump = subprocess.Popen(
            [pg_bin("pg_dump"), "-h", source_host, "-p", str(source_port), "-U", self.user, "-Fc", source_db],
            stdout=subprocess.PIPE,
        )
        subprocess.run(
            [
                pg_bin("pg_restore"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                self.user,
                "--no-owner",
                "-d",
                target_db,
            ],
            stdin=dump.stdout,
            check=True,
        )
        dump.stdout.close()
        if dump.wait() != 0:
            raise RuntimeError(f"pg_dump of {source_db} failed")

    def connect(self, dbname):
        return psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, dbname=dbname)

    def close(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class CeleryWorker:
    """One ``workflow_celery`` worker (``-c concurrency``) in its own session / process group."""

    def __init__(
        self,
        name,
        redis_url,
        dbname,
        logdir,
        concurrency=2,
        db_port=None,
        queues="workflow",
        pool=None,
        extra_env=None,
    ):
        self.name, self.redis_url, self.dbname = name, redis_url, dbname
        self.logfile = Path(logdir) / f"{name}.log"
        self.concurrency, self.db_port, self.queues = concurrency, db_port, queues
        self.pool, self.extra_env = pool, dict(extra_env or {})
        self.proc = None

    def env(self):
        odoo_args = "--db_host=127.0.0.1 --db_user=odoo"
        if self.db_port:
            odoo_args += f" --db_port={self.db_port}"
        return dict(
            os.environ,
            REDIS_URL=self.redis_url,
            ODOO_PATH=ODOO_PATH,
            ODOO_ADDONS_PATH=addons_path(),
            ODOO_RC="/nonexistent",
            WORKFLOW_DB=self.dbname,
            WORKFLOW_ODOO_ARGS=odoo_args,
            PYTHONPATH=str(REPO),
            **self.extra_env,
        )

    def start(self, wait=True):
        cmd = [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "workflow_celery.app",
            "worker",
            "-Q",
            self.queues,
            *([f"--pool={self.pool}"] if self.pool else ["-c", str(self.concurrency)]),
            "-n",
            f"{self.name}@%h",
            "--loglevel=INFO",
            f"--logfile={self.logfile}",
            "--without-gossip",
            "--without-mingle",
        ]
        if self.logfile.exists():  # a restart: wait for this run's "ready", not the last one's
            self.logfile.rename(self.logfile.with_suffix(f".{int(time.time() * 1000)}.log"))
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=self.env(), start_new_session=True)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self):
        """Until the worker consumes (``start(wait=False)`` of several, then this: they start together)."""
        wait_until(
            lambda: self.logfile.exists() and " ready." in self.logfile.read_text(errors="replace"),
            90,
            f"Celery worker {self.name}",
        )
        return self

    def children(self):
        """Pids of the pool processes (the ones that run the jobs)."""
        out = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True, check=False
        ).stdout
        return [int(pid) for pid in out.split()]

    def kill_all(self):
        """SIGKILL the worker and its pool processes at once (a crashed machine)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.kill_all()
        try:  # pool processes left behind by a terminated parent
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def log(self):
        """Every log of this worker (restarts included)."""
        return "".join(
            path.read_text(errors="replace") for path in sorted(self.logfile.parent.glob(f"{self.name}.*log"))
        )


def celery_beat(logdir, env):
    """The ``workflow_celery`` beat (``env``: a worker's, e.g. ``CeleryWorker.env()``), logging
    to ``logdir/beat.log``; the caller terminates it."""
    return subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "workflow_celery.app",
            "beat",
            f"--schedule={Path(logdir) / 'beat-schedule'}",
            "--loglevel=INFO",
            f"--logfile={Path(logdir) / 'beat.log'}",
        ],
        cwd=REPO,
        env=env,
    )


def backend_pids(conn, dbname, where="TRUE", params=(), among=None):
    """``{os_pid: backend_pid}`` of the processes connected to ``dbname`` matching ``where``
    (a condition on ``pg_stat_activity a`` / ``pg_locks l``), restricted to ``among`` (pids).

    Odoo names its connections ``odoo-<pid>``, but a prefork Odoo server opens its registry in
    the master before it forks, so its HTTP workers connect under the *master's* pid: a backend
    whose name does not give one of ``among`` is matched to its process by the client's TCP
    port (slower: the fast path matters to a case that kills a process in a short window)."""
    with conn.cursor() as cr:
        cr.execute(
            f"""SELECT DISTINCT a.application_name, a.client_port, a.pid
                  FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid
                 WHERE a.datname = %s AND a.pid <> pg_backend_pid() AND ({where})""",
            (dbname, *params),
        )
        rows = cr.fetchall()
    candidates = set(among) if among is not None else None
    found, by_port = {}, {}
    for app, port, backend in rows:
        named = app.split("-", 1)[1] if app.startswith("odoo-") else ""
        if named.isdigit() and (candidates is None or int(named) in candidates):
            found[int(named)] = backend
        elif port and port > 0:
            by_port[port] = backend
    if not by_port:
        return found
    for pid in (candidates if candidates is not None else set(psutil.pids())) - found.keys():
        try:
            connections = psutil.Process(pid).connections("tcp")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        for sock in connections:
            if sock.raddr and sock.raddr.port == conn.info.port and sock.laddr.port in by_port:
                found[pid] = by_port[sock.laddr.port]
    return found


def wait_for(predicate, timeout, what, step=0.01):
    """Poll ``predicate`` every ``step`` seconds; return its first truthy value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError(f"{what} did not happen within {timeout}s")
