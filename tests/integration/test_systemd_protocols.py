# test_systemd_protocols.py -- what the server tells systemd, tested without
# systemd: the readiness protocol of Type=notify (sd_notify(3): datagrams to
# $NOTIFY_SOCKET), sent only once every socket is bound, never by a start
# that fails, and around reloads and stops; and error-log lines written for
# the journal ($JOURNAL_STREAM names stderr) with a priority prefix and no
# timestamp of their own.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_systemd_protocols.py

import os
import re
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


class Notify:
    """A datagram socket standing in for systemd's notification socket."""

    def __init__(self, d):
        self.path = os.path.join(d, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)

    def next(self, timeout=10):
        """The next state message; the fd store's messages (FDSTORE=1 with
        the listening sockets) are kept in self.stored, their fds closed."""
        self.sock.settimeout(timeout)
        self.stored = getattr(self, "stored", [])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg, fds, _, _ = socket.recv_fds(self.sock, 4096, 256)
            except socket.timeout:
                return None
            for fd in fds:
                os.close(fd)
            text = msg.decode()
            if not text.startswith("FDSTORE"):
                return text
            self.stored.append((text, len(fds)))
        return None

    def close(self):
        self.sock.close()


def with_env(name, value, fn):
    saved = os.environ.get(name)
    os.environ[name] = value
    try:
        return fn()
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved


def test_ready_only_once_serving():
    """READY=1 comes once the port takes connections; RELOADING=1 and
    READY=1 frame a reload; STOPPING=1 comes with SIGTERM."""
    with Server(start=False) as s:
        n = Notify(s.dir)
        try:
            with_env("NOTIFY_SOCKET", n.path, lambda: s.start(wait=False))
            msg = n.next()
            assert msg == "READY=1", msg
            c = socket.create_connection(("127.0.0.1", s.port), timeout=2)
            c.close()  # bound before READY=1 was sent
            s.send_signal(signal.SIGHUP)
            assert n.next() == "RELOADING=1"
            assert n.next() == "READY=1"
            s.stop()
            assert n.next() == "STOPPING=1"
        finally:
            n.close()


def test_no_ready_when_start_fails():
    """A taken port: the start fails (exit 1) and READY=1 is never sent, so
    systemctl start (and apt install) fail too."""
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        with Server(server={"port": busy.getsockname()[1]}, start=False) as s:
            n = Notify(s.dir)
            try:
                with_env("NOTIFY_SOCKET", n.path, lambda: s.start(wait=False))
                assert s.wait_exit() == 1
                assert n.next(timeout=1) is None
            finally:
                n.close()
    finally:
        busy.close()


def test_abstract_notify_socket():
    """'@name' is the abstract namespace, as systemd may pass it."""
    name = "minihttpd-test-%d" % os.getpid()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(10)
    try:
        with Server(start=False) as s:
            with_env("NOTIFY_SOCKET", "@" + name, lambda: s.start())
            assert sock.recv(4096) == b"READY=1"
    finally:
        sock.close()


def test_journal_priorities():
    """error_log = - with stderr the journal stream: "<N>[level] text", no
    timestamp (the journal stamps each line; journalctl -p err finds the
    errors)."""
    with Server(log={"error_log": "-"}, start=False) as s:
        open(s.stderr_path, "wb").close()  # start() reopens the same inode
        st = os.stat(s.stderr_path)
        with_env("JOURNAL_STREAM", "%d:%d" % (st.st_dev, st.st_ino), s.start)
        s.config["server"]["bogus"] = 1
        s.write_config()
        s.send_signal(signal.SIGHUP)
        assert wait_until(lambda: "reload failed" in s.stderr(), 5), s.stderr()
        lines = [l for l in s.stderr().splitlines() if l]
        assert any(l.startswith("<5>[notice] minihttpd/") for l in lines), lines
        assert any(l.startswith("<3>[error] reload failed") for l in lines), lines
        assert not any(re.match(r"^\d{4}/\d\d/\d\d ", l) for l in lines), lines
    # without JOURNAL_STREAM, or another stream: timestamps as ever
    # (the start line may follow the first accepted connection: wait for it)
    with Server(log={"error_log": "-"}) as s:
        stamped = r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[notice\] "
        assert wait_until(lambda: re.match(stamped, s.stderr()), 5), s.stderr()


def test_fd_store_carries_the_sockets_over_a_restart():
    """What systemctl restart does with FileDescriptorStoreMax=: the server
    stores its listening sockets (FDSTORE=1) once it serves; while it is
    stopped the manager holds them, so a client that connects meanwhile is
    queued, not refused; the next process gets them as LISTEN_FDS and
    answers that client."""
    with Server(server={"workers": 2}, start=False) as s:
        s.write("index.html", b"kept\n")
        n = Notify(s.dir)
        held = []
        second = None
        try:
            with_env("NOTIFY_SOCKET", n.path, lambda: s.start(wait=False))
            assert n.next() == "READY=1"
            sock = n.sock
            sock.settimeout(10)
            texts = []
            while len(held) < 2:  # FDSTOREREMOVE=1, then FDSTORE=1 with both
                msg, fds, _, _ = socket.recv_fds(sock, 4096, 16)
                texts.append(msg.decode())
                held += fds
            assert texts[0] == "FDSTOREREMOVE=1\nFDNAME=listen", texts
            assert texts[-1] == "FDSTORE=1\nFDNAME=listen", texts
            s.stop()
            # stopped: the stored sockets still listen, the kernel queues
            c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
            c.sendall(build("GET", "/"))
            high = [os.dup(fd) for fd in held]

            def as_systemd_passes_them():
                for i, fd in enumerate(high):
                    os.dup2(fd, 3 + i)  # inheritable
                os.environ["LISTEN_FDS"] = str(len(high))
                os.environ["LISTEN_PID"] = str(os.getpid())
            err = open(os.path.join(s.dir, "stderr2"), "wb")
            second = subprocess.Popen([binary(), "-c", s.conf], stdin=subprocess.DEVNULL,
                                      stdout=err, stderr=err, close_fds=False,
                                      preexec_fn=as_systemd_passes_them)
            err.close()
            for fd in high:
                os.close(fd)
            buf = bytearray()
            deadline = time.monotonic() + 10
            while b"kept\n" not in buf and time.monotonic() < deadline:
                chunk = c.recv(4096)
                if not chunk:
                    break
                buf += chunk
            c.close()
            assert buf.startswith(b"HTTP/1.1 200") and buf.endswith(b"kept\n"), buf
            log = s.errlog()
            assert "cannot bind" not in log, log
        finally:
            for fd in held:
                os.close(fd)
            if second:
                second.send_signal(signal.SIGTERM)
                assert second.wait(10) == 0
            n.close()


if __name__ == "__main__":
    run(globals())
