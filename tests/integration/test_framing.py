#!/usr/bin/env python3
"""Request framing: where a request ends is decided once, and bytes after it
are never taken for a request unless the framing said where it ended.

minihttpd(8), "Request framing": a static server takes no request body it
does not need.  Any Transfer-Encoding on a request is 400 and the connection
is closed; a Content-Length other than 0 on HEAD, TRACE or OPTIONS likewise
(libevent reads no body for HEAD and TRACE, so the body would be parsed as
the next request: request smuggling behind a proxy that reuses backend
connections).  A NUL, CR or LF in a header value is 400 and close.  The
request deadline (request_timeout) runs from a request's first byte until
the whole request, body included, has been read; blank-line padding counts
against the size limit.  One empty line before a request line is ignored
(RFC 9112 2.2).  Nothing is written after a response's declared length.

Each smuggling case sends the request and a pipelined GET behind it on one
connection, reads until the server closes it, and checks byte for byte that
exactly one response came back: the 400 that declares Connection: close.
"""

import os
import re
import socket
import time

from harness import *

HELLO = b"hello world\n"
INDEX = b"<!doctype html><title>index</title>\n"

# A request that must never be answered when it follows a refused one.
NEXT = b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"


def setup(s):
    s.write("hello.txt", HELLO)
    s.write("index.html", INDEX)
    os.mkdir(os.path.join(s.root, "subdir"))


def until_close(port, data, timeout=5):
    """Send data on one connection, read until the server closes it; the
    server must close within timeout."""
    return raw(data, port, timeout, must_close=True)


def exactly_one_400(data, head=False):
    """data holds one complete 400 response that says Connection: close,
    and not one byte more."""
    rs = parse_responses(data, heads=(head,))
    assert len(rs) == 1, "%d responses: %r" % (len(rs), [r.status for r in rs])
    r = rs[0]
    assert r.status == 400, "status %d, expected 400: %r" % (r.status, data[:200])
    assert (r.h("Connection") or "").lower() == "close", r.headers
    assert r.raw == data, "bytes after the response: %r" % data[len(r.raw):]
    return r


SMUGGLING = [
    ("HEAD with Content-Length",
     b"HEAD /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
     % len(NEXT) + NEXT, True),
    ("TRACE with Content-Length",
     b"TRACE /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
     % len(NEXT) + NEXT, False),
    ("OPTIONS with Content-Length",
     b"OPTIONS /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
     % len(NEXT) + NEXT, False),
    ("Transfer-Encoding on GET",
     b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
     b"\r\n0\r\n\r\n" + NEXT, False),
    ("Transfer-Encoding on HEAD",
     b"HEAD /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
     b"\r\n0\r\n\r\n" + NEXT, True),
    ("Transfer-Encoding on a 404",
     b"GET /missing HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
     b"\r\n0\r\n\r\n" + NEXT, False),
    ("Transfer-Encoding gzip, chunked",
     b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked"
     b"\r\n\r\n0\r\n\r\n" + NEXT, False),
    ("Content-Length and Transfer-Encoding",
     b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + NEXT, False),
    ("Transfer-Encoding on POST",
     b"POST /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
     b"\r\n5\r\nhello\r\n0\r\n\r\n" + NEXT, False),
    ("Transfer-Encoding folded onto an empty line (obs-fold)",
     b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked"
     b"\r\n\r\n0\r\n\r\n" + NEXT, False),
    ("a NUL in a header value",
     b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-A: a\x00Content-Length: 5"
     b"\r\n\r\n" + NEXT, False),
    ("a CR inside a header value",
     b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n" + NEXT, False),
]


def test_smuggling_shapes_get_one_400_and_close():
    bad = []
    with Server() as s:
        setup(s)
        for what, req, head in SMUGGLING:
            data = until_close(s.port, req)
            try:
                exactly_one_400(data, head)
            except AssertionError as e:
                bad.append("%s: %s" % (what, e))
            assert s.alive(), "server died on %s" % what
        # each refused request has its line in the access log, with 400
        entries = log_entries(s, len(SMUGGLING))
        statuses = [st for _, st in entries]
        if statuses.count(400) < len(SMUGGLING) or 200 in statuses:
            bad.append("access log: %r" % entries)
    assert not bad, "%d of %d shapes:\n%s" % (len(bad), len(SMUGGLING),
                                              "\n".join(bad))


def test_zero_length_bodies_and_get_bodies_still_work():
    with Server() as s:
        setup(s)
        with Conn(s.port) as c:
            r = c.request("HEAD", "/hello.txt", ["Content-Length: 0"])
            assert r.status == 200 and r.h("Content-Length") == "12"
            r = c.request("OPTIONS", "/hello.txt", ["Content-Length: 0"])
            assert r.status == 405 and r.h("Allow") == "GET, HEAD"
            # a small body on GET is read and dropped: the connection stays
            c.send(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5"
                   b"\r\n\r\nabcdeGET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
            r1 = c.read_response()
            r2 = c.read_response()
            assert (r1.status, r1.body) == (200, HELLO), r1
            assert (r2.status, r2.body) == (200, INDEX), r2
            r = c.request("GET", "/hello.txt")
            assert r.status == 200


def test_no_bytes_after_declared_length():
    """A chunked request used to get "0\\r\\n\\r\\n" after its response."""
    with Server() as s:
        setup(s)
        for path in ("/hello.txt", "/missing"):
            data = until_close(
                s.port, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
            r = exactly_one_400(data)
            assert int(r.h("Content-Length")) == len(r.body)


def trickle(port, head, drip, seconds, every):
    """Send head, then drip every `every` s; returns (closed_after_s,
    bytes received) once the server closes or `seconds` pass."""
    sock = socket.create_connection(("127.0.0.1", port), 5)
    out = bytearray()
    t0 = time.monotonic()
    try:
        sock.sendall(head)
        next_drip = t0 + every
        while time.monotonic() - t0 < seconds:
            sock.settimeout(max(0.01, next_drip - time.monotonic()))
            try:
                chunk = sock.recv(65536)
                if not chunk:
                    return time.monotonic() - t0, bytes(out)
                out += chunk
            except socket.timeout:
                pass
            except (ConnectionResetError, BrokenPipeError):
                return time.monotonic() - t0, bytes(out)
            if time.monotonic() >= next_drip:
                try:
                    sock.sendall(drip)
                except (ConnectionResetError, BrokenPipeError):
                    return time.monotonic() - t0, bytes(out)
                next_drip += every
        return None, bytes(out)
    finally:
        sock.close()


def test_a_body_cannot_dodge_the_request_deadline():
    """request_timeout = 2: a request whose body trickles in (a blank line
    every 0.5 s) is cut within the deadline + 2 s, like one whose head
    trickles."""
    timeout = 2
    cases = [
        ("Content-Length body of newlines",
         b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n",
         b"\n"),
        ("Content-Length body of letters",
         b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n",
         b"a"),
        ("chunked body padded with blank lines",
         b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
         b"\r\n\r\n", b"\r\n"),
        ("head of a request",
         b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n", b"X: y\r\n"),
    ]
    bad = []
    with Server(server={"request_timeout": timeout}) as s:
        setup(s)
        for what, head, drip in cases:
            closed, data = trickle(s.port, head, drip, timeout + 4, 0.5)
            if closed is None or closed > timeout + 2:
                bad.append("%s: still open after %.1f s" % (what, timeout + 4))
            elif data and not data.startswith(b"HTTP/1.1 408 "):
                bad.append("%s: answered %r" % (what, data[:40]))
        assert s.alive()
    assert not bad, "\n".join(bad)


def test_blank_line_padding_counts_against_the_size_limit():
    """400 KB of blank lines in a chunked body once passed both body
    limits; now the request is refused before that."""
    with Server(server={"request_timeout": 30}) as s:
        setup(s)
        sock = socket.create_connection(("127.0.0.1", s.port), 5)
        sent = 0
        try:
            sock.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            deadline = time.monotonic() + 10
            while sent < 400 * 1024 and time.monotonic() < deadline:
                try:
                    sent += sock.send(b"\r\n" * 2048)
                except (BrokenPipeError, ConnectionResetError):
                    break
            sock.settimeout(5)
            data = b""
            try:
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except (ConnectionResetError, socket.timeout):
                pass
        finally:
            sock.close()
        assert sent < 400 * 1024 or data, "400 KB of padding accepted"
        assert re.match(rb"HTTP/1\.1 (400|413) ", data), data[:100]
        assert s.alive()


def test_a_second_tcp_segment_is_no_new_request():
    """The body of a request arriving in a second segment, then an idle
    keep-alive connection: no 408 ever comes, no "-" 408 line is logged."""
    with Server(server={"request_timeout": 1}) as s:
        setup(s)
        with Conn(s.port) as c:
            c.send(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5"
                   b"\r\n\r\n")
            time.sleep(0.3)
            c.send(b"abcde")
            r = c.read_response()
            assert r.status == 200
            c.send(b"POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3"
                   b"\r\n\r\n")
            time.sleep(0.3)
            c.send(b"abc\r\n")  # the CRLF some clients add after a body
            r = c.read_response()
            assert r.status == 405
            # idle for twice request_timeout: nothing may arrive
            assert not c.closed_within(2.5), "closed while idle"
            r = c.request("GET", "/hello.txt")
            assert r.status == 200
        entries = log_entries(s, 3)
        assert [st for _, st in entries] == [200, 405, 200], entries


def test_one_empty_line_before_a_request_is_ignored():
    with Server() as s:
        setup(s)
        with Conn(s.port) as c:
            c.send(b"\r\n" + build("GET", "/hello.txt"))
            r = c.read_response()
            assert (r.status, r.body) == (200, HELLO)
            # and after a response on a kept-alive connection
            c.send(b"\r\n" + build("GET", "/index.html"))
            r = c.read_response()
            assert (r.status, r.body) == (200, INDEX)
            c.send(b"\n" + build("GET", "/hello.txt"))
            r = c.read_response()
            assert (r.status, r.body) == (200, HELLO)


def test_slash_redirect_stays_on_this_host():
    """GET //evil.com/../subdir once answered Location: //evil.com/../subdir/,
    which a browser resolves to another host."""
    with Server() as s:
        setup(s)
        cases = [
            (b"//evil.com/../subdir", "/subdir/"),
            (b"//subdir", "/subdir/"),
            (b"/./subdir", "/subdir/"),
            (b"/%73ubdir", "/subdir/"),
            (b"/subdir?a=1&b=%2F", "/subdir/?a=1&b=%2F"),
            (b"/subdir?x=\x01\x7f\"<>\\^`{|}", "/subdir/?x=%01%7F%22%3C%3E%5C%5E%60%7B%7C%7D"),
            (b"/subdir?%zz", "/subdir/?%25zz"),
        ]
        bad = []
        for target, want in cases:
            data = until_close(s.port, b"GET " + target + b" HTTP/1.1\r\n"
                               b"Host: x\r\nConnection: close\r\n\r\n")
            r = parse_responses(data)[0]
            loc = r.h("Location")
            if r.status != 301 or loc != want:
                bad.append("%r -> %d %r, expected 301 %r"
                           % (target, r.status, loc, want))
        # a directory whose name needs encoding
        os.mkdir(os.path.join(s.root, "a b%"))
        r = get(s.port, "/a%20b%25")
        if (r.status, r.h("Location")) != (301, "/a%20b%25/"):
            bad.append("/a%%20b%%25 -> %d %r" % (r.status, r.h("Location")))
        assert not bad, "\n".join(bad)


def test_log_counts_the_body_bytes_that_left():
    """A download cut by send_timeout is logged with what was sent, not
    the whole file; a whole download with the whole size."""
    size = 64 << 20
    with Server(server={"send_timeout": 1}) as s:
        setup(s)
        with open(os.path.join(s.root, "big.bin"), "wb") as f:
            f.truncate(size)
        c = Conn(s.port, rcvbuf=4096)
        c.send(build("GET", "/big.bin"))
        got = 0
        deadline = time.monotonic() + 1
        c.s.settimeout(0.2)
        while time.monotonic() < deadline and got < 200000:
            try:
                d = c.s.recv(4096)
            except socket.timeout:
                break
            if not d:
                break
            got += len(d)
        # stop reading: the server cuts the connection after send_timeout
        assert wait_until(lambda: "big.bin" in read_file(s.access_log), 10), \
            "no access-log line for the cut download"
        c.close()
        line = [l for l in read_file(s.access_log).splitlines()
                if "big.bin" in l][0]
        logged = int(LOG_RE.match(line).group(3))
        assert 0 < logged < size // 4, "logged %d of %d bytes: %s" \
            % (logged, size, line)
        # the whole file, read to the end
        r = curl(["-o", "/dev/null", "-w", "%{size_download}",
                  "http://127.0.0.1:%d/hello.txt" % s.port])
        assert r.stdout == b"12"
        lines = wait_for_lines(s.access_log, 2)
        assert LOG_RE.match(lines[-1]).group(3) == "12", lines[-1]


def test_header_count_limit():
    """MH_REQUEST_HEADERS_MAX (100) header lines are served; one more is
    431 and the connection is closed, since the framing of the lines past
    the limit was not looked at."""
    with Server() as s:
        setup(s)
        pads = ["X-P%d: v" % i for i in range(99)]  # + Host = 100
        with Conn(s.port) as c:
            r = c.request("GET", "/hello.txt", pads)
            assert r.status == 200 and r.body == HELLO, r
        data = until_close(s.port, build("GET", "/hello.txt", pads + ["X-Last: v"])
                           + NEXT)
        rs = parse_responses(data)
        assert [r.status for r in rs] == [431], data[:200]
        assert rs[0].h("Connection") == "close"


def test_100_continue_is_not_logged_as_a_request():
    """evhttp answers Expect: 100-continue itself before the body: that
    interim response is no request of its own in the access log."""
    with Server() as s:
        setup(s)
        with Conn(s.port) as c:
            c.send(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue"
                   b"\r\nContent-Length: 3\r\nConnection: close\r\n\r\n")
            time.sleep(0.3)
            c.send(b"abc")
            assert c.read_response().status == 100
            r = c.read_response()
            assert (r.status, r.body) == (200, HELLO), r
        s.stop()
        lines = read_file(s.access_log).splitlines()
        assert [LOG_RE.match(l).group(2) for l in lines] == ["200"], lines


if __name__ == "__main__":
    run(globals())
