#!/usr/bin/env python3
"""Compression on the fly ([compress], minihttpd.conf(5)): copies made once
by the compression threads, kept in cache_dir, sent with Content-Encoding,
Content-Length, Vary and an ETag of their own; the file as it is while a
copy is made; every compressed response decompresses to the file's bytes;
ranges of the file itself; a file rewritten in place never gets a stale
copy; a full cache evicts and keeps serving; copies survive a restart and a
damaged one is never served; a cache_dir that cannot be used is a start-up
and -t error naming its line."""

import gzip
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

# generous bounds: a sanitizer build on a busy machine is slow
READY_SEC = 300
SEARCHINDEX = "/usr/share/doc/python3.11/html/searchindex.js"


def text(n, seed=1):
    """n bytes of compressible, not trivially repetitive text."""
    rnd = random.Random(seed)
    words = [("w%d" % rnd.randrange(5000)).encode() for _ in range(4000)]
    out = bytearray()
    while len(out) < n:
        out += b" ".join(rnd.choice(words) for _ in range(12)) + b"\n"
    return bytes(out[:n])


def decode(coding, body):
    if coding is None:
        return body
    if coding == "gzip":
        return gzip.decompress(body)
    tool = {"br": ["brotli", "-d", "-c"], "zstd": ["zstd", "-d", "-c", "-q"]}
    if coding not in tool:
        raise AssertionError("unknown Content-Encoding %r" % coding)
    if not shutil.which(tool[coding][0]):
        raise Skip("%s is not installed" % tool[coding][0])
    return subprocess.run(tool[coding], input=body, stdout=subprocess.PIPE,
                          check=True, timeout=60).stdout


def compress_server(enc="br gzip zstd", min_size=1024, cache_size=None,
                    cache_dir=True, start=True, **kw):
    s = Server(start=False, **kw)
    lines = ["[compress]", "encodings = " + enc, "min_size = %d" % min_size]
    if cache_dir:
        s.cache_dir = os.path.join(s.dir, "zc")
        lines.append("cache_dir = " + s.cache_dir)
    if cache_size:
        lines.append("cache_size = " + cache_size)
    s.extra += "\n".join(lines) + "\n"
    if start:
        s.start()
    return s


def copies(s):
    return sorted(n for n in os.listdir(s.cache_dir) if not n.startswith("."))


def wait_coded(s, path, ae, coding, timeout=READY_SEC):
    """GET path until it comes with Content-Encoding coding; that response."""
    got = {}

    def done():
        r = get(s.port, path, ["Accept-Encoding: " + ae])
        assert r.status == 200, r
        got["r"] = r
        return r.h("Content-Encoding") == coding
    if not wait_until(done, timeout, step=0.05):
        raise AssertionError("%s: no %s copy within %ds (last: %r)"
                             % (path, coding, timeout, got["r"].headers))
    return got["r"]


def test_first_as_is_then_the_copy():
    data = text(50000)
    with compress_server() as s:
        s.write("a.html", data)
        first = get(s.port, "/a.html", ["Accept-Encoding: br"])
        assert first.status == 200 and first.body == data, first
        assert first.h("Content-Encoding") is None or \
            decode("br", first.body) == data, first.headers
        assert first.h("Vary") == "Accept-Encoding", first.headers
        plain = get(s.port, "/a.html")
        assert plain.h("Vary") == "Accept-Encoding", \
            "no Vary on the identity response of a compressible file: %r" \
            % plain.headers
        etags = {None: plain.h("ETag")}
        for coding in ("br", "gzip", "zstd"):
            r = wait_coded(s, "/a.html", coding, coding)
            assert decode(coding, r.body) == data, coding
            assert r.h("Content-Length") == str(len(r.body)), r.headers
            assert r.h("Transfer-Encoding") is None, r.headers
            assert len(r.body) < len(data) // 2, (coding, len(r.body))
            assert r.h("Vary") == "Accept-Encoding", r.headers
            assert r.h("Content-Type").startswith("text/html"), r.headers
            assert r.h("Last-Modified") == plain.h("Last-Modified"), r.headers
            etag = r.h("ETag")
            assert etag and etag not in etags.values(), (etag, etags)
            assert etag.endswith('-%s"' % coding), etag
            etags[coding] = etag
            h = get(s.port, "/a.html", ["Accept-Encoding: " + coding],
                    method="HEAD")
            assert h.status == 200 and h.body == b"", h
            for name in ("Content-Length", "Content-Encoding", "ETag", "Vary",
                         "Content-Type", "Last-Modified"):
                assert h.h(name) == r.h(name), (name, h.headers, r.headers)
        # one copy per coding, no duplicate work
        names = copies(s)
        assert len(names) == 3, names
        assert sorted(n.rsplit(".", 1)[1] for n in names) == \
            ["br", "gz", "zst"], names
        # 304 with the ETag of the form the request gets; the other form's
        # ETag is not a match
        for coding in ("br", "gzip", "zstd"):
            r = get(s.port, "/a.html", ["Accept-Encoding: " + coding,
                                        "If-None-Match: " + etags[coding]])
            assert r.status == 304 and r.body == b"", r
            assert r.h("ETag") == etags[coding], r.headers
            assert r.h("Content-Encoding") == coding, r.headers
            assert r.h("Vary") == "Accept-Encoding", r.headers
            r = get(s.port, "/a.html", ["Accept-Encoding: " + coding,
                                        "If-None-Match: " + etags[None]])
            assert r.status == 200 and r.h("Content-Encoding") == coding, r
        r = get(s.port, "/a.html", ["If-None-Match: " + etags[None]])
        assert r.status == 304 and r.h("Content-Encoding") is None, r
        r = get(s.port, "/a.html", ["If-None-Match: %s, %s"
                                    % (etags["br"], etags[None])])
        assert r.status == 304 and r.h("ETag") == etags[None], r
        # ranges are of the file's own bytes
        r = get(s.port, "/a.html", ["Accept-Encoding: br",
                                    "Range: bytes=100-199"])
        assert r.status == 206 and r.body == data[100:200], r
        assert r.h("Content-Encoding") is None, r.headers
        assert r.h("Content-Range") == "bytes 100-199/%d" % len(data)
        assert r.h("Vary") == "Accept-Encoding", r.headers
        # keep-alive: copies and files on one connection, in order
        with Conn(s.port) as c:
            for ae in ("br", "", "gzip", "zstd", "br"):
                r = c.request("GET", "/a.html",
                              ["Accept-Encoding: " + ae] if ae else [])
                assert r.status == 200, r
                assert decode(r.h("Content-Encoding"), r.body) == data
                assert r.h("Content-Encoding") == (ae or None), r.headers
        log = wait_for_lines(s.access_log, 1)
        assert log


def test_negotiation():
    data = text(20000, seed=2)
    with compress_server(enc="br gzip zstd") as s:
        s.write("n.css", data)
        for coding in ("br", "gzip", "zstd"):
            wait_coded(s, "/n.css", coding, coding)
        cases = [
            ("gzip, br, zstd", "br"),          # a tie: the config's order
            ("zstd, gzip", "gzip"),
            ("gzip;q=0.5, zstd;q=0.6", "zstd"),
            ("br;q=0.1, gzip;q=0.9", "gzip"),
            ("br;q=0, gzip;q=0", None),
            ("*", "br"),
            ("*, br;q=0", "gzip"),
            ("*;q=0", None),
            ("identity;q=0, zstd;q=0.1", "zstd"),
            ("gzip;q=0.5, identity", None),    # identity weighted higher
            ("identity;q=0", None),            # nothing else: as it is
            ("deflate, compress", None),
            ("x-gzip", "gzip"),
            ("BR", "br"),
        ]
        for ae, want in cases:
            r = get(s.port, "/n.css", ["Accept-Encoding: " + ae])
            assert r.status == 200 and r.h("Content-Encoding") == want, \
                "Accept-Encoding: %s -> %r, want %r" \
                % (ae, r.h("Content-Encoding"), want)
            assert decode(want, r.body) == data, ae
            assert r.h("Vary") == "Accept-Encoding", (ae, r.headers)
    # the config's order decides a tie
    with compress_server(enc="zstd gzip") as s:
        s.write("n.css", data)
        r = wait_coded(s, "/n.css", "gzip, zstd, br", "zstd")
        assert decode("zstd", r.body) == data
        r = get(s.port, "/n.css", ["Accept-Encoding: br"])
        assert r.h("Content-Encoding") is None, r.headers  # br not enabled
        assert "Accept-Encoding" == r.h("Vary"), r.headers


def test_sizes_and_types():
    """Sizes around min_size and the encoders' 64 KiB chunks decompress to
    the file; smaller files and other types go as they are, without Vary."""
    chunk = 64 * 1024
    sizes = [99, 100, 101, chunk - 1, chunk, chunk + 1, 2 * chunk + 7,
             3 * chunk]
    with compress_server(min_size=100) as s:
        for n in sizes:
            s.write("s%d.txt" % n, text(n, seed=n))
        s.write("p.png", text(5000))
        s.write("d.json", text(3000, seed=9))
        for coding in ("br", "gzip", "zstd"):
            for n in sizes:
                path = "/s%d.txt" % n
                data = text(n, seed=n)
                if n < 100:
                    for _ in range(3):
                        r = get(s.port, path, ["Accept-Encoding: " + coding])
                        assert r.h("Content-Encoding") is None and \
                            r.body == data, (n, r.headers)
                        assert r.h("Vary") is None, (n, r.headers)
                        time.sleep(0.05)
                    continue
                r = wait_coded(s, path, coding, coding)
                assert decode(coding, r.body) == data, (coding, n)
                assert r.h("Content-Length") == str(len(r.body)), r.headers
            r = wait_coded(s, "/d.json", coding, coding)
            assert decode(coding, r.body) == text(3000, seed=9)
        for _ in range(5):
            r = get(s.port, "/p.png", ["Accept-Encoding: gzip, br"])
            assert r.h("Content-Encoding") is None and r.h("Vary") is None, \
                r.headers
            time.sleep(0.05)


def test_loop_never_blocks():
    """While a 4 MiB file is compressed, a small file is answered at once
    by the only worker, and the big file goes out as it is."""
    big = text(4 * 1024 * 1024, seed=4)
    small = b"<p>small</p>\n"
    with compress_server(server={"workers": 1}) as s:
        s.write("big.js", big)
        s.write("small.html", small)
        r = get(s.port, "/big.js", ["Accept-Encoding: br"])
        assert r.status == 200 and r.body == big and \
            r.h("Content-Encoding") is None, r.headers
        worst, seen_identity = 0.0, 0
        deadline = time.monotonic() + READY_SEC
        coded = None
        while time.monotonic() < deadline and coded is None:
            t0 = time.monotonic()
            r = get(s.port, "/small.html")
            worst = max(worst, time.monotonic() - t0)
            assert r.status == 200 and r.body == small, r
            r = get(s.port, "/big.js", ["Accept-Encoding: br"])
            if r.h("Content-Encoding") == "br":
                coded = r
            else:
                assert r.body == big
                seen_identity += 1
        assert coded is not None, "no br copy of 4 MiB within %ds" % READY_SEC
        assert decode("br", coded.body) == big
        assert worst < 2.0, \
            "a small file took %.2fs while a big one was compressed" % worst


def test_other_codings_meanwhile():
    """A client taking br and gzip gets a copy in either while the one it
    prefers is made; both are made, and then the one it prefers is sent."""
    data = text(1500000, seed=7)
    with compress_server(enc="br gzip zstd") as s:
        s.write("o.js", data)
        r = get(s.port, "/o.js", ["Accept-Encoding: gzip, br"])
        assert decode(r.h("Content-Encoding"), r.body) == data
        r = wait_coded(s, "/o.js", "gzip, br", "br")
        assert decode("br", r.body) == data
        assert wait_until(lambda: len(copies(s)) == 2, READY_SEC), copies(s)
        assert sorted(n.rsplit(".", 1)[1] for n in copies(s)) == ["br", "gz"]
        r = get(s.port, "/o.js", ["Accept-Encoding: gzip"])
        assert r.h("Content-Encoding") == "gzip" and \
            decode("gzip", r.body) == data, r.headers


def test_rewritten_in_place_never_stale():
    old = text(30000, seed=5)
    new = text(30000, seed=6)
    assert len(old) == len(new) and old != new
    with compress_server() as s:
        path = s.write("r.html", old)
        wait_coded(s, "/r.html", "gzip", "gzip")
        st = os.stat(path)
        # the same size, the same mtime (to the second): only the
        # nanoseconds and ctime tell
        with open(path, "r+b") as f:
            f.write(new)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
        time.sleep(1.1)  # the open-file cache trusts metadata for 1 s
        deadline = time.monotonic() + READY_SEC
        got_new_copy = False
        while time.monotonic() < deadline and not got_new_copy:
            r = get(s.port, "/r.html", ["Accept-Encoding: gzip"])
            body = decode(r.h("Content-Encoding"), r.body)
            assert body == new, \
                "the old version after a rewrite (CE %r)" % r.h("Content-Encoding")
            got_new_copy = r.h("Content-Encoding") == "gzip"
            time.sleep(0.05)
        assert got_new_copy


def test_full_cache_evicts_and_keeps_serving():
    # copies of about 23 KiB each: two fit in 64 KiB, not three
    files = {"f%d.txt" % i: text(60000, seed=10 + i) for i in range(6)}
    with compress_server(enc="gzip", cache_size="64K") as s:
        for name, data in files.items():
            s.write(name, data)
        for name, data in files.items():
            r = wait_coded(s, "/" + name, "gzip", "gzip")
            assert decode("gzip", r.body) == data
            total = sum(os.path.getsize(os.path.join(s.cache_dir, n))
                        for n in copies(s))
            assert total <= 64 * 1024, "cache_dir holds %d bytes" % total
        names = copies(s)
        assert 0 < len(names) < len(files), names
        # evicted or not, every file is served right
        for _ in range(2):
            for name, data in files.items():
                r = get(s.port, "/" + name, ["Accept-Encoding: gzip"])
                assert r.status == 200 and \
                    decode(r.h("Content-Encoding"), r.body) == data, name
        # the most recently used one stays
        last = list(files)[-1]
        r = get(s.port, "/" + last, ["Accept-Encoding: gzip"])
        assert r.h("Content-Encoding") == "gzip", r.headers


def test_restart_keeps_copies_and_drops_damaged_ones():
    files = {"k%d.html" % i: text(40000, seed=20 + i) for i in range(3)}
    keep = tempfile.mkdtemp(prefix="minihttpd-test-keep-")
    root, cache_dir = os.path.join(keep, "www"), os.path.join(keep, "zc")
    try:
        with compress_server(enc="gzip") as s:
            for name, data in files.items():
                s.write(name, data)
            for name in files:
                wait_coded(s, "/" + name, "gzip", "gzip")
            s.stop()
            # moved, not copied: the files keep their inodes (and keys)
            os.rename(s.root, root)
            os.rename(s.cache_dir, cache_dir)
        names = [n for n in os.listdir(cache_dir) if not n.startswith(".")]
        assert len(names) == 3, names
        truncated, flipped, kept = sorted(names)
        p = os.path.join(cache_dir, truncated)
        os.truncate(p, os.path.getsize(p) - 10)
        with open(os.path.join(cache_dir, flipped), "r+b") as f:
            f.seek(100)
            b = f.read(1)
            f.seek(100)
            f.write(bytes([b[0] ^ 0xff]))
        write_file(os.path.join(cache_dir, ".tmp-1-1"), b"left by a crash")
        os.utime(os.path.join(cache_dir, ".tmp-1-1"), (1, 1))
        write_file(os.path.join(cache_dir, ".tmp-2-2"), b"another's, being written")
        write_file(os.path.join(cache_dir, "README"), b"not ours")
        s2 = Server(start=False, server={"docroot": root})
        s2.cache_dir = cache_dir
        s2.extra = "[compress]\nencodings = gzip\ncache_dir = %s\n" % cache_dir
        with s2:
            s2.start()
            # the start-up scan may still be running when the port answers
            # (seen under valgrind): bounded wait
            wait_until(lambda: truncated not in os.listdir(cache_dir), 30, 0.1)
            left = set(os.listdir(cache_dir))
            assert truncated not in left, "a truncated copy was kept at start"
            assert ".tmp-1-1" not in left and "README" in left, left
            assert ".tmp-2-2" in left, left
            assert kept in left, left
            for _ in range(40):
                for name, data in files.items():
                    r = get(s2.port, "/" + name, ["Accept-Encoding: gzip"])
                    assert r.status == 200, r
                    assert decode(r.h("Content-Encoding"), r.body) == data, \
                        "%s: a damaged copy was served" % name
                time.sleep(0.05)
            for name, data in files.items():
                r = wait_coded(s2, "/" + name, "gzip", "gzip")
                assert decode("gzip", r.body) == data
            assert kept in os.listdir(cache_dir)
    finally:
        shutil.rmtree(keep, ignore_errors=True)


def test_cache_dir_errors_name_the_line():
    with Server(start=False) as s:
        afile = s.write("afile", b"x")
        for where, why in ((afile, "not a directory"),
                           (afile + "/sub", "Not a directory"),
                           (s.dir + "/none/zc", "cannot be created")):
            s.extra = "[compress]\nmin_size = 10\ncache_dir = %s\n" % where
            s.write_config()
            lines = s.config_text().split("\n")
            line = lines.index("cache_dir = %s" % where) + 1
            for args in (["-t"], []):
                p = subprocess.run([binary(), "-c", s.conf] + args,
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, timeout=20)
                err = p.stderr.decode()
                assert p.returncode == 1, (args, p.returncode, err)
                assert "%s:%d: cache_dir = %s" % (s.conf, line, where) in err, \
                    (args, err)
                assert why in err, err
                assert len(err.strip().splitlines()) == 1, err


def test_cache_dir_not_writable_by_the_user():
    """As root with user = nobody: a cache_dir only root may write is an
    error of -t and of start-up, naming its line and the user."""
    if os.geteuid() != 0:
        raise Skip("needs root (drops to nobody)")
    with Server(start=False, server={"user": "nobody"}) as s:
        os.chmod(s.dir, 0o755)
        zc = os.path.join(s.dir, "zc")
        os.mkdir(zc, 0o755)
        s.config["log"] = {"access_log": "-", "error_log": "-"}
        s.extra = "[compress]\ncache_dir = %s\n" % zc
        s.write_config()
        line = s.config_text().split("\n").index("cache_dir = %s" % zc) + 1
        want = "%s:%d: cache_dir = %s: Permission denied (as user nobody)" \
            % (s.conf, line, zc)
        for args in (["-t"], []):
            p = subprocess.run([binary(), "-c", s.conf] + args,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=20)
            err = p.stderr.decode()
            assert p.returncode == 1 and want in err, (args, p.returncode, err)
        os.chown(zc, 65534, 65534)  # nobody's: fine now
        p = subprocess.run([binary(), "-t", "-c", s.conf], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=20)
        assert p.returncode == 0, p.stderr


def test_private_dir_made_and_removed():
    tmp = tempfile.mkdtemp(prefix="minihttpd-test-tmp-")
    old = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = tmp
    try:
        s = compress_server(cache_dir=False, start=False)
        with s:
            s.start()

            def ours():  # (valgrind keeps its vgdb pipes in TMPDIR too)
                return [n for n in os.listdir(tmp) if n.startswith("minihttpd-")]
            # made after the port is bound, once root is dropped
            assert wait_until(lambda: ours(), 30), os.listdir(tmp)
            made = ours()
            assert len(made) == 1, made
            data = text(8000, seed=30)
            s.write("p.html", data)
            r = wait_coded(s, "/p.html", "br", "br")
            assert decode("br", r.body) == data
            assert len(os.listdir(os.path.join(tmp, made[0]))) == 1
        left = [n for n in os.listdir(tmp) if n.startswith("minihttpd-")]
        assert left == [], "private cache dir left: %r" % left
    finally:
        if old is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = old
        shutil.rmtree(tmp, ignore_errors=True)


def test_off_keeps_sidecars():
    data = text(20000, seed=40)
    gz = gzip.compress(data, mtime=0)
    with compress_server(enc="off") as s:
        s.write("o.html", data)
        p = s.write("g.html", data)
        g = s.write("g.html.gz", gz)
        st = os.stat(p)
        os.utime(g, (st.st_mtime + 1, st.st_mtime + 1))
        for _ in range(10):
            r = get(s.port, "/o.html", ["Accept-Encoding: gzip, br"])
            assert r.h("Content-Encoding") is None and r.body == data, r.headers
            r = get(s.port, "/g.html", ["Accept-Encoding: gzip, br"])
            assert r.h("Content-Encoding") == "gzip" and r.body == gz, r.headers
            time.sleep(0.05)
        assert copies(s) == []


def test_sidecar_wins_over_copies():
    data = text(20000, seed=41)
    gz = gzip.compress(data, mtime=0)
    with compress_server(enc="br gzip") as s:
        p = s.write("g.html", data)
        g = s.write("g.html.gz", gz)
        st = os.stat(p)
        os.utime(g, (st.st_mtime, st.st_mtime))
        for _ in range(10):
            r = get(s.port, "/g.html", ["Accept-Encoding: gzip, br"])
            assert r.h("Content-Encoding") == "gzip" and r.body == gz, r.headers
            time.sleep(0.05)
        assert copies(s) == [], copies(s)


def test_many_clients_one_copy():
    data = text(300000, seed=50)
    with compress_server(enc="br", server={"workers": 2}) as s:
        s.write("m.js", data)
        errors = []

        def client():
            try:
                for _ in range(10):
                    r = get(s.port, "/m.js", ["Accept-Encoding: br"])
                    assert decode(r.h("Content-Encoding"), r.body) == data
            except BaseException as e:  # reported below
                errors.append(e)
        ts = [threading.Thread(target=client) for _ in range(6)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        assert not errors, errors
        wait_coded(s, "/m.js", "br", "br")
        assert len(copies(s)) == 1, copies(s)


def test_full_queue_sends_as_is():
    """MH_ZCACHE_QUEUE_MAX (256) versions wait for a compression thread;
    the 257th and later are sent as they are, counted as dropped on the
    status page, and asked for again by a later request.  Both threads are
    kept busy by two 4 MiB files (seconds of brotli each), then
    300 small files are asked for on one connection."""
    qmax = bounds()["MH_ZCACHE_QUEUE_MAX"]
    n = qmax + 44
    with compress_server(enc="br", server={"workers": 1}, start=False) as s:
        s.extra += "[status]\npath = /st\n"
        s.start()
        for i in range(2):
            s.write("big%d.txt" % i, text(4 * 1024 * 1024, seed=60 + i))
        small = {}
        for i in range(n):
            small[i] = text(2048, seed=1000 + i)
            s.write("s/%03d.txt" % i, small[i])

        def stats():
            r = get(s.port, "/st?format=json")
            assert r.status == 200, r
            return json.loads(r.body)["compression"]
        for i in range(2):
            r = get(s.port, "/big%d.txt" % i, ["Accept-Encoding: br"])
            assert r.status == 200 and r.h("Content-Encoding") is None, r.headers
        assert stats()["queued"] == 2
        with Conn(s.port) as c:
            for i in range(n):
                r = c.request("GET", "/s/%03d.txt" % i, ["Accept-Encoding: br"])
                assert r.status == 200 and r.body == small[i], (i, r)
                assert r.h("Content-Encoding") is None, (i, r.headers)
        st = stats()
        assert st["copies_made"] == 0, \
            "a big file was done before the queue filled: %r" % st
        assert st["queued"] == 2 + qmax and st["dropped"] == n - qmax, st
        # a dropped one is queued by a later request, once there is room
        r = wait_coded(s, "/s/%03d.txt" % (n - 1), "br", "br")
        assert decode("br", r.body) == small[n - 1]


def test_largest_file_compressed():
    """MH_COMPRESS_FILE_MAX (64 MiB): a file of that size is queued for a
    copy, one byte more is always sent as it is and never queued."""
    fmax = bounds()["MH_COMPRESS_FILE_MAX"]
    with compress_server(enc="gzip", server={"workers": 1}, start=False) as s:
        s.extra += "[status]\npath = /st\n"
        s.start()
        for name, size in (("n.txt", fmax), ("n1.txt", fmax + 1)):
            with open(os.path.join(s.root, name), "wb") as f:
                f.truncate(size)  # sparse: zeros that take no disk

        def queued():
            r = get(s.port, "/st?format=json")
            assert r.status == 200, r
            return json.loads(r.body)["compression"]["queued"]
        for _ in range(2):
            r = get(s.port, "/n1.txt", ["Accept-Encoding: gzip"], method="HEAD")
            assert r.status == 200 and r.h("Content-Encoding") is None, r.headers
            assert r.h("Content-Length") == str(fmax + 1), r.headers
        assert queued() == 0
        r = get(s.port, "/n.txt", ["Accept-Encoding: gzip"], method="HEAD")
        assert r.status == 200, r
        assert queued() == 1


run(globals())
