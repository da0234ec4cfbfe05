# test_fs.py -- the file system changing under the server: a large file
# truncated, replaced by rename or deleted while it is being sent; a small
# (in-memory) file rewritten in place; a docroot symlink swapped to a new
# release; a file made unreadable (server running as nobody); a FIFO and
# device nodes in the docroot.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_fs.py

import hashlib
import os
import pwd
import socket
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

HELLO = b"hello, file system\n"
MIB = 1 << 20
BIG = 30 * MIB


def pattern(n, seed=b"old"):
    """n bytes whose every 64 KiB block differs (a cut shows where)."""
    out = bytearray()
    i = 0
    while len(out) < n:
        block = hashlib.sha256(seed + b"%d" % i).digest() * 2048
        out += block
        i += 1
    return bytes(out[:n])


def start_download(port, path):
    """A GET whose client reads only the head and 1 MiB of body.  Returns
    (socket, Content-Length, body bytes read so far)."""
    c = socket.socket()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    c.settimeout(5)
    c.connect(("127.0.0.1", port))
    c.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
    buf = bytearray()
    while b"\r\n\r\n" not in buf:
        d = c.recv(65536)
        assert d, "closed before the head"
        buf += d
    end = buf.index(b"\r\n\r\n")
    r = parse_one(bytearray(buf[:end + 4]), head=True)[0]
    assert r.status == 200, r
    body = bytearray(buf[end + 4:])
    while len(body) < MIB:
        d = c.recv(65536)
        assert d, "closed after %d body bytes" % len(body)
        body += d
    return c, int(r.h("Content-Length")), body


def finish_download(c, body, length, timeout=8):
    """Read the rest; returns (body, True if the server closed)."""
    deadline = time.monotonic() + timeout
    closed = False
    try:
        while len(body) < length:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            c.settimeout(left)
            try:
                d = c.recv(1 << 20)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not d:
                closed = True
                break
            body += d
    finally:
        c.close()
    return bytes(body), closed


def wait_for(port, path, pred, timeout):
    """Poll GET path until pred(response); returns (response, seconds)."""
    t0 = time.monotonic()
    while True:
        r = get(port, path)
        if pred(r) or time.monotonic() - t0 > timeout:
            return r, time.monotonic() - t0
        time.sleep(0.05)


def changed_while_sending(change, after_pred, after_what, intact=BIG):
    """Start a 30 MB download, apply change(path) once 1 MiB has arrived,
    read the rest.  The body must be complete or cut by a close, never
    hang, and its first `intact` bytes the old content; then after_pred
    holds for a new GET within 1.5 s.  (Bytes past a truncation that were
    already in flight are the kernel's business: sendfile() queues page
    cache pages by reference, and truncating zeroes or drops them.)"""
    old = pattern(BIG)
    with Server(server={"send_timeout": 30}) as s:
        s.write("hello.txt", HELLO)
        path = s.write("big.bin", old)
        c, length, body = start_download(s.port, "/big.bin")
        assert length == BIG, length
        change(path)
        t0 = time.monotonic()
        cpu0 = cpu_seconds(s.proc.pid)
        body, closed = finish_download(c, body, length)
        took = time.monotonic() - t0
        assert len(body) == length or closed, \
            "%d of %d body bytes and the connection still open %.1f s " \
            "after the change" % (len(body), length, took)
        n = min(len(body), intact)
        assert body[:n] == old[:n], \
            "the body is not the old content (first difference at byte %d " \
            "of %d)" % (next(i for i in range(len(body))
                             if body[i] != old[i]), n)
        cpu = cpu_seconds(s.proc.pid) - cpu0
        assert cpu < max(1.5, took), "server used %.1f s CPU in %.1f s" \
            % (cpu, took)
        r, waited = wait_for(s.port, "/big.bin", after_pred, 3)
        assert after_pred(r), "%.1f s after the change, GET /big.bin -> " \
            "%d with %d bytes, expected %s" % (waited, r.status, len(r.body),
                                              after_what)
        assert waited < 1.5, "the change was served after %.1f s" % waited
        r = get(s.port, "/hello.txt")
        assert r.status == 200 and r.body == HELLO, r
        return len(body), closed


def test_truncated_while_sent():
    def change(path):
        os.truncate(path, MIB)
    changed_while_sending(
        change, lambda r: r.status == 200 and len(r.body) == MIB and
        r.h("Content-Length") == str(MIB), "the 1 MiB file", intact=MIB)


def test_replaced_by_rename_while_sent():
    new = pattern(2 * MIB, b"new")

    def change(path):
        with open(path + ".tmp", "wb") as f:
            f.write(new)
        os.rename(path + ".tmp", path)
    n, closed = changed_while_sending(
        change, lambda r: r.status == 200 and r.body == new,
        "the new content")
    assert n == BIG, "the old file, still open, was cut at %d of %d " \
        "bytes after a rename replaced it" % (n, BIG)


def test_deleted_while_sent():
    n, closed = changed_while_sending(
        os.unlink, lambda r: r.status == 404, "404")
    assert n == BIG, "the old file, still open, was cut at %d of %d " \
        "bytes after it was deleted" % (n, BIG)


def test_small_file_changed_in_place():
    # Files up to MH_SMALL_FILE_MAX are served from a copy in memory, taken
    # with their validators: a rewrite in place shows within a second (the
    # cache's interval), and meanwhile the old bytes go out with the old
    # ETag, never new bytes under an old ETag.  A larger file is sent from
    # the open file and checked on every request, so its rewrite shows at
    # once.
    small_max = bounds()["MH_SMALL_FILE_MAX"]
    with Server() as s:
        path = s.write("small.txt", b"version one\n")
        r1 = get(s.port, "/small.txt")
        assert r1.status == 200 and r1.body == b"version one\n", r1
        steps = [b"version two\n",              # same size
                 b"version three, longer\n",    # longer
                 b"v4\n",                       # shorter
                 b"x" * small_max,              # at the in-memory limit
                 b"y" * (small_max + 1),        # past it: sendfile
                 b"z" * 100]
        prev = r1
        for data in steps:
            time.sleep(0.02)        # a new mtime even on coarse clocks
            with open(path, "r+b") as f:   # same inode
                f.truncate(0)
                f.write(data)
            immediate = prev.h("Content-Length") and \
                int(prev.h("Content-Length")) > small_max
            deadline = time.monotonic() + 2.0
            while True:
                r = get(s.port, "/small.txt")
                assert r.status == 200, r
                if r.body == data:
                    break
                assert not immediate, \
                    "file sent from disk: rewrite not seen at once (%d bytes)" \
                    % len(r.body)
                assert r.body == prev.body and r.h("ETag") == prev.h("ETag"), \
                    "old and new mixed: %d bytes under ETag %s (old %s)" \
                    % (len(r.body), r.h("ETag"), prev.h("ETag"))
                assert time.monotonic() < deadline, \
                    "rewrite in place to %d bytes not seen in 2 s" % len(data)
                time.sleep(0.05)
            assert r.h("ETag") != prev.h("ETag"), \
                "same ETag %s after the content changed" % r.h("ETag")
            # And on a kept-alive connection, a conditional request.
            with Conn(s.port) as c:
                r2 = c.request("GET", "/small.txt",
                               ["If-None-Match: %s" % prev.h("ETag")])
                assert r2.status == 200 and r2.body == data, \
                    "If-None-Match with the old ETag -> %d" % r2.status
            prev = r


def test_docroot_symlink_swap():
    with Server(start=False) as s:
        base = s.dir
        for rel, body in (("releaseA", b"release A\n"),
                          ("releaseB", b"release B\n")):
            write_file(os.path.join(base, rel, "index.html"), body)
            write_file(os.path.join(base, rel, "ver.txt"), body)
        write_file(os.path.join(base, "releaseB", "onlyB.txt"), b"B only\n")
        current = os.path.join(base, "current")
        os.symlink("releaseA", current)
        s.config["server"]["docroot"] = current
        s.start()
        for path in ("/ver.txt", "/", "/onlyB.txt"):
            get(s.port, path)                  # cached
        assert get(s.port, "/ver.txt").body == b"release A\n"
        for rel, want in (("releaseB", b"release B\n"),
                          ("releaseA", b"release A\n")):
            tmp = os.path.join(base, "tmp-link")
            os.symlink(rel, tmp)
            os.rename(tmp, current)            # mv -T: atomic
            t0 = time.monotonic()
            with Conn(s.port) as c:
                while True:
                    r = c.request("GET", "/ver.txt")
                    took = time.monotonic() - t0
                    if r.body == want or took > 3:
                        break
                    assert r.status == 200, r
                    time.sleep(0.02)
            assert r.body == want, "still %r 3 s after the docroot symlink " \
                "was switched to %s" % (r.body, rel)
            assert took < 1.5, "docroot switch to %s served after %.2f s" \
                % (rel, took)
            r = get(s.port, "/")
            assert r.status == 200 and r.body == want, \
                "index after the switch: %d %r" % (r.status, r.body)
            r = get(s.port, "/onlyB.txt")
            assert r.status == (200 if rel == "releaseB" else 404), \
                "/onlyB.txt in %s: %d" % (rel, r.status)


def as_nobody(s):
    """Make the temp dir usable by nobody, and run the server as it."""
    try:
        pw = pwd.getpwnam("nobody")
    except KeyError:
        raise Skip("no user nobody")
    if os.geteuid() != 0:
        raise Skip("not root: cannot test the user drop")
    os.chmod(s.dir, 0o755)
    os.chown(s.dir, pw.pw_uid, pw.pw_gid)   # logs are created as nobody
    os.chmod(s.root, 0o755)
    d = s.dir
    while d != "/":                        # /tmp and above: traversable
        d = os.path.dirname(d)
        if not os.stat(d).st_mode & stat.S_IXOTH:
            raise Skip("%s not traversable by others" % d)
    s.config["server"]["user"] = "nobody"
    return pw


def test_unreadable_file_403():
    with Server(start=False) as s:
        pw = as_nobody(s)
        for name in ("secret.txt", "big.bin", "hello.txt"):
            data = HELLO if name != "big.bin" else b"b" * (100 * 1024)
            os.chmod(s.write(name, data), 0o644)
        os.mkdir(os.path.join(s.root, "dir"), 0o755)
        os.chmod(s.write("dir/in.txt", HELLO), 0o644)
        s.start()

        def uids():
            with open("/proc/%d/status" % s.proc.pid) as f:
                return [l for l in f if l.startswith("Uid:")][0].split()[1:]
        # the port takes connections once bound, a moment before root is
        # dropped: wait for the drop, bounded
        wait_until(lambda: all(int(u) == pw.pw_uid for u in uids()), 5)
        uids = uids()
        assert all(int(u) == pw.pw_uid for u in uids), \
            "server runs with uids %r, expected nobody (%d)" % (uids,
                                                              pw.pw_uid)
        for p in ("/secret.txt", "/big.bin", "/dir/in.txt"):
            r = get(s.port, p)
            assert r.status == 200, (p, r)
        os.chmod(os.path.join(s.root, "secret.txt"), 0)
        os.chmod(os.path.join(s.root, "big.bin"), 0)
        os.chmod(os.path.join(s.root, "dir"), 0o700)
        for p in ("/secret.txt", "/big.bin", "/dir/in.txt"):
            r, took = wait_for(s.port, p, lambda r: r.status == 403, 3)
            assert r.status == 403, "%s unreadable for the server: %d %r " \
                "after %.1f s, expected 403" % (p, r.status, r.body[:40], took)
            assert took < 1.5, "%s: 403 only after %.1f s" % (p, took)
            assert b"hello" not in r.body, r.body
        # Readable again: served again.
        os.chmod(os.path.join(s.root, "secret.txt"), 0o644)
        r, took = wait_for(s.port, "/secret.txt", lambda r: r.status == 200, 3)
        assert r.status == 200 and r.body == HELLO and took < 1.5, (r, took)
        r = get(s.port, "/hello.txt")
        assert r.status == 200, r


def test_fifo_and_devices_refused():
    with Server() as s:
        s.write("hello.txt", HELLO)
        fifo = os.path.join(s.root, "pipe")
        os.mkfifo(fifo)
        made = ["pipe"]
        for name, minor in (("null", 3), ("zero", 5)):
            try:
                os.mknod(os.path.join(s.root, name), stat.S_IFCHR | 0o666,
                         os.makedev(1, minor))
                made.append(name)
            except OSError:
                pass
        os.mkfifo(os.path.join(s.root, "page.html"))
        made.append("page.html")
        for name in made + ["pipe", "page.html"]:
            t0 = time.monotonic()
            with Conn(s.port, timeout=3) as c:
                r = c.request("GET", "/" + name)
                took = time.monotonic() - t0
                assert r.status in (403, 404), \
                    "GET /%s (%s) -> %d, expected 403 or 404" \
                    % (name, "FIFO" if name in ("pipe", "page.html")
                       else "device", r.status)
                assert took < 1.0, "GET /%s answered after %.2f s" \
                    % (name, took)
                r = c.request("GET", "/hello.txt")
                assert r.status == 200 and r.body == HELLO, r
            t0 = time.monotonic()
            r = get(s.port, "/hello.txt")
            took = time.monotonic() - t0
            assert r.status == 200 and took < 1.0, \
                "a normal request after GET /%s took %.2f s" % (name, took)
        # HEAD, a range, and as a directory index.
        with Conn(s.port, timeout=3) as c:
            assert c.request("HEAD", "/pipe").status in (403, 404)
            assert c.request("GET", "/pipe", ["Range: bytes=0-9"]).status \
                in (403, 404)
        os.mkdir(os.path.join(s.root, "d"))
        os.mkfifo(os.path.join(s.root, "d", "index.html"))
        r = get(s.port, "/d/")
        assert r.status in (403, 404), "a FIFO as index.html -> %d" % r.status
        assert get(s.port, "/hello.txt").status == 200
        if len(made) < 4:
            print("note: device nodes could not be made; tested FIFOs only")


if __name__ == "__main__":
    run(globals())
