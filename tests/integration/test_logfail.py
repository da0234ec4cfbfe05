# test_logfail.py -- the logs under stress: an access log that cannot be
# written (/dev/full), SIGUSR1 log reopening under load (no line lost), and
# SIGHUP reloads under load (no request dropped).
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_logfail.py

import json
import os
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

HELLO = b"hello, logs\n"
LOST_RE = re.compile(r"(\d+) access-log lines? lost")


def lost_counts(s):
    return [int(m.group(1)) for m in
            (LOST_RE.search(l) for l in s.errlog().splitlines()) if m]


def test_access_log_dev_full():
    if not os.path.exists("/dev/full"):
        raise Skip("no /dev/full")
    n = 100
    with Server(log={"access_log": "/dev/full"}) as s:
        s.write("hello.txt", HELLO)
        with Conn(s.port) as c:
            for i in range(n // 2):
                r = c.request("GET", "/hello.txt?i=%d" % i)
                assert r.status == 200 and r.body == HELLO, \
                    "request %d with the access log on /dev/full: %r" % (i, r)
        for i in range(n // 2, n):
            r = get(s.port, "/hello.txt?i=%d" % i)
            assert r.status == 200 and r.body == HELLO, (i, r)
        counts = wait_until(lambda: sum(lost_counts(s)) >= n and
                            lost_counts(s), 3)
        counts = lost_counts(s)
        assert counts, "no \"N access-log lines lost\" in the error log " \
            "after %d requests with access_log = /dev/full:\n%s" \
            % (n, s.errlog()[-1500:])
        assert all(c >= 1 for c in counts), counts
        assert sum(counts) == n, "the error log reports %d lost lines %r " \
            "for %d requests" % (sum(counts), counts, n)
        # Still serving, and the loss is reported again for new requests.
        r = get(s.port, "/hello.txt")
        assert r.status == 200, r
        wait_until(lambda: sum(lost_counts(s)) > n, 3)
        assert sum(lost_counts(s)) == n + 1, lost_counts(s)


class Load:
    """Client threads issuing GETs in a loop (keep-alive, a new connection
    every 20 requests) until stop(); they count responses and collect
    every failure."""

    def __init__(self, port, paths_bodies, threads=2):
        self.port = port
        self.paths = paths_bodies
        self.ok = 0
        self.failures = []
        self.lock = threading.Lock()
        self.halt = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,),
                                         daemon=True) for i in range(threads)]

    def run(self, k):
        i = 0
        deadline = time.monotonic() + 60
        while not self.halt.is_set() and time.monotonic() < deadline:
            try:
                c = Conn(self.port, timeout=5)
            except OSError as e:
                with self.lock:
                    self.failures.append("connect: %s" % e)
                time.sleep(0.05)
                continue
            try:
                for _ in range(20):
                    if self.halt.is_set():
                        break
                    path, body = self.paths[i % len(self.paths)]
                    i += 1
                    try:
                        r = c.request("GET", path)
                    except (OSError, AssertionError) as e:
                        with self.lock:
                            self.failures.append("GET %s: %s" % (path, e))
                        break
                    with self.lock:
                        if r.status == 200 and r.body == body:
                            self.ok += 1
                        else:
                            self.failures.append("GET %s: %d %r" % (
                                path, r.status, r.body[:40]))
            finally:
                c.close()

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.halt.set()
        for t in self.threads:
            t.join(10)
        assert not any(t.is_alive() for t in self.threads), "client hangs"


def test_sigusr1_reopen_under_load_loses_no_line():
    with Server(server={"workers": 2}) as s:
        s.write("hello.txt", HELLO)
        s.write("two.txt", b"two\n" * 100)
        load = Load(s.port, [("/hello.txt", HELLO),
                             ("/two.txt", b"two\n" * 100)], threads=3).start()
        rotated = []
        try:
            time.sleep(0.3)
            for k in range(5):
                dst = "%s.%d" % (s.access_log, k + 1)
                os.rename(s.access_log, dst)
                rotated.append(dst)
                s.send_signal(signal.SIGUSR1)
                time.sleep(0.4)
                assert wait_until(lambda: os.path.exists(s.access_log), 2), \
                    "SIGUSR1 did not create a new access log"
            time.sleep(0.3)
        finally:
            load.stop()
        assert not load.failures, "requests failed during SIGUSR1: %r" \
            % load.failures[:5]
        s.stop()
        counts = [len(read_file(p).splitlines()) for p in rotated] + \
            [len(read_file(s.access_log).splitlines())]
        assert sum(counts) == load.ok, "%d responses but %d access-log " \
            "lines across the rotated files and the current one %r" \
            % (load.ok, sum(counts), counts)
        # (A file may hold no line: lines wait up to a second in a
        # worker's buffer, and the files here live 0.4 s each.)
        assert counts[-1], "nothing in the reopened access log: %r" % counts
        for p in rotated + [s.access_log]:
            for line in read_file(p).splitlines():
                assert CLF_RE.match(line), "broken line in %s: %r" % (p, line)


def test_sighup_reload_under_load_drops_no_request():
    with Server(server={"workers": 2}) as s:
        roots = [s.root, os.path.join(s.dir, "www2")]
        files = {"hello.txt": HELLO, "big.bin": bytes(range(256)) * 400,
                 "index.html": b"<p>index</p>\n"}
        for root in roots:
            for name, data in files.items():
                write_file(os.path.join(root, name), data)
        load = Load(s.port, [("/hello.txt", HELLO),
                             ("/big.bin", files["big.bin"]),
                             ("/", files["index.html"])], threads=3).start()
        try:
            for k in range(20):
                time.sleep(0.25)
                s.config["server"]["docroot"] = roots[(k + 1) % 2]
                tmp = s.conf + ".tmp"
                write_file(tmp, s.config_text())
                os.rename(tmp, s.conf)
                s.send_signal(signal.SIGHUP)
            time.sleep(0.3)
        finally:
            load.stop()
        assert s.alive()
        reloaded = s.errlog().count("configuration reloaded")
        assert reloaded == 20, "%d of 20 reloads logged:\n%s" \
            % (reloaded, s.errlog()[-1500:])
        assert load.ok > 100, "only %d responses in 5 s" % load.ok
        assert not load.failures, "%d of %d requests failed during 20 " \
            "SIGHUP reloads: %r" % (len(load.failures), load.ok +
                                    len(load.failures), load.failures[:5])
        bad = [l for l in s.errlog().splitlines()
               if "[error]" in l or "[warn]" in l]
        assert not bad, "error log during reloads:\n%s" % "\n".join(bad[:5])


def test_full_file_system_whole_lines_only():
    """The access log on a 64 KiB tmpfs, filled by 1000 requests with long
    targets: the file holds whole lines only (none cut, none glued to
    another), every line not written is counted in the error log, the
    final flush at stop included, and the status page's dropped_lines
    agrees with the error log."""
    if os.geteuid() != 0:
        raise Skip("not root: cannot mount a tmpfs")
    with Server(start=False) as s:
        small = os.path.join(s.dir, "small")
        os.mkdir(small)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs",
                           small], capture_output=True).returncode != 0:
            raise Skip("cannot mount a tmpfs here")
        try:
            log = os.path.join(small, "access.log")
            s.config["log"]["access_log"] = log
            s.extra = "[status]\npath = /status\n"
            s.start()
            s.write("hello.txt", HELLO)
            n = 1000
            pad = "p" * 300
            with Conn(s.port) as c:
                for i in range(n):
                    r = c.request("GET", "/hello.txt?i=%d&%s" % (i, pad))
                    assert r.status == 200, (i, r)
            # the status page counts what the error log reports lost, once
            # a flush has run (about a second); its own requests are lines too
            agree = None
            for _ in range(40):
                r = get(s.port, "/status?format=json")
                n += 1
                assert r.status == 200, r
                dropped = json.loads(r.body)["access_log"]["dropped_lines"]
                if dropped > 0 and dropped == sum(lost_counts(s)):
                    agree = dropped
                    break
                time.sleep(0.1)
            assert agree, "status dropped_lines %d, error log %d" \
                % (dropped, sum(lost_counts(s)))
            s.stop()
            data = read_file(log, "rb")
            lines = data.split(b"\n")
            assert lines[-1] == b"", "the log ends in a cut line: %r" % lines[-1][-80:]
            bad = [l for l in lines[:-1]
                   if not CLF_RE.match(l.decode("latin-1"))]
            assert not bad, "%d lines not whole, e.g. %r" % (len(bad), bad[0][:120])
            written = len(lines) - 1
            lost = sum(lost_counts(s))
            assert written < n, "the tmpfs did not fill: %d lines" % written
            assert written + lost == n, "%d written + %d reported lost != %d" \
                % (written, lost, n)
        finally:
            subprocess.run(["umount", small], capture_output=True)


if __name__ == "__main__":
    run(globals())
