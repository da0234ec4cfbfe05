# test_loop.py -- what the event loop asks of the kernel per connection
# (conn.c's read_pin): a keep-alive request costs no epoll_ctl, plain or
# over TLS (evhttp turns reading off and on around each request; without
# the pin libevent makes that an EPOLL_CTL_MOD per request), and a
# connection the server stops reading on purpose (a client that pipelines
# and never reads fills its input) lets the loop sleep instead of waking it
# for bytes it will not read.  Counted with strace, never timed.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_loop.py

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403
from test_tls import TlsServer, https_get  # noqa: E402

REQUESTS = 200
# epoll_ctl calls allowed over REQUESTS keep-alive requests: the pin's
# first add, and a few for the access log's and the tick's timers (none
# in practice); one per request without the pin.
CTL_ALLOWED = 10


def keepalive(get_one):
    for i in range(REQUESTS):
        r = get_one("/page.html?i=%d" % i)
        assert r.status == 200 and len(r.body) == 1024, r


def test_keepalive_requests_make_no_epoll_ctl():
    with Server(server={"workers": 1}) as s:
        s.write("page.html", b"x" * 1024)
        with Conn(s.port) as c:
            def get_one(path):
                return c.request("GET", path)
            keepalive(get_one)   # warm: the file cache, the pin
            with SyscallCount(s.proc.pid, ["epoll_ctl", "readv"]) as n:
                keepalive(get_one)
        assert n["readv"] >= REQUESTS, n.counts   # the trace saw the requests
        assert n["epoll_ctl"] <= CTL_ALLOWED, \
            "%d epoll_ctl calls for %d keep-alive requests" % (n["epoll_ctl"], REQUESTS)


def test_keepalive_tls_requests_make_no_epoll_ctl():
    with TlsServer(server={"workers": 1}) as s:
        s.write("page.html", b"x" * 1024)
        sock = s.connect()
        try:
            def get_one(path):
                return https_get(sock, path)
            keepalive(get_one)
            with SyscallCount(s.proc.pid, ["epoll_ctl", "read"]) as n:
                keepalive(get_one)
        finally:
            sock.close()
        assert n["read"] >= REQUESTS, n.counts
        assert n["epoll_ctl"] <= CTL_ALLOWED, \
            "%d epoll_ctl calls for %d keep-alive TLS requests" % (n["epoll_ctl"], REQUESTS)


def test_unread_connection_lets_the_loop_sleep():
    """A client pipelines until the server stops reading (its input is
    full: MH_INPUT_BUFFER_MAX) and its own sending blocks, then waits.
    Over 2 s the worker wakes a few times (the tick, the log's flush), not
    once per turn of a loop that finds the socket readable; then the
    client reads, and every request is answered."""
    with Server(server={"workers": 1, "request_timeout": 30,
                        "keepalive_timeout": 30}) as s:
        s.write("a.txt", b"a" * 20000)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        sock.connect(("127.0.0.1", s.port))
        req = b"GET /a.txt HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 4000 + b"\r\n\r\n"
        sent = [0]
        stop = threading.Event()

        def sender():
            try:   # 16 MiB at most; blocks long before when the server stops
                while not stop.is_set() and sent[0] < 4000:
                    sock.sendall(req)
                    sent[0] += 1
            except OSError:
                pass
        th = threading.Thread(target=sender, daemon=True)
        th.start()
        last, t0 = -1, time.monotonic()
        while time.monotonic() - t0 < 10 and sent[0] != last:
            last = sent[0]
            time.sleep(0.5)
        assert th.is_alive(), "the server read %d requests of 4 KiB without " \
            "the client reading a response" % sent[0]
        with SyscallCount(s.proc.pid, ["epoll_wait"]) as n:
            time.sleep(2)
        stop.set()
        # the client reads: the server reads again and answers them all
        buf = bytearray()
        sock.settimeout(10)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if not th.is_alive() and buf.count(b"HTTP/1.1 200 OK\r\n") >= sent[0]:
                break
            data = sock.recv(1 << 20)
            assert data, "closed after %d responses" % buf.count(b"HTTP/1.1 200 OK\r\n")
            buf += data
        th.join(10)
        sock.close()
        got = buf.count(b"HTTP/1.1 200 OK\r\n")
        assert n["epoll_wait"] < 50, \
            "%d epoll_wait calls in 2 s while the server was not reading " \
            "a connection: its readable socket kept waking the loop" % n["epoll_wait"]
        assert got == sent[0], "%d requests sent, %d answered" % (sent[0], got)
        assert s.alive()


if __name__ == "__main__":
    run(globals())
