# test_limits.py -- the request limits of bounds.h, each at the limit and one
# past it: request line (414), header block (431), 1 MiB of headers (400 from
# evhttp, still logged), a body on GET (413 and close); request_timeout as a
# whole-request deadline; max_connections (a 6th connection waits, without
# spinning, until one of 5 is closed).
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_limits.py

import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

REQUEST_LINE_MAX = bounds()["MH_REQUEST_LINE_MAX"]
HEADERS_MAX = bounds()["MH_HEADERS_MAX"]
BODY_MAX = bounds()["MH_REQUEST_BODY_MAX"]
BODY_HARD_MAX = bounds()["MH_REQUEST_BODY_HARD_MAX"]
HELLO = b"hello, limits\n"


def head_of(data):
    end = data.find(b"\r\n\r\n")
    assert end > 0, "no response: %r" % data[:200]
    return parse_one(bytearray(data[:end + 4]), head=True)[0]


def test_request_line_limit():
    with Server() as s:
        s.write("hello.txt", HELLO)
        fixed = len("GET ") + len(" HTTP/1.1")
        base = "/hello.txt?"
        at = base + "a" * (REQUEST_LINE_MAX - fixed - len(base))
        over = at + "b"
        assert len("GET %s HTTP/1.1" % at) == REQUEST_LINE_MAX
        r = get(s.port, at)
        assert r.status == 200 and r.body == HELLO, \
            "request line of exactly %d bytes -> %d, expected 200" \
            % (REQUEST_LINE_MAX, r.status)
        r = head_of(raw(build("GET", over, ["Connection: close"]), s.port))
        assert r.status == 414, "request line of %d bytes -> %d, expected 414" \
            % (REQUEST_LINE_MAX + 1, r.status)
        # The server still serves after it.
        assert get(s.port, "/hello.txt").status == 200
        # Paths (not just queries) as long as the request line allows.
        n = REQUEST_LINE_MAX - fixed
        for path in ("/" + "p" * (n - 1),
                     "/abcdefghi" * (n // 10) + "/" * (n % 10)):
            assert len(path) == n
            r = get(s.port, path)
            assert r.status == 404, "a %d-byte path in a %d-byte request " \
                "line -> %d, expected 404" % (n, REQUEST_LINE_MAX, r.status)
            r = head_of(raw(build("GET", path + "q", ["Connection: close"]),
                            s.port))
            assert r.status == 414, "a %d-byte path -> %d, expected 414" \
                % (n + 1, r.status)
        want = [200, 414, 200, 404, 414, 404, 414]
        e = log_entries(s, len(want))
        assert [st for _, st in e] == want, \
            "access log statuses %r, expected %r" % ([st for _, st in e], want)


def pad_headers(total, pieces=1):
    """Header lines (Host and Connection: close included) whose
    "Name: value\\r\\n" sum is exactly total bytes."""
    lines = ["Host: localhost", "Connection: close"]
    used = sum(len(l) + 2 for l in lines)
    left = total - used
    for i in range(pieces):
        name = "X-Pad-%03d" % i
        share = left // (pieces - i)
        value = "v" * (share - len(name) - 4)
        lines.append("%s: %s" % (name, value))
        left -= share
    assert sum(len(l) + 2 for l in lines) == total
    return lines


def test_header_block_limit():
    with Server() as s:
        s.write("hello.txt", HELLO)
        statuses = []
        for pieces in (1, 64):
            r = get(s.port, "/hello.txt", pad_headers(HEADERS_MAX, pieces)[2:])
            assert r.status == 200 and r.body == HELLO, \
                "%d bytes of header lines (%d pads) -> %d, expected 200" \
                % (HEADERS_MAX, pieces, r.status)
            data = raw(build("GET", "/hello.txt",
                             pad_headers(HEADERS_MAX + 1, pieces)), s.port)
            r = head_of(data)
            assert r.status == 431, \
                "%d bytes of header lines (%d pads) -> %d, expected 431" \
                % (HEADERS_MAX + 1, pieces, r.status)
            statuses += [200, 431]
        assert get(s.port, "/hello.txt").status == 200
        statuses.append(200)
        e = log_entries(s, len(statuses))
        assert [st for _, st in e] == statuses, \
            "access log statuses %r, expected %r" % ([st for _, st in e],
                                                     statuses)


def megabyte_of_headers(lines):
    with Server() as s:
        s.write("hello.txt", HELLO)
        size = (1 << 20) // lines
        line = b"X-Filler: " + b"f" * (size - 12) + b"\r\n"
        req = b"GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n" + \
            line * lines + b"\r\n"
        sock = socket.create_connection(("127.0.0.1", s.port), 5)
        got = bytearray()
        err = []

        def sender():
            try:
                sock.sendall(req)
            except OSError as e:      # the server may stop reading: fine
                err.append(e)
        th = threading.Thread(target=sender, daemon=True)
        th.start()
        deadline = time.monotonic() + 8
        try:
            while time.monotonic() < deadline and len(got) < 65536:
                sock.settimeout(max(0.1, deadline - time.monotonic()))
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    break
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                got += chunk
        finally:
            sock.close()
            th.join(5)
        took = 8 - (deadline - time.monotonic())
        assert took < 7, "connection with 1 MiB of headers neither answered " \
            "nor closed in 7 s"
        assert got, "no response to 1 MiB of headers (connection %s)" \
            % ("reset" if err else "closed")
        assert got.startswith(b"HTTP/1.1 400 ") or \
            got.startswith(b"HTTP/1.0 400 "), \
            "1 MiB of headers -> %r, expected 400" % bytes(got[:60])
        # Others are still served.
        r = get(s.port, "/hello.txt")
        assert r.status == 200 and r.body == HELLO, r
        e = log_entries(s, 2)
        assert len(e) >= 2 and e[0][1] == 400 and e[-1][1] == 200, \
            "1 MiB of headers in %d line(s) answered 400, but the access " \
            "log is %r: expected a 400 line, then the 200" % (lines, e)
        assert len(e) == 2, "one line per request expected: %r" % e


def test_megabyte_header_line_400():
    megabyte_of_headers(1)       # one header line of 1 MiB


def test_megabyte_of_header_lines_400():
    megabyte_of_headers(1024)    # 1024 header lines of 1 KiB


def test_body_on_get_limit():
    with Server() as s:
        s.write("hello.txt", HELLO)
        with Conn(s.port) as c:
            r = c.request("GET", "/hello.txt", body=b"b" * BODY_MAX)
            assert r.status == 200 and r.body == HELLO, \
                "GET with a %d-byte body -> %d, expected 200" % (BODY_MAX,
                                                                 r.status)
            r = c.request("GET", "/hello.txt")   # the body was consumed
            assert r.status == 200 and r.body == HELLO, r
            r = c.request("GET", "/hello.txt", body=b"b" * (BODY_MAX + 1))
            assert r.status == 413, \
                "GET with a %d-byte body -> %d, expected 413" \
                % (BODY_MAX + 1, r.status)
            assert (r.h("Connection") or "").lower() == "close", r.headers
            assert c.closed_within(2), "connection open after 413"
        e = log_entries(s, 3)
        assert [st for _, st in e] == [200, 200, 413], e


def test_body_over_hard_max_413_logged():
    """Bodies past what evhttp buffers (MH_REQUEST_BODY_HARD_MAX) are
    refused by evhttp itself; the client still gets 413 and a close, the log
    its line."""
    with Server() as s:
        s.write("hello.txt", HELLO)
        over = BODY_HARD_MAX + 1
        for cl, sent in ((over, over), (1 << 20, 2000), (10 ** 12, 10)):
            req = (b"GET /hello.txt?cl=%d HTTP/1.1\r\nHost: localhost\r\n"
                   b"Content-Length: %d\r\n\r\n" % (cl, cl)) + b"b" * sent
            data = raw(req, s.port, timeout=4)
            r = head_of(data)
            assert r.status == 413, "GET with Content-Length: %d -> %d" \
                % (cl, r.status)
        assert get(s.port, "/hello.txt").status == 200
        e = log_entries(s, 4)
        assert [st for _, st in e] == [413, 413, 413, 200], \
            "access log %r: expected three 413 lines, then the 200 " \
            "(every request gets its line)" % e


def trickle(c, data, limit):
    """Send data one byte a second on Conn c until the server answers or
    closes; returns (seconds from the first byte, bytes received,
    bytes sent)."""
    got = bytearray()
    t0 = time.monotonic()
    sent = 0
    while time.monotonic() - t0 < limit:
        if sent < len(data):
            try:
                c.s.sendall(data[sent:sent + 1])
                sent += 1
            except OSError:
                break
        next_send = t0 + sent    # one byte per second
        while True:
            left = next_send - time.monotonic()
            if left <= 0:
                break
            c.s.settimeout(left)
            try:
                chunk = c.s.recv(4096)
            except socket.timeout:
                break
            except ConnectionResetError:
                return time.monotonic() - t0, bytes(got), sent
            if not chunk:
                return time.monotonic() - t0, bytes(got), sent
            got += chunk
    return time.monotonic() - t0, bytes(got), sent


def check_cut(took, got, sent, what):
    assert took < 3.6, "%s: still open after %.1fs (%d bytes sent one a " \
        "second), request_timeout = 2, keepalive_timeout = 10" \
        % (what, took, sent)
    assert took > 1.5, "%s: cut after %.1fs, before request_timeout = 2" \
        % (what, took)
    if got:
        r = head_of(got)
        assert r.status == 408, "%s: answered %d, expected 408 or close" \
            % (what, r.status)


def test_request_timeout_whole_request():
    req = b"GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nX-Slow: yes\r\n\r\n"
    with Server(server={"request_timeout": 2, "keepalive_timeout": 10}) as s:
        s.write("hello.txt", HELLO)
        with Conn(s.port, timeout=10) as c:
            took, got, sent = trickle(c, req, 8)
        check_cut(took, got, sent, "a request sent one byte a second")
        # A complete request, then idle: keepalive_timeout rules, not
        # request_timeout; the next request's deadline starts at its first
        # byte.
        with Conn(s.port, timeout=10) as c:
            r = c.request("GET", "/hello.txt")
            assert r.status == 200, r
            assert not c.closed_within(3.5), \
                "idle kept-alive connection closed within 3.5 s " \
                "(keepalive_timeout = 10, request_timeout = 2)"
            r = c.request("GET", "/hello.txt")
            assert r.status == 200 and r.body == HELLO, r
            took, got, sent = trickle(c, req, 8)
        check_cut(took, got, sent, "a second request sent slowly")
        # The body is part of the request: a slow one is cut as well.
        with Conn(s.port, timeout=10) as c:
            c.send(b"GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n"
                   b"Content-Length: 20\r\n\r\n")
            took, got, sent = trickle(c, b"b" * 20, 8)
        check_cut(took, got, sent, "a request body sent one byte a second")
        e = log_entries(s, 5)
        st = [x for _, x in e]
        assert st.count(408) == 3 and st.count(200) == 2, \
            "access log statuses %r, expected two 200 and three 408" % st


def test_408_is_a_whole_response():
    """The 408 is written outside the HTTP library; it still carries Date
    (RFC 9110 6.6.1: every 4xx from a server with a clock) and the
    [headers] of the config, like every other response."""
    with Server(server={"request_timeout": 2, "keepalive_timeout": 10},
                extra="\n[headers]\nX-Frame-Options = DENY\n") as s:
        s.write("hello.txt", HELLO)
        t0 = time.monotonic()
        data = raw(b"GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n", s.port,
                   timeout=5)
        took = time.monotonic() - t0
        assert data, "no 408 for an unfinished request (closed after %.1fs)" \
            % took
        r = parse_one(bytearray(data), eof=True)[0]
        assert r.status == 408, r
        assert r.h("Content-Length") == str(len(r.body)), r.headers
        missing = [h for h in ("Date", "Server", "X-Frame-Options")
                   if r.count(h) != 1]
        assert not missing, "408 response without %s: %r" % (missing,
                                                             r.headers)


def test_max_connections():
    with Server(server={"workers": 1, "max_connections": 5,
                        "request_timeout": 30}) as s:
        s.write("hello.txt", HELLO)
        idle = []
        try:
            for _ in range(5):
                idle.append(Conn(s.port, timeout=5))
            time.sleep(0.3)
            # The 5th is served: at the limit is within it.
            r = idle[4].request("GET", "/hello.txt")
            assert r.status == 200, r
            sixth = Conn(s.port, timeout=5)   # the kernel may complete it
            sixth.send(build("GET", "/hello.txt", ["Connection: close"]))
            sixth.s.settimeout(1.0)
            try:
                early = sixth.s.recv(4096)
            except socket.timeout:
                early = None
            assert early is None, \
                "6th connection with max_connections = 5: got %r within 1 s" \
                % (early[:80] if early else "a close")
            cpu0, t0 = cpu_seconds(s.proc.pid), time.monotonic()
            time.sleep(3)
            cpu = cpu_seconds(s.proc.pid) - cpu0
            wall = time.monotonic() - t0
            assert cpu < 0.5, "server used %.2f s of CPU in %.1f s at the " \
                "connection cap (spinning?)" % (cpu, wall)
            idle[0].close()
            idle[1].close()
            t1 = time.monotonic()
            r = sixth.read_response(timeout=2.5)
            took = time.monotonic() - t1
            assert r.status == 200 and r.body == HELLO, r
            assert took < 2.2, "6th connection served %.1fs after two of " \
                "five were closed" % took
            sixth.close()
            r = get(s.port, "/hello.txt")
            assert r.status == 200, r
        finally:
            for c in idle:
                c.close()


if __name__ == "__main__":
    run(globals())
