# test_timeouts.py -- keepalive_timeout: an idle kept-alive connection is
# closed after about that long, but a slow, steady download that lasts much
# longer than it is not cut (libevent 2.1 cuts it unless the server takes
# care, see the evhttp notes, row 8).
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_timeouts.py

import hashlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

KEEPALIVE = 2


def test_idle_keepalive_connection_closed():
    with Server(server={"keepalive_timeout": KEEPALIVE}) as s:
        s.write("hello.txt", b"hi\n")
        with Conn(s.port, timeout=10) as c:
            r = c.request("GET", "/hello.txt")
            assert r.status == 200, r
            t0 = time.monotonic()
            closed = c.closed_within(KEEPALIVE + 4)
            took = time.monotonic() - t0
        assert closed, "idle connection still open after %.1fs" % took
        assert KEEPALIVE - 0.5 <= took <= KEEPALIVE + 2.5, \
            "idle connection closed after %.1fs, keepalive_timeout = %d" \
            % (took, KEEPALIVE)


def test_slow_reader_gets_whole_file():
    size, step, pause = 6 << 20, 512 << 10, 0.5   # about 6 s > 3 x timeout
    with Server(server={"keepalive_timeout": KEEPALIVE}) as s:
        data = os.urandom(size)
        s.write("big.bin", data)
        with Conn(s.port, timeout=10, rcvbuf=32 << 10) as c:
            c.send(build("GET", "/big.bin"))
            buf = bytearray()
            while b"\r\n\r\n" not in buf and len(buf) < 65536:
                buf += c.s.recv(4096)
            end = buf.find(b"\r\n\r\n") + 4
            head = parse_one(buf[:end], head=True)[0]
            assert head.status == 200, head
            assert head.h("Content-Length") == str(size), head.headers
            body = bytearray(buf[end:])
            t0 = time.monotonic()
            for _ in range(size // step + 10):
                want = min(len(body) + step, size)
                while len(body) < want:
                    chunk = c.s.recv(min(want - len(body), 1 << 16))
                    assert chunk, "download cut after %d of %d bytes, %.1fs" \
                        % (len(body), size, time.monotonic() - t0)
                    body += chunk
                if len(body) >= size:
                    break
                time.sleep(pause)
            took = time.monotonic() - t0
            assert len(body) == size, len(body)
            assert hashlib.sha256(body).digest() == \
                hashlib.sha256(data).digest(), "body differs"
            assert took > KEEPALIVE + 1, "too fast to test: %.1fs" % took
            # Once done, the connection is idle and is closed as usual.  The
            # idle time counts from the server's last write into the socket,
            # which with the kernel's send buffer (megabytes on loopback) can
            # be seconds before this slow reader drains it; so only the upper
            # bound is observable from here.
            assert c.closed_within(KEEPALIVE + 4), "not closed when idle"


if __name__ == "__main__":
    run(globals())
