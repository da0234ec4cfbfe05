# test_accesslog.py -- the access log: Combined Log Format exactly, one line
# per request (errors included), lines in the file within a second, all of
# them after SIGTERM, and whole lines under concurrency (1 and 2 workers);
# on a pipe (or a terminal) each line at once, in order.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_accesslog.py

import datetime
import os
import re
import select
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

UA = "minihttpd-test/1.0 (log)"


def parse(line):
    m = CLF_RE.match(line)
    assert m, "not Combined Log Format: %r" % line
    g = m.groups()
    stamp = datetime.datetime.strptime(
        "%s/%s/%s:%s:%s:%s" % g[1:7], "%d/%b/%Y:%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    return {"host": g[0], "time": stamp, "method": g[7], "target": g[8],
            "proto": g[9], "status": int(g[10]), "bytes": g[11],
            "referer": g[12], "ua": g[13]}


def test_json_every_byte():
    """access_format = json: a target, User-Agent and Referer holding each
    byte value (the target: every byte a request line can carry; the
    headers: 0x01 to 0xff but CR and LF) make lines that Python's json and
    jq both parse, with the field equal to what was sent (a byte that is
    not UTF-8 as the character of the same number)."""
    import json
    import shutil
    with Server(log={"access_format": "json"}) as s:
        s.write("x", b"x")
        sent = []
        for b in range(1, 256):
            if b in (0x0a, 0x0d):
                continue
            ch = bytes([b])
            tgt = b"/x?" + ch if b > 0x20 and b != 0x7f else b"/x"
            req = (b"GET " + tgt + b" HTTP/1.1\r\nHost: h\r\nUser-Agent: u" + ch +
                   b"\r\nReferer: r" + ch + b"\r\nConnection: close\r\n\r\n")
            raw(req, s.port)
            sent.append((tgt, ch))
        lines = wait_for_lines(s.access_log, len(sent), timeout=10)
        assert len(lines) == len(sent), (len(lines), len(sent))
        recs = [json.loads(l) for l in lines]
        checked = 0
        for r, (tgt, ch) in zip(recs, sent):
            if r["status"] != 200:
                continue  # refused by the HTTP parser: logged without its head
            checked += 1
            assert r["target"] == tgt.decode("latin-1"), (r, tgt)
            for key, lead in (("user_agent", "u"), ("referer", "r")):
                # leading and trailing blanks of a header value are not its
                want = (lead + ch.decode("latin-1")).rstrip(" \t")
                assert r[key] == want, (key, r[key], ch)
        assert checked >= 200, checked
        if shutil.which("jq"):
            p = subprocess.run(["jq", "-c", ".target"], input="\n".join(lines),
                               capture_output=True, text=True, timeout=30)
            assert p.returncode == 0, p.stderr
            assert p.stdout.count("\n") == len(lines), p.stdout[:200]
        else:
            print("jq is missing: Python's json only (make test-deps installs it)")


def test_access_log_off():
    """access_log = off: requests are served and no line goes anywhere, not
    even for a request refused before it was parsed."""
    with Server(log={"access_log": "off"}) as s:
        s.write("hello.txt", b"hi\n")
        assert get(s.port, "/hello.txt").status == 200
        assert get(s.port, "/nope").status == 404
        raw(b"GET /x HTTP/1.1\r\nHost: x\r\nX: " + b"y" * 70000 + b"\r\n\r\n", s.port)
        time.sleep(1.5)  # past a log flush
        s.stop()
        assert not os.path.exists(s.access_log), "a file was created"
        assert s.stdout() == "", s.stdout()[:300]


def test_format_and_errors_logged():
    with Server() as s:
        s.write("hello.txt", b"0123456789\n")
        with Conn(s.port) as c:
            ua = "User-Agent: " + UA
            r200 = c.request("GET", "/hello.txt?a=1", [ua])
            r404 = c.request("GET", "/missing.txt", [ua])
            r405 = c.request("POST", "/hello.txt", [ua, "Content-Length: 0"])
            c.request("HEAD", "/hello.txt", [ua])
            c.request("GET", "/hello.txt",
                      [ua, "Referer: http://example.test/from"])
        assert (r200.status, r404.status, r405.status) == (200, 404, 405)
        t0 = time.monotonic()
        lines = wait_for_lines(s.access_log, 5, timeout=3)
        took = time.monotonic() - t0
        assert len(lines) == 5, "after %.1fs: %r" % (took, lines)
        assert took < 1.5, "lines took %.1fs to reach the file" % took
        e = [parse(l) for l in lines]
        for x in e:
            assert x["host"] == "127.0.0.1", x
            assert x["ua"] == UA, x
            assert x["proto"] == "HTTP/1.1", x
            assert abs(x["time"] - time.time()) < 10, x
        want = [("GET", "/hello.txt?a=1", 200, "11", "-"),
                ("GET", "/missing.txt", 404, str(len(r404.body)), "-"),
                ("POST", "/hello.txt", 405, str(len(r405.body)), "-"),
                ("HEAD", "/hello.txt", 200, ("0", "-"), "-"),
                ("GET", "/hello.txt", 200, "11", "http://example.test/from")]
        for x, (meth, target, status, nbytes, ref) in zip(e, want):
            got = (x["method"], x["target"], x["status"], x["referer"])
            assert got == (meth, target, status, ref), (got, x)
            ok = x["bytes"] in nbytes if isinstance(nbytes, tuple) \
                else x["bytes"] == nbytes
            assert ok, (x, "bytes", nbytes)


def test_quote_in_user_agent_keeps_line_parseable():
    with Server() as s:
        s.write("hello.txt", b"x")
        r = get(s.port, "/hello.txt", ['User-Agent: evil" "agent'])
        assert r.status == 200, r
        lines = wait_for_lines(s.access_log, 1)
        assert len(lines) == 1, lines
        x = parse(lines[0])
        assert x["status"] == 200 and x["target"] == "/hello.txt", x
        assert "evil" in x["ua"] and "agent" in x["ua"], x


def hammer(port, threads, per_thread, new_conn, ua_pad=""):
    """threads x per_thread GETs of /hello.txt?t=T&i=I; returns the errors
    seen (each request must get a 200)."""
    errors = []

    def worker(t):
        c = None
        try:
            for i in range(per_thread):
                if c is None:
                    c = Conn(port, timeout=10)
                hdrs = ["User-Agent: hammer-%d%s" % (t, ua_pad)]
                if new_conn:
                    hdrs.append("Connection: close")
                r = c.request("GET", "/hello.txt?t=%d&i=%d" % (t, i), hdrs)
                if r.status != 200:
                    errors.append((t, i, r.status))
                if new_conn:
                    c.close()
                    c = None
        except Exception as e:  # noqa: BLE001 -- reported by the test
            errors.append((t, repr(e)))
        finally:
            if c:
                c.close()

    ts = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert not any(t.is_alive() for t in ts), "client threads hung"
    return errors


def check_all_lines(lines, threads, per_thread):
    seen = set()
    for l in lines:
        x = parse(l)
        assert x["status"] == 200 and x["method"] == "GET", x
        assert x["bytes"] == "6", x
        m = re.match(r"^/hello\.txt\?t=(\d+)&i=(\d+)$", x["target"])
        assert m, x
        key = (int(m.group(1)), int(m.group(2)))
        assert key not in seen, "logged twice: %r" % (key,)
        assert x["ua"].split(" ")[0] == "hammer-%d" % key[0], x
        seen.add(key)
    assert len(seen) == threads * per_thread, len(seen)


def test_1000_requests_20_threads():
    with Server() as s:
        s.write("hello.txt", b"hello\n")
        errors = hammer(s.port, 20, 50, new_conn=False)
        assert not errors, errors[:10]
        lines = wait_for_lines(s.access_log, 1000, timeout=3)
        assert len(lines) == 1000, "%d lines within 3 s" % len(lines)
        check_all_lines(lines, 20, 50)
        s.stop()
        lines = read_file(s.access_log).split("\n")
        assert lines[-1] == "", "last line not terminated: %r" % lines[-1]
        assert len(lines) - 1 == 1000, len(lines) - 1


def test_2000_requests_2_workers_whole_lines_after_stop():
    with Server(server={"workers": 2}) as s:
        s.write("hello.txt", b"hello\n")
        pad = " " + "p" * 300   # long lines make interleaving visible
        errors = hammer(s.port, 40, 50, new_conn=True, ua_pad=pad)
        assert not errors, errors[:10]
        s.stop()             # no waiting: every line must be there now
        data = read_file(s.access_log)
        assert data.endswith("\n"), data[-200:]
        lines = data.split("\n")[:-1]
        assert len(lines) == 2000, len(lines)
        check_all_lines(lines, 40, 50)


def read_pipe_until(fd, mark, data, timeout):
    """Read the non-blocking fd onto data until mark is in it or timeout
    passes; returns (data, found)."""
    deadline = time.monotonic() + timeout
    while mark not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            return data, False
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                return data, False
            data += chunk
    return data, True


def test_pipe_gets_each_line_at_once():
    """access_log = - on a pipe (or a terminal): each line is written when
    its request is logged, so sequential requests show up at once and in
    order.  (Each worker's buffer went out once a second: 20 requests
    between two workers came out late and out of order.)"""
    s = Server(start=False, server={"workers": 2}, log={"access_log": "-"})
    with s:
        s.write("hello.txt", b"hi\n")
        s.write_config()
        s._err = open(s.stderr_path, "wb")
        s.proc = subprocess.Popen([binary(), "-c", s.conf],
                                  stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=s._err)
        try:
            s.wait_ready()
            fd = s.proc.stdout.fileno()
            os.set_blocking(fd, False)
            data = b""
            for i in range(20):
                r = get(s.port, "/hello.txt?n=%d" % i)
                assert r.status == 200, r
                data, found = read_pipe_until(fd, b"?n=%d " % i, data, 0.5)
                assert found, "line %d not on the pipe 0.5 s after its " \
                    "response: %r" % (i, data[-300:])
            s.stop()
            data += s.proc.stdout.read()
        finally:
            s.proc.stdout.close()
        targets = [parse(l)["target"] for l in data.decode().splitlines()]
        assert targets == ["/hello.txt?n=%d" % i for i in range(20)], targets


if __name__ == "__main__":
    run(globals())
