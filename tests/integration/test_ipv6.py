# test_ipv6.py -- "listen = ::1" serves over IPv6 loopback only, and
# "listen = ::" accepts both 127.0.0.1 and ::1. Skipped when the machine has
# no IPv6 loopback.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_ipv6.py

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


def need_ipv6():
    if not have_ipv6():
        raise Skip("no IPv6 loopback (::1) on this machine")


def test_listen_ipv6_loopback():
    need_ipv6()
    s = Server(start=False)
    with s:
        s.port = free_port("::1")
        s.config["server"]["port"] = s.port
        s.config["server"]["listen"] = "::1"
        s.write("hello.txt", b"over v6\n")
        s.start()
        r = get(s.port, "/hello.txt", host="::1")
        assert r.status == 200 and r.body == b"over v6\n", r
        p = curl(["-g", "-A", "v6-curl", "http://[::1]:%d/hello.txt" % s.port])
        assert p.returncode == 0 and p.stdout == b"over v6\n", p
        try:
            socket.create_connection(("127.0.0.1", s.port), 1).close()
            raise AssertionError("listen = ::1 also accepts on 127.0.0.1")
        except ConnectionRefusedError:
            pass
        lines = wait_for_lines(s.access_log, 2)
        assert len(lines) == 2, lines
        for l in lines:
            m = CLF_RE.match(l)
            assert m and m.group(1) == "::1", l


def test_listen_any_accepts_both_families():
    need_ipv6()
    s = Server(start=False)
    with s:
        s.port = free_port("::")
        s.config["server"]["port"] = s.port
        s.config["server"]["listen"] = "::"
        s.write("hello.txt", b"both\n")
        s.start()
        for host in ("::1", "127.0.0.1"):
            r = get(s.port, "/hello.txt", host=host)
            assert r.status == 200 and r.body == b"both\n", (host, r)
        assert len(wait_for_lines(s.access_log, 2)) == 2


if __name__ == "__main__":
    run(globals())
