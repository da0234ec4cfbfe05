# test_restart.py -- restarts and upgrades that refuse no connection.
#
# The server is started the way the init script starts it (-d, a pid file)
# and restarted the way the init script restarts it: SIGUSR2 to the pid in
# the pid file.  The running process starts the binary again on its own
# listening sockets; once the new one serves, the old one stops accepting,
# finishes what it has in flight and exits.  A client requesting in a loop
# through the restarts sees only complete, correct responses; a bad config
# leaves the old process serving; a changed port is a real restart, logged.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_restart.py

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

# seconds: a restart under valgrind loads and checks everything again
RESTART_WAIT = 60


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[-1][0] not in "ZX"
    except OSError:
        return False


class Daemon:
    """minihttpd -d -c CONF in a temp dir, as the init script runs it."""

    def __init__(self, workers=2, extra=""):
        self.dir = tempfile.mkdtemp(prefix="minihttpd-test-")
        self.root = os.path.join(self.dir, "www")
        os.mkdir(self.root)
        self.conf = os.path.join(self.dir, "m.conf")
        self.pidfile = os.path.join(self.dir, "m.pid")
        self.error_log = os.path.join(self.dir, "e.log")
        self.port = free_port()
        self.workers = workers
        self.extra = extra
        self.pids = []

    def config(self, port=None, bad=False):
        write_file(self.conf, (
            "[server]\nlisten = 127.0.0.1\nport = %d\ndocroot = www\n"
            "pid_file = m.pid\nworkers = %d\n%s"
            "[log]\naccess_log = a.log\nerror_log = e.log\n"
            "[mime]\ntypes_file = /etc/mime.types\n%s"
            % (port or self.port, self.workers,
               "no_such_key = 1\n" if bad else "", self.extra)).encode())

    def start(self):
        self.config()
        p = subprocess.run([binary(), "-d", "-c", "m.conf"], cwd=self.dir,
                           timeout=RESTART_WAIT, capture_output=True)
        assert p.returncode == 0, p.stderr
        assert wait_until(lambda: self.pid() is not None, 10), "no pid file"
        self.pids.append(self.pid())
        return self

    def pid(self):
        try:
            return int(read_file(self.pidfile))
        except (OSError, ValueError):
            return None

    def errlog(self):
        return read_file(self.error_log, "rb").decode("utf-8", "replace")

    def restart(self):
        """SIGUSR2, as the init script sends it; returns the new pid once the
        old process has exited."""
        old = self.pid()
        os.kill(old, signal.SIGUSR2)
        assert wait_until(lambda: self.pid() not in (None, old) and
                          pid_alive(self.pid()), RESTART_WAIT), \
            "no new pid in the pid file:\n" + self.errlog()[-2000:]
        new = self.pid()
        self.pids.append(new)
        assert wait_until(lambda: not pid_alive(old), RESTART_WAIT), \
            "the old process %d did not exit" % old
        return new

    def stop(self):
        for pid in self.pids:
            if pid_alive(pid):
                os.kill(pid, signal.SIGTERM)
        for pid in self.pids:
            assert wait_until(lambda: not pid_alive(pid), 20), \
                "pid %d did not stop" % pid
        log = self.errlog()
        for mark in SANITIZER_MARKS:
            assert mark not in log, log[-4000:]

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            self.stop()
        finally:
            if exc_type is None:
                shutil.rmtree(self.dir, ignore_errors=True)
            else:
                print("--- error log (tail) ---\n%s\n--- kept %s" %
                      ("\n".join(self.errlog().splitlines()[-15:]), self.dir))
        return False


class Client(threading.Thread):
    """GET / in a loop (bounded in count and time): on a kept-alive
    connection, and every 4th request on a new one.  A response must be
    complete and correct.  A kept-alive connection that the server closes
    before any byte of the next response is the one retry HTTP allows for
    an idle connection (RFC 9112, 9.3.1): the request is sent again on a
    new connection and counted; a new connection must never fail."""

    def __init__(self, port, body, limit=20000, seconds=120):
        super().__init__(daemon=True)
        self.port, self.body = port, body
        self.limit, self.deadline = limit, time.monotonic() + seconds
        self.stop = threading.Event()
        self.ok = self.idle_closed = 0
        self.errors = []

    def one(self, conn):
        conn.send(build("GET", "/"))
        r = conn.read_response(timeout=10)
        if r.status != 200 or r.body != self.body:
            self.errors.append("bad response %r" % r)
        elif r.h("Connection") == "close":
            return False
        return True

    def run(self):
        conn = None
        i = 0
        while (i < self.limit and time.monotonic() < self.deadline and
               not self.stop.is_set() and len(self.errors) < 5):
            i += 1
            fresh = conn is None or i % 4 == 0
            if fresh and conn:
                conn.close()
                conn = None
            try:
                if conn is None:
                    conn = Conn(self.port, timeout=10)
                    fresh = True
                keep = self.one(conn)
                self.ok += 1
            except (OSError, AssertionError) as e:
                got = bytes(conn.buf) if conn else b""
                if conn:
                    conn.close()
                conn = None
                if fresh or got:
                    self.errors.append("request %d on a %s connection: %r "
                                       "(had %r)" % (i, "new" if fresh else
                                                     "kept-alive", e, got[:80]))
                    continue
                self.idle_closed += 1
                try:
                    conn = Conn(self.port, timeout=10)
                    keep = self.one(conn)
                    self.ok += 1
                except (OSError, AssertionError) as e2:
                    self.errors.append("request %d again on a new "
                                       "connection: %r" % (i, e2))
                    conn = None
                    continue
            if not keep:
                conn.close()
                conn = None
        if conn:
            conn.close()


def test_restarts_under_load_refuse_nothing():
    """Three restarts while a client requests in a loop over kept-alive
    and new connections: every response complete and correct, no
    connection refused or reset."""
    with Daemon() as d:
        body = b"<p>hello</p>\n" * 100
        write_file(os.path.join(d.root, "index.html"), body)
        d.start()
        c = Client(d.port, body)
        c.start()
        try:
            assert wait_until(lambda: c.ok > 50, 20), c.errors
            for _ in range(3):
                before = c.ok
                d.restart()
                assert wait_until(lambda: c.ok > before + 50, 20), c.errors
        finally:
            c.stop.set()
            c.join(30)
        assert not c.is_alive(), "the client loop did not end"
        assert not c.errors, c.errors
        print("responses: %d, kept-alive connections closed while idle: %d"
              % (c.ok, c.idle_closed))
        log = d.errlog()
        assert log.count("serves now") == 3, log
        assert "cut at shutdown" not in log, log


def test_old_process_finishes_a_large_download():
    """A download in flight when the restart comes is finished by the old
    process, whole and correct, while the new one serves new requests."""
    with Daemon(workers=1) as d:
        data = os.urandom(24 << 20)
        write_file(os.path.join(d.root, "big.bin"), data)
        write_file(os.path.join(d.root, "index.html"), b"hi\n")
        d.start()
        old = d.pid()
        with Conn(d.port, timeout=20, rcvbuf=64 << 10) as c:
            c.send(build("GET", "/big.bin"))
            got = bytearray()
            while len(got) < (1 << 20):
                got += c.s.recv(1 << 16)
            os.kill(old, signal.SIGUSR2)
            assert wait_until(lambda: d.pid() != old, RESTART_WAIT), d.errlog()
            new = d.pid()
            d.pids.append(new)
            assert get(d.port, "/").status == 200
            assert pid_alive(old), "the old process left its download"
            c.buf = got
            r = c.read_response(timeout=30)
        assert r.status == 200, r
        assert hashlib.sha256(r.body).digest() == hashlib.sha256(data).digest(), \
            "body cut: %d of %d bytes" % (len(r.body), len(data))
        assert wait_until(lambda: not pid_alive(old), 20), "old one still runs"
        assert "cut at shutdown" not in d.errlog(), d.errlog()


def test_bad_config_keeps_the_old_process():
    """A config the new process refuses: it says why, the old process logs
    it and keeps serving with its configuration and its pid file."""
    with Daemon() as d:
        write_file(os.path.join(d.root, "index.html"), b"v1\n")
        d.start()
        old = d.pid()
        d.config(bad=True)
        os.kill(old, signal.SIGUSR2)
        assert wait_until(lambda: "restart failed" in d.errlog(), RESTART_WAIT)
        log = d.errlog()
        assert 'unknown key "no_such_key"' in log, log
        assert "pid %d keeps serving" % old in log, log
        assert d.pid() == old and pid_alive(old)
        r = get(d.port, "/")
        assert r.status == 200 and r.body == b"v1\n", r
        # and a good config afterwards restarts
        d.config()
        d.restart()
        assert get(d.port, "/").body == b"v1\n"


def test_port_change_is_a_real_restart():
    """A new port: the new process listens there, the old port is closed,
    and the error log says that connections on it were closed."""
    with Daemon() as d:
        write_file(os.path.join(d.root, "index.html"), b"x\n")
        d.start()
        old_port, new_port = d.port, free_port()
        d.config(port=new_port)
        new = d.restart()
        # detached as the first daemon was, its relative paths (docroot =
        # www) resolved against the directory the first one started in
        assert os.readlink("/proc/%d/cwd" % new) == "/"
        assert get(new_port, "/").status == 200
        try:
            socket.create_connection(("127.0.0.1", old_port), 2).close()
            raise AssertionError("the old port still accepts")
        except ConnectionRefusedError:
            pass
        log = d.errlog()
        assert ("no longer listening on 127.0.0.1:%d" % old_port) in log, log
        assert "connections on the old port were closed" in log, log


def test_fewer_workers_and_more():
    """The worker count may change at a restart: more workers share the
    passed sockets, fewer close the surplus (and say so)."""
    with Daemon(workers=3) as d:
        write_file(os.path.join(d.root, "index.html"), b"w\n")
        d.start()
        d.workers = 1
        d.config()
        d.restart()
        assert "fewer workers: 2 listening sockets" in d.errlog(), d.errlog()
        assert get(d.port, "/").body == b"w\n"
        d.workers = 4
        d.config()
        d.restart()
        for _ in range(20):
            assert get(d.port, "/").body == b"w\n"


if __name__ == "__main__":
    run(globals())
