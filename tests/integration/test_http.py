# test_http.py -- HTTP features over raw sockets: revalidation (ETag,
# If-None-Match, If-Modified-Since in the three date formats, precedence),
# cache_control, byte ranges (206, 416, malformed, several, If-Range),
# precompressed .gz/.br sidecars (choice, Vary, ETags, ranges and 304 of the
# chosen representation), the directory listing (HTML, order, escaping,
# following its links), dotfiles, [errors] pages and [headers].
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_http.py

import calendar
import gzip
import html.parser
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

MTIME = 1700000000  # Tue, 14 Nov 2023 22:13:20 GMT
LM = "Tue, 14 Nov 2023 22:13:20 GMT"
DATA = bytes((i * 7 + 3) % 251 for i in range(1000))
JS = (b"// app.js\n" + b"export const words = ['alpha', 'beta', 'gamma'];\n" * 40)


def rfc850(t):
    return time.strftime("%A, %d-%b-%y %H:%M:%S GMT", time.gmtime(t))


def imf(t):
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(t))


def asctime(t):
    tm = time.gmtime(t)
    return time.strftime("%a %b ", tm) + "%2d" % tm.tm_mday + \
        time.strftime(" %H:%M:%S %Y", tm)


_get = get


def check_no_dups(r, what=""):
    """No header a response carries once appears twice (two Content-Types
    leave the client to guess)."""
    for name in ("Content-Type", "Content-Length", "Content-Encoding",
                 "Content-Range", "ETag", "Last-Modified", "Vary",
                 "Accept-Ranges", "Date", "Server", "Cache-Control"):
        assert r.count(name) <= 1, "%s%d response with %d %s headers: %r" \
            % (what and what + ": ", r.status, r.count(name), name, r.headers)


def get(port, path, headers=(), host="127.0.0.1", method="GET"):
    """harness.get, and no duplicated headers in the response."""
    r = _get(port, path, headers, host, method)
    check_no_dups(r, "%s %s %r" % (method, path, list(headers)))
    return r


def no_body_then_next(port, req, head=False):
    """Send req pipelined with a GET of a missing path and check that the
    first response has no body bytes: the next bytes after its header
    block are the second status line. Returns the first response."""
    data = raw(req + build("GET", "/__next__", ["Connection: close"]), port)
    end = data.find(b"\r\n\r\n")
    assert end > 0, "no header block in %r" % data[:300]
    rest = data[end + 4:]
    assert rest.startswith(b"HTTP/1.1 404 "), \
        "bytes after a body-less response's header block: %r" % rest[:120]
    return parse_one(bytearray(data[:end + 4]), head=True)[0]


def t_config(s, expect_ok):
    """Run minihttpd -t on s's config; returns (rc, stderr text)."""
    s.write_config(s.text)
    p = subprocess.run([binary(), "-t", "-c", s.conf], capture_output=True,
                       timeout=10)
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    for mark in SANITIZER_MARKS:
        assert mark not in out, out
    if expect_ok:
        assert p.returncode == 0, "-t failed: %s" % out
    return p.returncode, p.stderr.decode("utf-8", "replace")


def line_of(text, needle):
    for i, line in enumerate(text.split("\n"), 1):
        if line.strip() == needle:
            return i
    raise AssertionError("%r not in config" % needle)


# ---------------------------------------------------------------------------
# 1. Revalidation
# ---------------------------------------------------------------------------

def test_etag_is_strong_and_follows_inode_size_mtime():
    with Server() as s:
        path = s.write("f.txt", b"abcdef\n")
        os.utime(path, (MTIME, MTIME))
        e1 = get(s.port, "/f.txt").h("ETag")
        assert re.match(r'^"[^"]+"$', e1 or ""), \
            "ETag %r is not a strong entity tag" % e1
        assert get(s.port, "/f.txt").h("ETag") == e1, "ETag not stable"

        def etag_changes(old, what):
            def fresh():
                e = get(s.port, "/f.txt").h("ETag")
                return e if e != old else None
            got = wait_until(fresh, 1.5, 0.1)
            assert got, "ETag unchanged 1.5 s after a change of %s" % what
            return got
        os.utime(path, (MTIME + 60, MTIME + 60))         # mtime only
        e2 = etag_changes(e1, "mtime")
        with open(path, "ab") as f:                      # size only
            f.write(b"x")
        os.utime(path, (MTIME + 60, MTIME + 60))
        e3 = etag_changes(e2, "size")
        # Same size, same mtime, new inode (replaced by rename).
        tmp = os.path.join(s.root, "f.tmp")
        write_file(tmp, read_file(path, "rb"))
        os.utime(tmp, (MTIME + 60, MTIME + 60))
        os.rename(tmp, path)
        etag_changes(e3, "inode")


def test_if_none_match():
    with Server() as s:
        os.utime(s.write("f.txt", DATA), (MTIME, MTIME))
        r = get(s.port, "/f.txt")
        etag = r.h("ETag")
        assert r.status == 200 and etag, r
        opaque = etag
        hits = [etag, "W/" + opaque, '"nope", ' + etag,
                '"a","b" ,  W/%s , "c"' % opaque, "*"]
        for inm in hits:
            for method in ("GET", "HEAD"):
                r = no_body_then_next(s.port, build(
                    method, "/f.txt", ["If-None-Match: " + inm]))
                assert r.status == 304, \
                    "%s If-None-Match: %s -> %d, expected 304" \
                    % (method, inm, r.status)
                assert r.h("ETag") == etag, (inm, r.headers)
        for inm in ('"nope"', 'W/"nope"', '"%s"' % opaque.strip('"')[:-1],
                    etag[:-1] + 'x"'):
            r = get(s.port, "/f.txt", ["If-None-Match: " + inm])
            assert r.status == 200 and r.body == DATA, \
                "If-None-Match: %s -> %d, expected 200" % (inm, r.status)
        # Keep-alive after a 304.
        with Conn(s.port) as c:
            r1 = c.request("GET", "/f.txt", ["If-None-Match: " + etag])
            r2 = c.request("GET", "/f.txt")
        assert r1.status == 304 and r1.body == b"", r1
        assert r2.status == 200 and r2.body == DATA, r2


def test_if_modified_since_three_formats():
    # A file modified on a one-digit day exercises asctime's "Nov  6".
    t6 = calendar.timegm((2023, 11, 6, 8, 49, 37))
    with Server() as s:
        os.utime(s.write("f.txt", DATA), (MTIME, MTIME))
        os.utime(s.write("g.txt", DATA), (t6, t6))
        assert get(s.port, "/g.txt").h("Last-Modified") == \
            "Mon, 06 Nov 2023 08:49:37 GMT"
        for path, t in (("/f.txt", MTIME), ("/g.txt", t6)):
            for fmt in (imf, rfc850, asctime):
                for when, want in ((t, 304), (t + 1, 304), (t + 86400, 304),
                                   (t - 1, 200), (t - 86400 * 400, 200)):
                    ims = fmt(when)
                    r = no_body_then_next(s.port, build(
                        "GET", path, ["If-Modified-Since: " + ims])) \
                        if want == 304 else \
                        get(s.port, path, ["If-Modified-Since: " + ims])
                    assert r.status == want, \
                        "%s If-Modified-Since: %s (Last-Modified %s) -> %d, " \
                        "expected %d" % (path, ims, imf(t), r.status, want)
                    if want == 200:
                        assert r.body == DATA
        # Sub-second mtimes: Last-Modified is whole seconds, so is the test.
        p = os.path.join(s.root, "f.txt")
        os.utime(p, ns=(MTIME * 10**9 + 700000000,) * 2)
        r = wait_until(lambda: (lambda x: x if x.status == 304 else None)(
            get(s.port, "/f.txt", ["If-Modified-Since: " + LM])), 1.5, 0.1)
        assert r, "mtime %d.7: If-Modified-Since: %s (the Last-Modified) " \
            "did not give 304" % (MTIME, LM)
        for bad in ("yesterday", "Tue, 14 Nov 2023 22:13:20", "0",
                    "Wed, 14 Nov 2023 22:13:20 GMT",   # wrong weekday
                    "Tue, 31 Nov 2023 22:13:20 GMT"):
            r = get(s.port, "/f.txt", ["If-Modified-Since: " + bad])
            assert r.status == 200 and r.body == DATA, \
                "invalid If-Modified-Since: %s -> %d" % (bad, r.status)


def test_if_none_match_takes_precedence():
    with Server() as s:
        os.utime(s.write("f.txt", DATA), (MTIME, MTIME))
        etag = get(s.port, "/f.txt").h("ETag")
        # RFC 9110 13.2.2: with If-None-Match, If-Modified-Since is ignored.
        r = get(s.port, "/f.txt", ['If-None-Match: "other"',
                                   "If-Modified-Since: " + LM])
        assert r.status == 200 and r.body == DATA, \
            "non-matching If-None-Match + matching If-Modified-Since -> %d" \
            % r.status
        r = get(s.port, "/f.txt", ["If-None-Match: " + etag,
                                   "If-Modified-Since: " + imf(MTIME - 3600)])
        assert r.status == 304, \
            "matching If-None-Match + old If-Modified-Since -> %d" % r.status


def test_cache_control():
    with Server() as s:
        os.utime(s.write("f.txt", DATA), (MTIME, MTIME))
        r = get(s.port, "/f.txt")
        assert r.count("Cache-Control") == 0, \
            "Cache-Control without cache_control: %r" % r.headers
    cc = "public, max-age=3600"
    with Server(server={"cache_control": '"%s"' % cc}) as s:
        os.utime(s.write("f.txt", DATA), (MTIME, MTIME))
        r = get(s.port, "/f.txt")
        assert r.status == 200 and r.count("Cache-Control") == 1 and \
            r.h("Cache-Control") == cc, r.headers
        r = get(s.port, "/f.txt", ["If-None-Match: " + r.h("ETag")])
        assert r.status == 304 and r.h("Cache-Control") == cc, \
            "304 without the configured Cache-Control: %r" % r.headers
        r = get(s.port, "/f.txt", ["Range: bytes=0-3"])
        assert r.status == 206 and r.h("Cache-Control") == cc, r.headers


# ---------------------------------------------------------------------------
# 2. Ranges
# ---------------------------------------------------------------------------

def test_single_ranges_206():
    n = len(DATA)
    cases = [("bytes=0-9", 0, 9), ("bytes=990-", 990, 999),
             ("bytes=-10", 990, 999), ("bytes=995-2000", 995, 999),
             ("bytes=-2000", 0, 999), ("bytes=0-0", 0, 0),
             ("bytes=999-999", 999, 999), ("bytes=500-", 500, 999),
             ("bytes=0-", 0, 999), ("bytes= 10-19", 10, 19),
             ("bytes=1-1" + "0" * 30, 1, 999)]
    with Server() as s:
        os.utime(s.write("d.bin", DATA), (MTIME, MTIME))
        full = get(s.port, "/d.bin")
        with Conn(s.port) as c:
            for spec, a, b in cases:
                r = c.request("GET", "/d.bin", ["Range: " + spec])
                assert r.status == 206, "Range: %s -> %d" % (spec, r.status)
                assert r.h("Content-Range") == "bytes %d-%d/%d" % (a, b, n), \
                    "Range: %s -> Content-Range %r" % (spec, r.h("Content-Range"))
                check_no_dups(r, "Range: " + spec)
                assert r.body == DATA[a:b + 1], "Range: %s: wrong bytes" % spec
                assert r.h("Content-Length") == str(b - a + 1), r.headers
                assert r.h("Accept-Ranges") == "bytes", r.headers
                assert r.h("ETag") == full.h("ETag"), r.headers
                assert r.h("Last-Modified") == LM, r.headers
            r = c.request("GET", "/d.bin")     # the connection still works
            assert r.status == 200 and r.body == DATA


def test_unsatisfiable_416():
    with Server() as s:
        s.write("d.bin", DATA)
        s.write("empty.txt", b"")
        with Conn(s.port) as c:
            for path, spec, size in (("/d.bin", "bytes=1000-", 1000),
                                     ("/d.bin", "bytes=5000-6000", 1000),
                                     ("/d.bin", "bytes=-0", 1000),
                                     ("/empty.txt", "bytes=0-0", 0),
                                     ("/empty.txt", "bytes=-5", 0)):
                r = c.request("GET", path, ["Range: " + spec])
                assert r.status == 416, "%s Range: %s -> %d" \
                    % (path, spec, r.status)
                assert r.h("Content-Range") == "bytes */%d" % size, \
                    "%s Range: %s -> Content-Range %r" \
                    % (path, spec, r.h("Content-Range"))
                check_no_dups(r, "%s Range: %s" % (path, spec))
                assert r.h("Content-Type") == "text/html; charset=utf-8", \
                    r.headers
                assert r.h("Content-Encoding") is None, r.headers
                assert DATA not in r.body, "416 carries the file"
                assert r.h("Content-Length") == str(len(r.body)), r.headers
            r = c.request("GET", "/d.bin")   # keep-alive after 416
            assert r.status == 200 and r.body == DATA, r


def check_whole_file(specs):
    with Server() as s:
        s.write("d.bin", DATA)
        with Conn(s.port) as c:
            for spec in specs:
                r = c.request("GET", "/d.bin", ["Range: " + spec])
                assert r.status == 200, "Range: %s -> %d, expected 200 (full)" \
                    % (spec, r.status)
                assert r.h("Content-Range") is None, r.headers
                assert r.body == DATA, \
                    "Range: %s -> 200 with Content-Length %s and %d body " \
                    "bytes, not the whole file (%d bytes)" \
                    % (spec, r.h("Content-Length"), len(r.body), len(DATA))


def test_malformed_range_ignored():
    check_whole_file(("bytes=abc", "bytes=5-1", "items=0-5", "bytes=",
                      "bytes 0-5", "bytes=0-5-7", "bytes=--5", "0-5",
                      "bytes=0x10-20", "bytes=0-1,x"))


def test_several_ranges_give_whole_file():
    check_whole_file(("bytes=0-1,5-6", "bytes=0-9,-5",
                      "bytes=0-1,2000-3000,5-6", "bytes=0-1,0-1"))


def test_if_range():
    with Server() as s:
        os.utime(s.write("d.bin", DATA), (MTIME, MTIME))
        etag = get(s.port, "/d.bin").h("ETag")
        for ir, want in ((etag, 206), ('"other"', 200), ("W/" + etag, 200),
                         (LM, 206), (imf(MTIME + 1), 200),
                         (imf(MTIME - 1), 200), ("garbage", 200)):
            r = get(s.port, "/d.bin", ["Range: bytes=10-19", "If-Range: " + ir])
            assert r.status == want, "If-Range: %s -> %d, expected %d" \
                % (ir, r.status, want)
            assert r.body == (DATA[10:20] if want == 206 else DATA), ir


# ---------------------------------------------------------------------------
# 3. Precompressed sidecars
# ---------------------------------------------------------------------------

def test_gzip_sidecar():
    gz = gzip.compress(JS, mtime=0)
    with Server() as s:
        os.utime(s.write("app.js", JS), (MTIME, MTIME))
        os.utime(s.write("app.js.gz", gz), (MTIME + 10, MTIME + 10))
        plain = get(s.port, "/app.js")
        assert plain.status == 200 and plain.body == JS, plain
        assert plain.h("Content-Encoding") is None, plain.headers
        assert "accept-encoding" in (plain.h("Vary") or "").lower(), \
            "no Vary: Accept-Encoding without Accept-Encoding: %r" \
            % plain.headers
        ct = plain.h("Content-Type")
        assert ct.startswith("text/javascript"), ct
        for ae in ("gzip", "gzip, deflate, br", "deflate;q=1, gzip;q=0.5",
                   "GZIP", "x-gzip", "*"):
            r = get(s.port, "/app.js", ["Accept-Encoding: " + ae])
            assert r.status == 200 and r.body == gz, \
                "Accept-Encoding: %s: not the .gz bytes (%d, CE %r)" \
                % (ae, r.status, r.h("Content-Encoding"))
            assert r.h("Content-Encoding") == "gzip", r.headers
            assert r.h("Content-Type") == ct, \
                "Content-Type of app.js.gz is %r, not app.js's %r" \
                % (r.h("Content-Type"), ct)
            assert r.h("Content-Length") == str(len(gz)), r.headers
            assert "accept-encoding" in (r.h("Vary") or "").lower(), r.headers
            assert r.h("ETag") and r.h("ETag") != plain.h("ETag"), \
                "gzip representation has the ETag of the file: %r" % r.h("ETag")
        gz_etag = r.h("ETag")
        for ae in ("gzip;q=0", "deflate", "identity", "gzip;q=0.000, deflate",
                   "gzip;q=0, *", "br"):
            r = get(s.port, "/app.js", ["Accept-Encoding: " + ae])
            assert r.status == 200 and r.body == JS, \
                "Accept-Encoding: %s: got %r encoding" \
                % (ae, r.h("Content-Encoding"))
            assert r.h("Content-Encoding") is None, (ae, r.headers)
            assert "accept-encoding" in (r.h("Vary") or "").lower(), \
                "Accept-Encoding: %s: no Vary: %r" % (ae, r.headers)
        # HEAD tells the length of what GET would send.
        r = get(s.port, "/app.js", ["Accept-Encoding: gzip"], method="HEAD")
        assert r.h("Content-Length") == str(len(gz)), r.headers
        # 304 applies to the representation chosen.
        r = no_body_then_next(s.port, build(
            "GET", "/app.js", ["Accept-Encoding: gzip",
                               "If-None-Match: " + gz_etag]))
        assert r.status == 304, "gzip ETag + gzip accepted -> %d" % r.status
        assert r.h("ETag") == gz_etag, r.headers
        assert "accept-encoding" in (r.h("Vary") or "").lower(), \
            "304 without Vary: %r" % r.headers
        r = get(s.port, "/app.js", ["If-None-Match: " + gz_etag])
        assert r.status == 200 and r.body == JS, \
            "gzip ETag without gzip accepted -> %d (must be 200 of app.js)" \
            % r.status
        r = get(s.port, "/app.js", ["Accept-Encoding: gzip",
                                    "If-None-Match: " + plain.h("ETag")])
        assert r.status == 200 and r.body == gz, \
            "identity ETag with gzip accepted -> %d" % r.status
        r = no_body_then_next(s.port, build(
            "GET", "/app.js", ["If-None-Match: " + plain.h("ETag")]))
        assert r.status == 304 and \
            "accept-encoding" in (r.h("Vary") or "").lower(), r
        # Ranges are of the file's own bytes, never of the .gz.
        r = get(s.port, "/app.js", ["Accept-Encoding: gzip",
                                    "Range: bytes=5-24"])
        assert r.status == 206 and r.body == JS[5:25], (r.status, r.headers)
        assert r.h("Content-Range") == "bytes 5-24/%d" % len(JS), r.headers
        assert r.h("Content-Encoding") is None, r.headers
        assert "accept-encoding" in (r.h("Vary") or "").lower(), r.headers
        r = get(s.port, "/app.js", ["Accept-Encoding: gzip",
                                    "Range: bytes=-10",
                                    "If-Range: " + plain.h("ETag")])
        assert r.status == 206 and r.body == JS[-10:], r
        r = get(s.port, "/app.js", ["Accept-Encoding: gzip",
                                    "Range: bytes=-10", "If-Range: " + gz_etag])
        assert r.status == 200 and r.body == JS, \
            "If-Range with the .gz's ETag: %d %r" % (r.status, r.headers)
        r = _get(s.port, "/app.js", ["Accept-Encoding: gzip",
                                     "Range: bytes=%d-" % len(JS)])
        assert r.status == 416 and \
            r.h("Content-Range") == "bytes */%d" % len(JS), r.headers
        assert r.h("Content-Encoding") is None and \
            r.body.lstrip().lower().startswith(b"<!doctype html"), \
            "416 with Accept-Encoding: its HTML body is labelled " \
            "Content-Encoding %r (%r)" % (r.h("Content-Encoding"), r.headers)
        check_no_dups(r, "416 with Accept-Encoding: gzip")


def test_sidecar_age():
    gz = gzip.compress(JS, mtime=0)
    with Server() as s:
        os.utime(s.write("old.js", JS), (MTIME + 10, MTIME + 10))
        os.utime(s.write("old.js.gz", gz), (MTIME, MTIME))   # older: unused
        os.utime(s.write("same.js", JS), (MTIME, MTIME))
        os.utime(s.write("same.js.gz", gz), (MTIME, MTIME))  # same age: used
        # "gzip -k" and "brotli -k" keep only the seconds of FILE's mtime:
        # a sidecar older by a fraction of the same second is still used
        os.utime(s.write("frac.js", JS), ns=(MTIME * 10**9 + 900000000,) * 2)
        os.utime(s.write("frac.js.gz", gz), (MTIME, MTIME))
        # a whole second older is not
        os.utime(s.write("sec.js", JS), (MTIME + 1, MTIME + 1))
        os.utime(s.write("sec.js.gz", gz), ns=(MTIME * 10**9 + 999999999,) * 2)
        r = get(s.port, "/old.js", ["Accept-Encoding: gzip"])
        assert r.status == 200 and r.body == JS and \
            r.h("Content-Encoding") is None, \
            "a .gz older than its file was sent: %r" % r.headers
        r = get(s.port, "/same.js", ["Accept-Encoding: gzip"])
        assert r.status == 200 and r.body == gz and \
            r.h("Content-Encoding") == "gzip", \
            "a .gz as new as its file was not used: %r" % r.headers
        r = get(s.port, "/frac.js", ["Accept-Encoding: gzip"])
        assert r.h("Content-Encoding") == "gzip" and r.body == gz, \
            "a .gz of the same second as its file was not used: %r" % r.headers
        r = get(s.port, "/sec.js", ["Accept-Encoding: gzip"])
        assert r.h("Content-Encoding") is None and r.body == JS, \
            "a .gz a second older than its file was sent: %r" % r.headers
        # A file touched after its sidecar is no longer sent compressed.
        os.utime(os.path.join(s.root, "same.js"), (MTIME + 20, MTIME + 20))
        r = wait_until(lambda: (lambda x: x if x.body == JS else None)(
            get(s.port, "/same.js", ["Accept-Encoding: gzip"])), 1.5, 0.1)
        assert r, "stale .gz still sent 1.5 s after its file changed"


def test_sidecar_skipped_said_at_debug_level():
    """[log] error_level = debug: the error log says why a sidecar that is
    there is not served (older than its file, not a regular file, a link
    that leaves the docroot), once per change, not per request; at the
    default level (notice) nothing of it, and no debug line at all."""
    gz = gzip.compress(JS, mtime=0)

    def make(s):
        os.utime(s.write("old.js", JS), (MTIME + 10, MTIME + 10))
        os.utime(s.write("old.js.gz", gz), (MTIME, MTIME))
        s.write("dir.js", JS)
        os.makedirs(os.path.join(s.root, "dir.js.br"))
        s.write("shut.js", JS)
        outside = os.path.join(s.dir, "outside.gz")  # not under the docroot
        write_file(outside, gz)
        os.symlink(outside, os.path.join(s.root, "shut.js.gz"))
        s.write("fine.js", JS)
        s.write("fine.js.gz", gz)

    def fetch(s):
        for _ in range(3):
            for name in ("old", "dir", "shut", "fine"):
                r = get(s.port, "/%s.js" % name, ["Accept-Encoding: gzip, br"])
                assert r.status == 200, (name, r)

    with Server(log={"error_level": "debug"}) as s:
        make(s)
        fetch(s)
        want = {
            "old": "sidecar old.js.gz not used: older than old.js "
                   "(mtime %d s < %d s" % (MTIME, MTIME + 10),
            "dir": "sidecar dir.js.br not used: not a regular file",
            "shut": "sidecar shut.js.gz not used: it cannot be opened beneath "
                    "the docroot (a link that leaves it)",
        }
        log = wait_until(lambda: (lambda t: t if all(w in t for w in want.values())
                                  else None)(s.errlog()), 2, 0.1)
        log = log or s.errlog()
        for what, line in want.items():
            assert line in log, (what, log[-1500:])
            # one line per load of the entry: three requests, one worker, one line
            assert log.count(line) == 1, (what, log.count(line))
        assert "[debug] sidecar fine.js" not in log, log[-1500:]
    with Server() as s:
        make(s)
        fetch(s)
        time.sleep(0.3)
        assert "[debug]" not in s.errlog(), s.errlog()[-1500:]
        # a reload applies the level
        s.config["log"]["error_level"] = "debug"
        s.write_config()
        s.send_signal(signal.SIGHUP)
        assert wait_until(lambda: "configuration reloaded" in s.errlog(), 5)
        os.utime(s.write("later.js", JS), (MTIME + 10, MTIME + 10))
        os.utime(s.write("later.js.gz", gz), (MTIME, MTIME))
        get(s.port, "/later.js", ["Accept-Encoding: gzip"])
        assert wait_until(lambda: "sidecar later.js.gz not used: older" in s.errlog(),
                          2, 0.1), s.errlog()[-1500:]


def test_lone_gz():
    """FILE.gz with no FILE (as Debian's /usr/share/doc ships
    changelog.html.gz): sent with Content-Encoding: gzip and FILE's type to
    a client that takes gzip, 404 to the others (both with Vary); the .gz
    itself is still the .gz."""
    gz = gzip.compress(b"<p>changes</p>\n" * 50, mtime=0)
    with Server() as s:
        os.utime(s.write("doc/changelog.html.gz", gz), (MTIME, MTIME))
        r = get(s.port, "/doc/changelog.html", ["Accept-Encoding: gzip, br"])
        assert r.status == 200 and r.body == gz, r
        assert r.h("Content-Encoding") == "gzip", r.headers
        assert r.h("Content-Type").startswith("text/html"), r.headers
        assert r.h("Vary") == "Accept-Encoding" and r.h("ETag"), r.headers
        r2 = get(s.port, "/doc/changelog.html",
                 ["Accept-Encoding: gzip", "If-None-Match: " + r.h("ETag")])
        assert r2.status == 304, r2
        r2 = get(s.port, "/doc/changelog.html", ["Accept-Encoding: gzip",
                                                 "Range: bytes=0-9"])
        assert r2.status == 206 and r2.body == gz[:10], r2  # of the bytes sent
        r2 = get(s.port, "/doc/changelog.html", ["Accept-Encoding: gzip"], method="HEAD")
        assert r2.status == 200 and r2.h("Content-Length") == str(len(gz)), r2
        for ae in (None, "br", "gzip;q=0", "identity"):
            r = get(s.port, "/doc/changelog.html",
                    ["Accept-Encoding: " + ae] if ae else [])
            assert r.status == 404 and r.h("Content-Encoding") is None, (ae, r)
            assert r.h("Vary") == "Accept-Encoding", (ae, r.headers)
        r = get(s.port, "/doc/changelog.html.gz", ["Accept-Encoding: gzip"])
        assert r.status == 200 and r.body == gz, r
        assert r.h("Content-Encoding") is None, r.headers  # the file itself
        assert get(s.port, "/doc/other.html", ["Accept-Encoding: gzip"]).status == 404


def test_brotli_sidecar_preferred():
    gz = gzip.compress(JS, mtime=0)
    br = b"\x1b\x00BROTLI-STAND-IN" + bytes(range(50))
    with Server() as s:
        os.utime(s.write("s.css", b"body{color:red}\n" * 30), (MTIME, MTIME))
        os.utime(s.write("s.css.gz", gz), (MTIME, MTIME))
        os.utime(s.write("s.css.br", br), (MTIME, MTIME))
        os.utime(s.write("onlybr.txt", b"x" * 100), (MTIME, MTIME))
        os.utime(s.write("onlybr.txt.br", br), (MTIME, MTIME))
        ident = get(s.port, "/s.css")
        etags = {"identity": ident.h("ETag")}
        # the client's weights choose; a tie goes to br (the server's order)
        for ae, want in (("gzip, br", "br"), ("br", "br"), ("br;q=0.1, gzip",
                                                            "gzip"),
                         ("br;q=0.9, gzip;q=0.8", "br"), ("*;q=0.5, gzip", "gzip"),
                         ("gzip", "gzip"), ("br;q=0, gzip", "gzip"),
                         ("*", "br"), ("*;q=0", None), ("", None),
                         ("br;q=0, gzip;q=0", None), ("deflate", None)):
            r = get(s.port, "/s.css", ["Accept-Encoding: " + ae])
            body = {"br": br, "gzip": gz, None: ident.body}[want]
            assert r.status == 200 and r.h("Content-Encoding") == want and \
                r.body == body, "Accept-Encoding: %r -> Content-Encoding %r, " \
                "expected %r" % (ae, r.h("Content-Encoding"), want)
            assert r.h("Content-Type") == ident.h("Content-Type"), r.headers
            assert "accept-encoding" in (r.h("Vary") or "").lower(), \
                (ae, r.headers)
            etags.setdefault(want or "identity", r.h("ETag"))
            assert etags[want or "identity"] == r.h("ETag"), \
                "ETag of one representation changed: %r" % etags
        assert len(set(etags.values())) == 3, \
            "identity, gzip and br need three different ETags: %r" % etags
        r = get(s.port, "/s.css", ["Accept-Encoding: gzip, br",
                                   "If-None-Match: " + etags["br"]])
        assert r.status == 304, r
        r = get(s.port, "/s.css", ["Accept-Encoding: gzip",
                                   "If-None-Match: " + etags["br"]])
        assert r.status == 200 and r.body == gz, r
        r = get(s.port, "/onlybr.txt", ["Accept-Encoding: gzip, br"])
        assert r.h("Content-Encoding") == "br" and r.body == br, r.headers
        assert r.h("Content-Type").startswith("text/plain"), r.headers
        r = get(s.port, "/onlybr.txt", ["Accept-Encoding: gzip"])
        assert r.h("Content-Encoding") is None and r.body == b"x" * 100


# ---------------------------------------------------------------------------
# 4. Directory listing and dotfiles
# ---------------------------------------------------------------------------

VOID = {"meta", "link", "br", "img", "input", "hr", "col", "area", "base",
        "embed", "source", "track", "wbr"}


class Listing(html.parser.HTMLParser):
    """Collects table rows (cells' text and the first href) and checks that
    every element is closed in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.rows, self.row, self.cell = [], [], None, None
        self.errors, self.meta_charset, self.title = [], None, ""
        self.doctype = None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and "charset" in a:
            self.meta_charset = a["charset"]
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "tr":
            self.row = {"cells": [], "href": None}
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""
        elif tag == "a" and self.row is not None and self.row["href"] is None:
            self.row["href"] = a.get("href")

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes %r" % (tag, self.stack[-1:]))
        else:
            self.stack.pop()
        if tag in ("td", "th") and self.row is not None:
            self.row["cells"].append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.stack and self.stack[-1] == "title":
            self.title += data


def parse_listing(body):
    p = Listing()
    p.feed(body.decode("utf-8"))
    p.close()
    assert p.doctype and p.doctype.lower() == "doctype html", \
        "no <!DOCTYPE html>: %r" % body[:80]
    assert p.meta_charset and p.meta_charset.lower() == "utf-8", \
        "no <meta charset=\"utf-8\">"
    assert not p.errors and not p.stack, \
        "badly nested HTML: %r, unclosed %r" % (p.errors[:5], p.stack)
    assert p.title.strip(), "listing has no <title>"
    return [r for r in p.rows if r["href"] is not None]


ODD = '<x>&"\'.txt'
UNI = "ünï code.txt"


def test_listing_html_order_escaping_links():
    t0 = calendar.timegm((2024, 2, 29, 13, 5, 59))
    files = {"a.txt": b"a" * 5, "B.txt": b"B" * 12, "z.txt": b"",
             "10.txt": b"ten", "9.txt": b"nine!", ODD: b"odd name\n",
             UNI: "unicode ✓\n".encode(), "a b#c?d%e.txt": b"hash\n"}
    dirs = ["b_dir", "A_dir", "Zeta dir", '<d> & "q"']
    with Server(server={"autoindex": "on"}) as s:
        for name, data in files.items():
            p = s.write("list/" + name, data)
            os.utime(p, (t0, t0))
        for d in dirs:
            os.makedirs(os.path.join(s.root, "list", d))
            s.write("list/%s/inner.txt" % d, b"inner")
        s.write("list/.env", b"SECRET=1\n")
        s.write("list/.hidden_dir/x.txt", b"x")
        with Conn(s.port) as c:
            r = c.request("GET", "/list/")
            assert r.status == 200, r
            assert r.h("Content-Type") == "text/html; charset=utf-8", r.headers
            body = r.body
            rows = parse_listing(body)
            names = [urllib.parse.unquote(row["href"]) for row in rows]
            texts = [row["cells"][0].strip() for row in rows]
            assert texts[0] in ("..", "../") and names[0] in ("..", "../"), \
                "first row is not ..: %r" % texts[:3]
            want_dirs = sorted(dirs, key=lambda n: n.encode())
            want_files = sorted(files, key=lambda n: n.encode())
            want = [d + "/" for d in want_dirs] + want_files
            got = [t for t in texts[1:]]
            assert [g.rstrip("/") for g in got] == \
                [w.rstrip("/") for w in want], \
                "listing order:\n got  %r\n want %r" % (got, want)
            assert b".env" not in body and b".hidden_dir" not in body, \
                "dotfiles listed"
            assert b"<x>" not in body and "&lt;x&gt;&amp;".encode() in body, \
                "name not HTML-escaped"
            for row, text in zip(rows[1:], texts[1:]):
                href = row["href"]
                assert re.match(r"^[A-Za-z0-9._~!$&()*+,;=:@%/-]+$", href) \
                    and not re.search(r"[ <>\"'#?]", href), \
                    "href %r of %r is not percent-encoded" % (href, text)
                # Follow the link like a browser does.
                target = urllib.parse.urljoin("/list/", href)
                name = text.rstrip("/")
                if name in files:
                    f = c.request("GET", target)
                    assert f.status == 200 and f.body == files[name], \
                        "following %r (%s) -> %d" % (href, target, f.status)
                    size, date = row["cells"][1].strip(), row["cells"][2].strip()
                    assert size == str(len(files[name])), \
                        "size column %r for %r" % (size, name)
                    assert date == "2024-02-29 13:05", \
                        "date column %r for %r" % (date, name)
                else:
                    f = c.request("GET", target)
                    assert f.status == 200, (href, f.status)
                    assert b"<d>" not in f.body, \
                        "directory name not HTML-escaped in its listing"
                    sub = parse_listing(f.body)
                    assert [x["cells"][0].strip() for x in sub][1:] == \
                        ["inner.txt"], sub
            assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}",
                             rows[1]["cells"][2]), rows[1]


def test_dotfiles_hidden_and_well_known():
    with Server(server={"autoindex": "on"}) as s:
        s.write(".git/config", b"[core]\n")
        s.write(".env", b"SECRET=1\n")
        s.write("a/.hidden", b"hidden\n")
        s.write("a/visible.txt", b"visible\n")
        s.write(".well-known/security.txt", b"Contact: x\n")
        s.write("index.html", b"home\n")
        with Conn(s.port) as c:
            for path in ("/.git/config", "/.env", "/a/.hidden", "/.git/",
                         "/.git", "/%2eenv", "/a/%2Ehidden", "/a/./.hidden",
                         "/.well-known/../.env", "/.git/config?x=1"):
                r = c.request("GET", path)
                assert r.status == 404, "%s -> %d, expected 404" \
                    % (path, r.status)
                assert b"SECRET" not in r.body and b"[core]" not in r.body
            r = c.request("GET", "/.well-known/security.txt")
            assert r.status == 200 and r.body == b"Contact: x\n", \
                "/.well-known/security.txt -> %d" % r.status
            r = c.request("GET", "/a/")
            assert r.status == 200 and b"visible.txt" in r.body and \
                b".hidden" not in r.body, r.body
    with Server(server={"autoindex": "on", "hide_dotfiles": "off"}) as s:
        s.write(".env", b"SECRET=1\n")
        s.write("a/.hidden", b"hidden\n")
        r = get(s.port, "/.env")
        assert r.status == 200 and r.body == b"SECRET=1\n", \
            "hide_dotfiles = off: /.env -> %d" % r.status
        r = get(s.port, "/a/.hidden")
        assert r.status == 200, r
        r = get(s.port, "/")
        rows = parse_listing(r.body)
        assert ".env" in [x["cells"][0].strip() for x in rows], \
            "hide_dotfiles = off: .env not listed"


# ---------------------------------------------------------------------------
# 5. Error pages
# ---------------------------------------------------------------------------

PAGE404 = b"<!DOCTYPE html><title>Lost</title><p>CUSTOM-404-PAGE</p>\n"


def test_error_page_and_keepalive():
    with Server(server={"autoindex": "off"},
                extra="\n[errors]\n404 = /404.html\n", start=False) as s:
        s.write("404.html", PAGE404)
        s.start()
        s.write("hello.txt", b"hello\n")
        s.write("noindex/f.txt", b"x")
        with Conn(s.port) as c:
            r = c.request("GET", "/missing.html")
            assert r.status == 404, "custom 404 page sent with %d" % r.status
            assert r.body == PAGE404, "404 body: %r" % r.body[:200]
            assert r.h("Content-Type").startswith("text/html"), r.headers
            assert r.h("Content-Length") == str(len(PAGE404)), r.headers
            r = c.request("GET", "/hello.txt")
            assert r.status == 200 and r.body == b"hello\n", \
                "no 200 after a 404 on the same connection: %r" % r
            r = c.request("GET", "/.env")          # hidden: also the page
            assert r.status == 404 and r.body == PAGE404, r
            r = c.request("GET", "/missing", ["Range: bytes=0-3"])
            assert r.status == 404 and r.body == PAGE404, \
                "404 with Range: %d %r" % (r.status, r.body[:60])
            r = c.request("GET", "/noindex/")       # no page for 403
            assert r.status in (403, 404), r
            if r.status == 403:
                assert b"403" in r.body and b"CUSTOM" not in r.body, r.body
            r = c.request("GET", "/404.html")       # the page itself: 200
            assert r.status == 200 and r.body == PAGE404, r
            r = c.request("POST", "/hello.txt", ["Content-Length: 0"])
            assert r.status == 405 and b"405" in r.body, r
            r = c.request("GET", "/hello.txt")
            assert r.status == 200, r
        r = no_body_then_next(s.port, build("HEAD", "/missing.html"))
        assert r.status == 404 and r.h("Content-Length") in \
            (str(len(PAGE404)), None), r.headers
        lines = wait_for_lines(s.access_log, 10)
        assert any('"GET /missing.html HTTP/1.1" 404 %d ' % len(PAGE404) in l
                   for l in lines), lines


def test_t_missing_error_page_names_line():
    with Server(extra="\n[errors]\n404 = /nothere.html\n", start=False) as s:
        rc, err = t_config(s, expect_ok=False)
        line = line_of(s.config_text(), "404 = /nothere.html")
        assert rc == 1, "-t with a missing [errors] page: rc %d, %s" % (rc, err)
        assert "%s:%d:" % (s.conf, line) in err, \
            "expected %s:%d: in %r" % (s.conf, line, err)
        s.start(wait=False)
        assert s.wait_exit(10) == 1, "server started with a missing page"
    with Server(extra="\n[errors]\n404 = /there.html\n", start=False) as s:
        s.write("there.html", b"x")
        t_config(s, expect_ok=True)


# ---------------------------------------------------------------------------
# 6. [headers]
# ---------------------------------------------------------------------------

EXTRA = {"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
         "X-Test-Header": "a b c"}


def test_headers_on_every_response():
    extra = "\n[headers]\n" + "".join("%s = %s\n" % kv for kv in EXTRA.items())
    with Server(server={"autoindex": "on"}, extra=extra) as s:
        os.utime(s.write("f.txt", DATA), (MTIME, MTIME))
        s.write("dir/x.txt", b"x")
        s.write("list/x.txt", b"x")
        etag = get(s.port, "/f.txt").h("ETag")
        cases = [
            ("200", build("GET", "/f.txt"), 200),
            ("304", build("GET", "/f.txt", ["If-None-Match: " + etag]), 304),
            ("206", build("GET", "/f.txt", ["Range: bytes=0-1"]), 206),
            ("416", build("GET", "/f.txt", ["Range: bytes=5000-"]), 416),
            ("404", build("GET", "/nope"), 404),
            ("301", build("GET", "/dir"), 301),
            ("listing", build("GET", "/list/"), 200),
            ("405", build("POST", "/f.txt", ["Content-Length: 0"]), 405),
            ("400", build("GET", "/../x"), 400),
            ("HEAD", build("HEAD", "/f.txt"), 200),
            ("414", build("GET", "/" + "a" * 8200), 414),
            ("431", build("GET", "/f.txt", ["X-Big: " + "b" * 8200]), 431),
        ]
        for what, req, status in cases:
            data = raw(req[:-2] + b"Connection: close\r\n\r\n"
                       if req.endswith(b"\r\n\r\n") else req, s.port)
            r = parse_one(bytearray(data), head=True, eof=True)[0]
            assert r.status == status, (what, r)
            for k, v in EXTRA.items():
                assert r.count(k) == 1 and r.h(k) == v, \
                    "%s response: %s is %r (%d times)" \
                    % (what, k, r.h(k), r.count(k))


def test_managed_header_is_config_error():
    for name in ("Content-Type", "Cache-Control", "content-length", "ETag",
                 "Vary"):
        with Server(extra="\n[headers]\nX-Ok = 1\n%s = x\n" % name,
                    start=False) as s:
            rc, err = t_config(s, expect_ok=False)
            line = line_of(s.config_text(), "%s = x" % name)
            assert rc == 1, "[headers] %s accepted by -t: %s" % (name, err)
            assert "%s:%d:" % (s.conf, line) in err, \
                "[headers] %s: expected %s:%d: in %r" % (name, s.conf, line, err)
            if name == "Content-Type":
                s.start(wait=False)
                assert s.wait_exit(10) == 1, \
                    "server started with [headers] Content-Type"


if __name__ == "__main__":
    run(globals())
