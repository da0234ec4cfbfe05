# test_hostile.py -- hostile and broken clients: hundreds of half requests,
# megabyte heads (memory must not grow), 10,000 pipelined requests (in order,
# bounded memory; and a client that does not read its responses), clients
# that never read a 100 MB response, clients that reset mid-sendfile, invalid
# bytes and obsolete line folding, absolute-form targets, duplicate Host and
# conflicting Content-Length headers.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_hostile.py

import os
import random
import re
import resource
import select
import socket
import struct
import sys
import threading
import time

# ASan keeps freed memory in a quarantine (256 MiB by default), which would
# count as growth in the RSS measurements here: keep it small.
if "quarantine_size_mb" not in os.environ.get("ASAN_OPTIONS", ""):
    os.environ["ASAN_OPTIONS"] = ":".join(
        filter(None, [os.environ.get("ASAN_OPTIONS"), "quarantine_size_mb=1"]))

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

HELLO = b"hello, hostile world\n"
MIB = 1 << 20


def rss_kib(pid):
    """VmRSS of a process, in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft < want:
        raise Skip("RLIMIT_NOFILE %d < %d" % (soft, want))


def timed_get(port, path="/hello.txt"):
    t0 = time.monotonic()
    r = get(port, path)
    return r, time.monotonic() - t0


def error_lines(s):
    """Error-log lines above notice level (warn, error...)."""
    return [l for l in s.errlog().splitlines()
            if "[notice]" not in l and "[info]" not in l and l.strip()]


# ---------------------------------------------------------------------------

def test_300_half_requests_do_not_delay_and_are_cut():
    raise_nofile(1024)
    n = 300
    with Server(server={"request_timeout": 3, "keepalive_timeout": 30}) as s:
        s.write("hello.txt", HELLO)
        assert get(s.port, "/hello.txt").status == 200
        conns, sent_at = [], []
        try:
            t_open = time.monotonic()
            for _ in range(n):
                c = socket.create_connection(("127.0.0.1", s.port), 5)
                c.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n")
                conns.append(c)
                sent_at.append(time.monotonic())
            opened = time.monotonic() - t_open
            assert opened < 2.0, "opening %d connections took %.1fs" \
                % (n, opened)
            # Normal requests while they stall.
            worst = 0.0
            for _ in range(5):
                r, took = timed_get(s.port)
                assert r.status == 200 and r.body == HELLO, r
                worst = max(worst, took)
                time.sleep(0.1)
            assert worst < 1.0, "a normal GET took %.2fs with %d half " \
                "requests open" % (worst, n)
            # Each is answered 408 or closed at request_timeout = 3.
            done = {}
            got = {i: bytearray() for i in range(n)}
            fdmap = {c.fileno(): i for i, c in enumerate(conns)}
            for c in conns:
                c.setblocking(False)
            deadline = time.monotonic() + 8
            while len(done) < n and time.monotonic() < deadline:
                live = [conns[i] for i in range(n) if i not in done]
                rd, _, _ = select.select(live[:1000], [], [], 0.2)
                for c in rd:
                    i = fdmap[c.fileno()]
                    try:
                        chunk = c.recv(65536)
                    except ConnectionResetError:
                        chunk = b""
                    except BlockingIOError:
                        continue
                    if chunk:
                        got[i] += chunk
                    else:
                        done[i] = time.monotonic() - sent_at[i]
            still = n - len(done)
            assert still == 0, "%d of %d half requests still open %.1fs " \
                "after they were sent (request_timeout = 3)" % (still, n, 8)
            early = [t for t in done.values() if t < 2.5]
            late = [t for t in done.values() if t > 4.5]
            assert not early, "%d half requests cut before request_timeout " \
                "(earliest %.2fs)" % (len(early), min(early))
            assert not late, "%d half requests cut after %.2fs (request_" \
                "timeout = 3, keepalive_timeout = 30)" % (len(late), max(late))
            for i, data in got.items():
                if data:
                    assert data.startswith(b"HTTP/1.1 408 "), \
                        "half request %d answered %r, expected 408 or EOF" \
                        % (i, bytes(data[:60]))
        finally:
            for c in conns:
                c.close()
        r, took = timed_get(s.port)
        assert r.status == 200 and took < 1.0, (r, took)
        assert s.alive()


def send_and_read(port, data, limit=64 * 1024, timeout=6):
    """Send data from a thread (the server may stop reading and close)
    while reading the answer; returns the bytes read."""
    sock = socket.create_connection(("127.0.0.1", port), 5)
    got = bytearray()

    def sender():
        try:
            sock.sendall(data)
        except OSError:
            pass
    th = threading.Thread(target=sender, daemon=True)
    th.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and len(got) < limit:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = sock.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            got += chunk
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
        th.join(5)
    return bytes(got)


def test_megabyte_heads_do_not_grow_memory():
    with Server() as s:
        s.write("hello.txt", HELLO)
        big_header = (b"GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n"
                      b"X-Filler: " + b"f" * MIB + b"\r\n\r\n")
        big_line = (b"GET /hello.txt?" + b"q" * MIB +
                    b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
        many_headers = (b"GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n" +
                        b"X-F: " + b"g" * 1017 + b"\r\n") * 1024 + b"\r\n"

        def one(req, what):
            data = send_and_read(s.port, req)
            assert data, "no answer to %s (closed without a response)" % what
            m = re.match(rb"HTTP/1\.[01] (\d{3}) ", data)
            assert m and int(m.group(1)) in (400, 414, 431), \
                "%s -> %r, expected 400, 414 or 431" % (what, data[:80])
        for req, what in ((big_header, "a 1 MiB header"),
                          (big_line, "a 1 MiB request line"),
                          (many_headers, "1 MiB of header lines")) * 4:
            one(req, what)     # warm-up: allocators settle
        time.sleep(0.3)
        before = rss_kib(s.proc.pid)
        for i in range(20):
            req, what = ((big_header, "a 1 MiB header"),
                         (big_line, "a 1 MiB request line"),
                         (many_headers, "1 MiB of header lines"))[i % 3]
            one(req, what)
        time.sleep(0.3)
        after = rss_kib(s.proc.pid)
        grew = (after - before) / 1024
        assert grew < 2.0, "server RSS grew %.1f MiB (%d -> %d KiB) over 20 " \
            "requests with 1 MiB heads" % (grew, before, after)
        r = get(s.port, "/hello.txt")
        assert r.status == 200 and r.body == HELLO, r


PIPE_FILES = {"a.txt": b"A" * 10 + b"\n", "b.txt": b"bb" * 20 + b"\n",
              "c.txt": b"ccc" * 30 + b"\n"}


def test_10000_pipelined_in_order_bounded():
    n = 10000
    with Server(server={"request_timeout": 30}) as s:
        for name, data in PIPE_FILES.items():
            s.write(name, data)
        rnd = random.Random(1234)
        seq = [rnd.choice(sorted(PIPE_FILES)) for _ in range(n)]
        reqs = b"".join(b"GET /%s?i=%d HTTP/1.1\r\nHost: x\r\n\r\n"
                        % (name.encode(), i) for i, name in enumerate(seq))
        for name in PIPE_FILES:
            assert get(s.port, "/" + name).status == 200
        base = rss_kib(s.proc.pid)
        peak = [base]
        stop = threading.Event()

        def sampler():
            while not stop.is_set():
                try:
                    peak[0] = max(peak[0], rss_kib(s.proc.pid))
                except (OSError, AssertionError):
                    return
                time.sleep(0.05)
        sock = socket.create_connection(("127.0.0.1", s.port), 5)
        err = []

        def sender():
            try:
                sock.sendall(reqs)
            except OSError as e:
                err.append(e)
        ths = [threading.Thread(target=sampler, daemon=True),
               threading.Thread(target=sender, daemon=True)]
        for th in ths:
            th.start()
        buf = bytearray()
        got = 0
        deadline = time.monotonic() + 30
        try:
            while got < n:
                res = parse_one(buf)
                if res:
                    r, used = res
                    del buf[:used]
                    want = PIPE_FILES[seq[got]]
                    assert r.status == 200 and r.body == want, \
                        "response %d of %d: %d %r, expected 200 with %s" \
                        % (got, n, r.status, r.body[:40], seq[got])
                    got += 1
                    continue
                left = deadline - time.monotonic()
                assert left > 0, "%d of %d pipelined responses in 30 s" \
                    % (got, n)
                sock.settimeout(left)
                chunk = sock.recv(1 << 18)
                assert chunk, "connection closed after %d of %d pipelined " \
                    "responses" % (got, n)
                buf += chunk
        finally:
            stop.set()
            sock.close()
            for th in ths:
                th.join(5)
        assert not err, "sending the pipeline failed: %r" % err
        assert not buf, "bytes after the last response: %r" % bytes(buf[:80])
        grew = (peak[0] - base) / 1024
        assert grew < 64, "server RSS grew %.1f MiB while answering %d " \
            "pipelined requests" % (grew, n)
        e = log_entries(s, 3 + n, timeout=4)
        targets = [t for t, _ in e[3:]]
        want = ["GET /%s?i=%d HTTP/1.1" % (name, i) for i, name in enumerate(seq)]
        assert targets == want, "access log does not list the %d pipelined " \
            "requests in order (first difference at %s)" % (n, next(
                (i for i, (a, b) in enumerate(zip(targets, want)) if a != b),
                len(targets)))


def test_pipelining_client_that_does_not_read():
    """A client pipelines requests as fast as it can but reads nothing for
    3 s: the server must stop reading (not buffer the requests, nor the
    responses to them), then answer everything once the client reads."""
    with Server(server={"request_timeout": 30}) as s:
        s.write("a.txt", PIPE_FILES["a.txt"])
        assert get(s.port, "/a.txt").status == 200
        base = rss_kib(s.proc.pid)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        sock.settimeout(5)
        sock.connect(("127.0.0.1", s.port))
        # Requests of 4 KiB: much input, few responses to check.
        pad = b"X-Pad: " + b"p" * 4000 + b"\r\n"
        chunk_reqs = 16
        chunk = b"".join(b"GET /a.txt?i=%d HTTP/1.1\r\nHost: x\r\n%s\r\n"
                         % (i, pad) for i in range(chunk_reqs))
        cap = 64 * MIB
        sent = [0]
        stop = threading.Event()
        err = []

        def sender():
            sock.settimeout(None)   # blocks while the server does not read
            try:
                while not stop.is_set() and sent[0] < cap:
                    sock.sendall(chunk)
                    sent[0] += len(chunk)
                sock.sendall(b"GET /a.txt?last HTTP/1.1\r\nHost: x\r\n"
                             b"Connection: close\r\n\r\n")
            except OSError as e:
                err.append(e)
        th = threading.Thread(target=sender, daemon=True)
        th.start()
        peak = base
        t0 = time.monotonic()
        while time.monotonic() - t0 < 3:
            peak = max(peak, rss_kib(s.proc.pid))
            time.sleep(0.1)
        sent_then = sent[0]
        stop.set()
        # Read everything until the server closes after "last".
        got = bytearray()
        sock.settimeout(20)
        deadline = time.monotonic() + 20
        try:
            while time.monotonic() < deadline:
                try:
                    data = sock.recv(1 << 20)
                except socket.timeout:
                    break
                if not data:
                    break
                got += data
                peak = max(peak, rss_kib(s.proc.pid))
        finally:
            sock.close()
            th.join(5)
        assert not err, "sender: %r" % err
        grew = (peak - base) / 1024
        assert grew < 16, "server RSS grew %.1f MiB while a client that " \
            "did not read pipelined %.1f MiB of requests in 3 s (%d requests" \
            ", the sender never blocked: the server kept reading)" \
            % (grew, sent_then / MIB, sent_then // len(chunk) * chunk_reqs)
        nreq = sent[0] // len(chunk) * chunk_reqs + 1
        nresp = got.count(b"HTTP/1.1 200 OK\r\n")
        assert nresp == nreq, "%d requests pipelined, %d responses (%d bytes)" \
            % (nreq, nresp, len(got))
        assert s.alive()


def test_unread_100mb_responses_not_buffered():
    with Server(server={"send_timeout": 30}) as s:
        s.write("hello.txt", HELLO)
        big = os.path.join(s.root, "big.bin")
        with open(big, "wb") as f:
            f.truncate(100 * 1000 * 1000)
        assert get(s.port, "/hello.txt").status == 200
        base = rss_kib(s.proc.pid)
        conns = []
        try:
            for _ in range(5):
                c = socket.socket()
                c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
                c.settimeout(5)
                c.connect(("127.0.0.1", s.port))
                c.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
                conns.append(c)
            peak = base
            t0 = time.monotonic()
            while time.monotonic() - t0 < 3:
                peak = max(peak, rss_kib(s.proc.pid))
                time.sleep(0.1)
            grew = (peak - base) / 1024
            assert grew < 20, "server RSS grew %.1f MiB with 5 clients not " \
                "reading a 100 MB response" % grew
            r, took = timed_get(s.port)
            assert r.status == 200 and r.body == HELLO and took < 1.0, \
                (r, took)
            # They did get the start of it.
            head = conns[0].recv(4096)
            assert head.startswith(b"HTTP/1.1 200 "), head[:80]
        finally:
            for c in conns:
                c.close()
        r, took = timed_get(s.port)
        assert r.status == 200 and took < 1.0, (r, took)


def test_reset_mid_sendfile():
    with Server() as s:
        s.write("hello.txt", HELLO)
        big = os.path.join(s.root, "big.bin")
        with open(big, "wb") as f:
            f.truncate(50 * MIB)
        for i in range(50):
            c = socket.create_connection(("127.0.0.1", s.port), 5)
            c.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            n = 0
            deadline = time.monotonic() + 5
            while n < MIB and time.monotonic() < deadline:
                d = c.recv(1 << 18)
                assert d, "closed after %d bytes (round %d)" % (n, i)
                n += len(d)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
            c.close()
            if i % 10 == 9:
                r, took = timed_get(s.port)
                assert r.status == 200 and r.body == HELLO and took < 1.0, \
                    "after %d resets: %r in %.2fs" % (i + 1, r, took)
        time.sleep(0.5)
        assert s.alive()
        bad = error_lines(s)
        assert not bad, "error log after 50 clients reset mid-sendfile:\n%s" \
            % "\n".join(bad[:10])
        e = log_entries(s, 55)
        st = [x for _, x in e]
        assert st.count(200) == 55, "access log: %r" % st[:60]


def response_and_state(port, req):
    """Send req then a good request on the same connection.  Returns
    (first response or None, what happened to the follow-up)."""
    c = Conn(port, timeout=4)
    try:
        c.send(req)
        try:
            r = c.read_response()
        except (AssertionError, ConnectionResetError, socket.timeout) as e:
            return None, "no response (%s)" % e
        if (r.h("Connection") or "").lower() == "close":
            try:
                return r, ("closed" if c.closed_within(2) else "open after close")
            except AssertionError as e:
                return r, "bytes after Connection: close: %s" % e
        try:
            c.send(build("GET", "/hello.txt"))
            r2 = c.read_response()
        except (OSError, AssertionError) as e:
            # closed without saying so: acceptable after an error status
            return r, "closed" if r.status >= 400 else "broken: %s" % e
        return r, ("usable" if r2.status == 200 and r2.body == HELLO
                   else "follow-up got %d" % r2.status)
    finally:
        c.close()


# Cases RFC 9112 requires a server to reject.
MUST_400 = {
    "space before colon": "RFC 9112 5.1: a server MUST reject whitespace "
                          "between a field name and the colon with 400",
}


def test_invalid_bytes_and_folding():
    cases = [
        (b"GET /hel\x00lo.txt HTTP/1.1\r\nHost: x\r\n\r\n", "NUL in path"),
        (b"GET /hello.txt\x00 HTTP/1.1\r\nHost: x\r\n\r\n", "NUL after path"),
        (b"GET /hel\x7flo.txt HTTP/1.1\r\nHost: x\r\n\r\n", "DEL in path"),
        (b"GET /h\xe9llo\xff.txt HTTP/1.1\r\nHost: x\r\n\r\n", "8-bit path"),
        (b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-\x00Bad: 1\r\n\r\n",
         "NUL in header name"),
        (b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nX\x7fBad: 1\r\n\r\n",
         "DEL in header name"),
        (b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nX\xc3\xa9: 1\r\n\r\n",
         "8-bit header name"),
        (b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-V: a\x00b\r\n\r\n",
         "NUL in header value"),
        (b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-F: a\r\n b\r\n\r\n",
         "obsolete line folding"),
        (b"GET /hello.txt HTTP/1.1\r\n Host: x\r\n\r\n",
         "folded first header"),
        (b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
         "header without colon"),
        (b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nX Y: 1\r\n\r\n",
         "space in header name"),
        (b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Y : 1\r\n\r\n",
         "space before colon"),
        (b"GET  /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", "double space"),
        (b"GET /hello.txt HTTP/1.1 extra\r\nHost: x\r\n\r\n", "extra token"),
        (b"GET /hello.txt HTTP/9.9\r\nHost: x\r\n\r\n", "HTTP/9.9"),
        (b"G\x00T /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", "NUL in method"),
        (b"\x80\x81\x82\r\n\r\n", "binary garbage"),
        (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 64,
         "TLS ClientHello"),
    ]
    bad = []
    # request_timeout = 2: bytes with no line end (the TLS hello) may wait
    # for the rest of the line, and get 408 then.
    with Server(server={"request_timeout": 2}) as s:
        s.write("hello.txt", HELLO)
        answered = 0      # requests that must have an access-log line
        for req, what in cases:
            r, state = response_and_state(s.port, req)
            if not s.alive():
                raise AssertionError("server died on %s: %r" % (what, req))
            if os.environ.get("MH_VERBOSE"):
                print("%-28s -> %s, %s" % (what, r.status if r else None,
                                           state))
            answered += 1 + (state == "usable" or
                             state.startswith("follow-up"))
            if r is None:
                bad.append("%s: %r -> %s" % (what, req[:60], state))
                continue
            if what in MUST_400 and r.status != 400:
                bad.append("%s: %r -> %d, expected 400 (%s)"
                           % (what, req[:60], r.status, MUST_400[what]))
            if r.status not in (200, 400, 404, 408, 501, 505):
                bad.append("%s: %r -> %d" % (what, req[:60], r.status))
            if r.status == 200 and r.body != HELLO:
                bad.append("%s: 200 with body %r" % (what, r.body[:40]))
            if state not in ("closed", "usable"):
                bad.append("%s: %r -> %d, then connection %s"
                           % (what, req[:60], r.status, state))
        r = get(s.port, "/hello.txt")
        assert r.status == 200 and r.body == HELLO, r
        time.sleep(1.2)
        lines = read_file(s.access_log).splitlines()
        assert len(lines) == answered + 1, \
            "%d access-log lines for %d requests (every request gets its " \
            "line): %r" % (len(lines), answered + 1, lines[-5:])
        for l in lines:
            assert LOG_RE.match(l), "unparseable access-log line %r" % l
    assert not bad, "invalid requests mishandled:\n" + "\n".join(bad)


def test_absolute_form_targets():
    with Server() as s:
        s.write("hello.txt", HELLO)
        s.write("sub/in.txt", b"inside\n")
        for target in ("http://localhost/hello.txt",
                       "http://localhost:%d/hello.txt" % s.port,
                       "HTTP://LOCALHOST/hello.txt",
                       "http://localhost/sub/../hello.txt?x=1"):
            r = get(s.port, target)
            assert r.status == 200 and r.body == HELLO, \
                "GET %s -> %d %r, expected the file" % (target, r.status,
                                                        r.body[:40])
        for target in ("http://evil/../../etc/passwd",
                       "http://evil/../../../../../../etc/passwd",
                       "http://evil/%2e%2e/%2e%2e/etc/passwd",
                       "http://evil/sub/../../etc/passwd",
                       "http://evil/..%2f..%2fetc/passwd",
                       "http://../../etc/passwd",
                       "http://evil..%2f..%2fetc/passwd",
                       "http:/../../etc/passwd",
                       "http://evil"):
            r = get(s.port, target)
            assert r.status in (400, 403, 404), \
                "GET %s -> %d, expected 400/403/404" % (target, r.status)
            assert b"root:" not in r.body, "GET %s leaked %r" % (target,
                                                                r.body[:80])
        assert s.alive()


def test_no_header_splitting_through_a_redirect():
    # The 301 for a directory puts the request's query in Location; a bare
    # CR there (the HTTP library passes one through) must not end the
    # header: it is percent-encoded like any byte a query may not hold.
    with Server() as s:
        s.write("sub/index.html", b"in\n")
        r = get(s.port, "/sub?q=1")
        assert r.status == 301 and r.h("Location") == "/sub/?q=1", r
        for req, loc in (
                (b"GET /sub?x\ry HTTP/1.1\r\nHost: a\r\n\r\n", b"/sub/?x%0Dy"),
                (b"GET /sub?x\rSet-Cookie:%20a=b HTTP/1.1\r\nHost: a\r\n\r\n",
                 b"/sub/?x%0DSet-Cookie:%20a=b")):
            data = first_response(s.port, req)
            head = data.split(b"\r\n\r\n")[0]
            assert head.startswith(b"HTTP/1.1 301 "), \
                "%r -> %r, expected 301" % (req, head[:80])
            lines = head.split(b"\r\n")
            assert b"Location: " + loc in lines, head
            assert not any(l.startswith(b"Set-Cookie") for l in lines), head
            assert b"\r" not in b"".join(lines), head
        assert s.alive()


def first_response(port, req, timeout=2, more=0.0):
    """Send req; return the bytes of the first whole response (or all read
    until close or timeout), plus whatever else arrives within `more`
    seconds after it."""
    c = Conn(port, timeout=timeout)
    try:
        c.send(req)
        try:
            r = c.read_response()
        except (AssertionError, OSError):
            return bytes(c.buf)
        out = r.raw
        end = time.monotonic() + more
        while time.monotonic() < end:
            c.s.settimeout(max(0.01, end - time.monotonic()))
            try:
                d = c.s.recv(65536)
            except (socket.timeout, OSError):
                break
            if not d:
                break
            c.buf += d
        return out + bytes(c.buf)
    finally:
        c.close()


def test_duplicate_host_and_content_length():
    cases = [
        (b"GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
         "two Host headers"),
        (b"GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
         "two identical Host headers"),
        (b"GET /hello.txt HTTP/1.1\r\nHost: a, b\r\n\r\n",
         "Host list"),
        (b"GET /hello.txt HTTP/1.1\r\nConnection: close\r\n\r\n",
         "HTTP/1.1 without Host"),
        (b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
         b"Content-Length: 5\r\n\r\nabcde", "conflicting Content-Length"),
        (b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 5\r\n"
         b"\r\nabcde", "Content-Length list"),
        (b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
         "negative Content-Length"),
        (b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n"
         b"\r\nabc", "signed Content-Length"),
        (b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
         b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         "Content-Length and Transfer-Encoding"),
        (b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n"
         b"\r\nabcde", "Content-Length with a space before the colon"),
    ]
    bad = []
    with Server() as s:
        s.write("hello.txt", HELLO)
        for req, what in cases:
            data = first_response(s.port, req)
            if not s.alive():
                raise AssertionError("server died on %s" % what)
            m = re.match(rb"HTTP/1\.[01] (\d{3}) ", data)
            status = int(m.group(1)) if m else None
            ref = ("RFC 9112 3.2" if "Host" in what else
                   "RFC 9112 5.1" if "colon" in what else "RFC 9112 6.3")
            if status != 400:
                bad.append("%s: %r -> %s, expected 400 (%s)"
                           % (what, req, status if status else
                              "no response %r" % data[:40], ref))
        # No second response smuggled out of a body.
        data = first_response(
            s.port, b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0"
            b"\r\nContent-Length: 44\r\n\r\nGET /hello.txt HTTP/1.1\r\n"
            b"Host: y\r\n\r\n", more=0.5)
        if data.count(b"HTTP/1.1 200") > 1:
            bad.append("conflicting Content-Length: 0 / 44 let the body be "
                       "answered as a second request")
        data = first_response(
            s.port, b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length "
            b": 44\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: y\r\n\r\n",
            more=0.5)
        if data.count(b"HTTP/1.1 200") > 1:
            bad.append("\"Content-Length : 44\" (space before the colon) "
                       "was ignored: the body was answered as a second "
                       "request")
    assert not bad, "%d of %d malformed framing cases accepted:\n%s" \
        % (len(bad), len(cases) + 2, "\n".join(bad))


if __name__ == "__main__":
    run(globals())
