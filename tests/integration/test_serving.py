# test_serving.py -- serving files: headers, HEAD, methods, MIME types,
# index files, 301/403/404, autoindex, keep-alive, pipelining, HTTP/1.0,
# Connection: close and a 5 MiB download.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_serving.py

import email.utils
import hashlib
import os
import random
import re
import struct
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

HELLO = b"Hello, minihttpd!\n"
MTIME = 1700000000  # Tue, 14 Nov 2023 22:13:20 GMT


def png_1x1():
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00\xff")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
            chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def check_error(r, status):
    """An error response: the status, a small HTML body, a right length."""
    assert r.status == status, "status %d, expected %d" % (r.status, status)
    ct = r.h("Content-Type") or ""
    assert ct.startswith("text/html"), "error Content-Type %r" % ct
    assert 0 < len(r.body) < 4096, "error body of %d bytes" % len(r.body)
    assert b"<" in r.body and str(status).encode() in r.body, r.body
    assert r.h("Content-Length") == str(len(r.body)), r.headers


def test_file_headers():
    with Server() as s:
        os.utime(s.write("hello.txt", HELLO), (MTIME, MTIME))
        with Conn(s.port) as c:
            r = c.request("GET", "/hello.txt")
        assert r.status == 200, r
        assert r.body == HELLO, r.body
        for name in ("Content-Type", "Content-Length", "Last-Modified",
                     "ETag", "Date", "Accept-Ranges", "Server",
                     "X-Content-Type-Options"):
            assert r.count(name) == 1, "%s appears %d times: %r" \
                % (name, r.count(name), r.headers)
        assert r.h("Content-Type") == "text/plain; charset=utf-8", r.headers
        assert r.h("Content-Length") == str(len(HELLO)), r.headers
        assert r.h("Last-Modified") == "Tue, 14 Nov 2023 22:13:20 GMT", \
            r.h("Last-Modified")
        assert re.match(r'^(W/)?"[^"]+"$', r.h("ETag")), r.h("ETag")
        date = email.utils.parsedate_to_datetime(r.h("Date")).timestamp()
        assert r.h("Date").endswith(" GMT"), r.h("Date")
        assert abs(date - time.time()) < 5, r.h("Date")
        assert r.h("Accept-Ranges") == "bytes", r.headers
        assert r.h("X-Content-Type-Options") == "nosniff", r.headers
        m = re.match(r"^minihttpd/(\S+)$", r.h("Server"))
        assert m, r.h("Server")
        v = subprocess.run([binary(), "-V"], capture_output=True, timeout=10)
        assert m.group(1).encode() in v.stdout + v.stderr, \
            "Server version %r not in -V output %r" % (m.group(1), v.stdout)


def test_changed_file_served_new():
    with Server() as s:
        path = s.write("change.txt", b"version one\n")
        os.utime(path, (MTIME, MTIME))
        r1 = get(s.port, "/change.txt")
        assert r1.status == 200 and r1.body == b"version one\n", r1
        write_file(path, b"version two\n")  # same size, new mtime

        def fresh():
            r = get(s.port, "/change.txt")
            return r if r.body == b"version two\n" else None
        r2 = wait_until(fresh, 1.5, step=0.1)
        assert r2, "old content still served 1.5 s after the change"
        assert r2.h("ETag") != r1.h("ETag"), (r1.h("ETag"), r2.h("ETag"))


def test_head():
    with Server() as s:
        s.write("hello.txt", HELLO)
        g = get(s.port, "/hello.txt")
        data = raw(build("HEAD", "/hello.txt") +
                   build("GET", "/hello.txt", ["Connection: close"]), s.port)
        end = data.find(b"\r\n\r\n")
        assert end > 0, data
        rest = data[end + 4:]
        assert rest.startswith(b"HTTP/1.1 200 "), \
            "bytes after the HEAD header block: %r" % rest[:100]
        h, g2 = parse_responses(data, heads=(True, False))
        assert h.status == 200 and h.body == b"", h
        assert h.h("Content-Length") == str(len(HELLO)), h.headers
        assert g2.body == HELLO, g2.body
        for name in ("Content-Type", "Content-Length", "Last-Modified",
                     "ETag", "Accept-Ranges", "Server",
                     "X-Content-Type-Options"):
            assert h.h(name) == g.h(name), (name, h.h(name), g.h(name))
        assert h.h("Date"), h.headers
        # A HEAD that fails has no body either.
        data = raw(build("HEAD", "/missing") +
                   build("GET", "/hello.txt", ["Connection: close"]), s.port)
        end = data.find(b"\r\n\r\n")
        assert data.startswith(b"HTTP/1.1 404 "), data[:100]
        assert data[end + 4:].startswith(b"HTTP/1.1 200 "), data[:300]


def test_other_methods_405():
    with Server() as s:
        s.write("hello.txt", HELLO)
        for m in ("POST", "PUT", "DELETE", "OPTIONS", "PATCH"):
            with Conn(s.port) as c:
                r = c.request(m, "/hello.txt", ["Content-Length: 0"])
            check_error(r, 405)
            assert r.h("Allow") == "GET, HEAD", (m, r.h("Allow"))
        with Conn(s.port) as c:
            r = c.request("PROPFIND", "/hello.txt", ["Content-Length: 0"])
        assert r.status in (405, 501), r
        if r.status == 405:
            assert r.h("Allow") == "GET, HEAD", r.headers


def test_errors_keep_connection_alive():
    with Server() as s:
        s.write("hello.txt", HELLO)
        s.write("noindex/f.txt", b"x")
        with Conn(s.port) as c:
            check_error(c.request("GET", "/missing.txt"), 404)
            r = c.request("GET", "/noindex/")
            check_error(r, r.status if r.status in (403, 404) else 403)
            check_error(c.request("POST", "/hello.txt",
                                  ["Content-Length: 0"]), 405)
            check_error(c.request("GET", "/../hello.txt"), 400)
            r = c.request("GET", "/hello.txt")
            assert r.status == 200 and r.body == HELLO, r


def test_mime_types():
    with Server(mime={"md": "text/markdown; charset=utf-8",
                      "foo": "application/x-foo",
                      "default_type": "application/x-test-default"}) as s:
        rnd = random.Random(7)
        files = {
            "a.css": (b"body { color: red }\n", "text/css; charset=utf-8"),
            "a.js": (b"console.log(1);\n", "text/javascript; charset=utf-8"),
            "a.mjs": (b"export default 1;\n",
                      "text/javascript; charset=utf-8"),
            "a.json": (b'{"a": 1}\n', "application/json"),
            "a.svg": (b'<svg xmlns="http://www.w3.org/2000/svg"/>\n',
                      "image/svg+xml"),
            "a.wasm": (b"\x00asm\x01\x00\x00\x00", "application/wasm"),
            "a.woff2": (b"wOF2\x00\x01\x00\x00" + bytes(64), "font/woff2"),
            "a.html": (b"<html><body>x</body></html>\n",
                       "text/html; charset=utf-8"),
            "a.txt": (b"plain\n", "text/plain; charset=utf-8"),
            "a.md": (b"# Title\n", "text/markdown; charset=utf-8"),
            "a.foo": (b"foo\n", "application/x-foo"),
            "image": (png_1x1(), "image/png"),
            "notes": (b"Just some plain ASCII text.\nTwo lines.\n",
                      "text/plain; charset=utf-8"),
            "text.zzqx": (b"Unknown extension, plain text here.\n",
                          "text/plain; charset=utf-8"),
            "page": (b"<html><body>hi</body></html>",
                     "text/plain; charset=utf-8"),
            "random": (bytes(rnd.randrange(256) for _ in range(4096)),
                       ("application/octet-stream",
                        "application/x-test-default")),
        }
        for name, (data, _) in files.items():
            s.write(name, data)
        bad = []
        with Conn(s.port) as c:
            for name, (data, want) in files.items():
                r = c.request("GET", "/" + name)
                assert r.status == 200 and r.body == data, (name, r)
                got = r.h("Content-Type")
                ok = got in want if isinstance(want, tuple) else got == want
                if not ok:
                    bad.append("%s: got %r, want %r" % (name, got, want))
        assert not bad, "\n".join(bad)


def test_directories_and_index():
    with Server(server={"index": "home.html index.html"}) as s:
        s.write("index.html", b"ROOT INDEX\n")
        s.write("docs/index.html", b"DOCS INDEX\n")
        s.write("both/home.html", b"HOME\n")
        s.write("both/index.html", b"IDX\n")
        s.write("noindex/f.txt", b"x")
        with Conn(s.port) as c:
            for path, body in (("/", b"ROOT INDEX\n"),
                               ("/docs/", b"DOCS INDEX\n"),
                               ("/both/", b"HOME\n")):
                r = c.request("GET", path)
                assert r.status == 200 and r.body == body, (path, r)
                assert r.h("Content-Type") == "text/html; charset=utf-8", \
                    (path, r.headers)
            base = "http://localhost"
            for path, loc in (("/docs", "/docs/"),
                              ("/docs?x=1", "/docs/?x=1"),
                              ("/noindex", "/noindex/"),
                              ("/both?a=1&b=2", "/both/?a=1&b=2")):
                r = c.request("GET", path)
                assert r.status == 301, (path, r)
                got = r.h("Location")
                assert got in (loc, base + loc,
                               "http://127.0.0.1:%d%s" % (s.port, loc)), \
                    (path, got)
            r = c.request("GET", "/noindex/")
            assert r.status in (403, 404), r    # interface: 403, 404 allowed
            check_error(r, r.status)
            check_error(c.request("GET", "/nothere/"), 404)
            check_error(c.request("GET", "/nothere"), 404)
            r = c.request("GET", "/docs/")
            assert r.status == 200, r


def test_autoindex():
    with Server(server={"autoindex": "on"}) as s:
        s.write("list/a&b.txt", b"1")
        s.write("list/<x>.txt", b"2")
        s.write("list/plain.txt", b"3")
        s.write("list/sub/f", b"4")
        s.write("withindex/index.html", b"INDEX\n")
        s.write("withindex/other.txt", b"5")
        with Conn(s.port) as c:
            r = c.request("GET", "/list/")
            assert r.status == 200, r
            assert (r.h("Content-Type") or "").startswith("text/html"), \
                r.headers
            for want in (b"a&amp;b.txt", b"&lt;x&gt;.txt", b"plain.txt",
                         b"sub"):
                assert want in r.body, (want, r.body)
            assert b"<x>" not in r.body, r.body
            r = c.request("GET", "/withindex/")
            assert r.status == 200 and r.body == b"INDEX\n", r
            r = c.request("GET", "/list")
            assert r.status == 301, r


def test_keepalive_50_requests():
    with Server() as s:
        for i in range(5):
            s.write("f%d.txt" % i, b"file %d\n" % i * (i + 1))
        with Conn(s.port) as c:
            for n in range(50):
                i = n % 5
                r = c.request("GET", "/f%d.txt" % i)
                assert r.status == 200, (n, r)
                assert r.body == b"file %d\n" % i * (i + 1), (n, r.body)
                assert (r.h("Connection") or "").lower() != "close", \
                    (n, r.headers)
            assert not c.closed_within(0.2), "server closed a kept-alive conn"


def test_pipelining():
    with Server() as s:
        for name in ("one", "two", "three"):
            s.write(name + ".txt", (name.upper() + "\n").encode() * 10)
        with Conn(s.port) as c:
            c.send(build("GET", "/one.txt") + build("GET", "/two.txt") +
                   build("GET", "/three.txt"))
            for name in ("one", "two", "three"):
                r = c.read_response()
                assert r.status == 200, r
                assert r.body == (name.upper() + "\n").encode() * 10, \
                    (name, r.body)


def test_pipelined_behind_a_large_file_read_late():
    # The large response cannot all go out when it is queued (the client
    # reads nothing for a while), so the rest is written as the socket
    # drains, with two more requests already waiting behind it; a HEAD and
    # an HTTP/1.0 keep-alive request then take the write-at-once path.
    big = bytes(range(256)) * (8 * 1024)  # 2 MiB
    with Server() as s:
        s.write("big.bin", big)
        s.write("one.txt", b"ONE\n" * 10)
        with Conn(s.port) as c:
            c.send(build("GET", "/big.bin") + build("GET", "/one.txt") +
                   build("HEAD", "/big.bin"))
            time.sleep(0.5)
            r = c.read_response()
            assert r.status == 200 and r.body == big, (r.status, len(r.body))
            r = c.read_response()
            assert r.status == 200 and r.body == b"ONE\n" * 10, r
            r = c.read_response(head=True)
            assert r.status == 200 and r.body == b"", r
            assert r.h("Content-Length") == str(len(big)), r.headers
            c.send(b"GET /one.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            r = c.read_response()
            assert r.status == 200 and r.h("Connection") == "keep-alive", r.headers
            r = c.request("GET", "/one.txt")
            assert r.status == 200 and r.body == b"ONE\n" * 10, r


def test_http10_closes():
    with Server() as s:
        s.write("hello.txt", HELLO)
        with Conn(s.port) as c:
            c.send(b"GET /hello.txt HTTP/1.0\r\n\r\n")
            r = c.read_response()
            assert r.status == 200 and r.body == HELLO, r
            assert r.h("Content-Length") == str(len(HELLO)), r.headers
            assert r.h("Date"), r.headers
            assert c.closed_within(2), "HTTP/1.0 connection left open"


def test_connection_close_honoured():
    with Server() as s:
        s.write("hello.txt", HELLO)
        with Conn(s.port) as c:
            r = c.request("GET", "/hello.txt", ["Connection: close"])
            assert r.status == 200 and r.body == HELLO, r
            assert c.closed_within(2), "Connection: close not honoured"


def test_large_file_5mib():
    with Server() as s:
        data = os.urandom(5 << 20)
        s.write("big.bin", data)
        out = os.path.join(s.dir, "big.out")
        hdr = os.path.join(s.dir, "big.hdr")
        p = curl(["-o", out, "-D", hdr,
                  "http://127.0.0.1:%d/big.bin" % s.port])
        assert p.returncode == 0, p.stderr
        assert b"content-length: %d\r\n" % len(data) in \
            read_file(hdr, "rb").lower(), read_file(hdr)
        got = read_file(out, "rb")
        assert len(got) == len(data), len(got)
        assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()


if __name__ == "__main__":
    run(globals())
