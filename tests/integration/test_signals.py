# test_signals.py -- SIGTERM/SIGINT (clean exit 0, response in flight
# finished), SIGHUP (reload into every worker; a bad config keeps the old
# one), SIGUSR1 (reopen the access log after logrotate renamed it).
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_signals.py

import hashlib
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


def body_of(port, path="/"):
    r = get(port, path)
    assert r.status == 200, r
    return r.body


def test_sigterm_exits_0():
    with Server() as s:
        s.write("index.html", b"x\n")
        assert body_of(s.port) == b"x\n"
        pid = s.proc.pid
        s.stop(signal.SIGTERM)
        assert s.rc == 0 and s.proc.pid == pid


def test_sigint_exits_0():
    with Server(server={"workers": 2}) as s:
        s.write("index.html", b"x\n")
        assert body_of(s.port) == b"x\n"
        s.stop(signal.SIGINT)


def test_sigterm_finishes_response_in_flight():
    with Server() as s:
        data = os.urandom(16 << 20)
        s.write("big.bin", data)
        with Conn(s.port, timeout=10, rcvbuf=64 << 10) as c:
            c.send(build("GET", "/big.bin"))
            got = bytearray()
            while len(got) < (1 << 20):
                got += c.s.recv(1 << 16)
            s.send_signal(signal.SIGTERM)
            time.sleep(0.2)
            c.buf = got
            r = c.read_response(timeout=10)
        assert r.status == 200, r
        assert hashlib.sha256(r.body).digest() == \
            hashlib.sha256(data).digest(), "body cut: %d of %d bytes" \
            % (len(r.body), len(data))
        s.stop()


def test_sighup_new_docroot_in_every_worker():
    with Server(server={"workers": 2}) as s:
        s.write("index.html", b"OLD\n")
        new = os.path.join(s.dir, "new")
        write_file(os.path.join(new, "index.html"), b"NEW\n")
        assert body_of(s.port) == b"OLD\n"
        pid = s.proc.pid
        s.config["server"]["docroot"] = new
        s.write_config()
        s.send_signal(signal.SIGHUP)
        assert wait_until(lambda: body_of(s.port) == b"NEW\n", 3, 0.1), \
            "new docroot not served 3 s after SIGHUP"
        time.sleep(0.5)
        bodies = [body_of(s.port) for _ in range(40)]
        assert bodies == [b"NEW\n"] * 40, \
            "%d of 40 connections saw the old docroot" \
            % bodies.count(b"OLD\n")
        assert s.alive() and s.proc.pid == pid


def test_sighup_bad_config_keeps_old():
    with Server(server={"workers": 2}) as s:
        s.write("index.html", b"OLD\n")
        new = os.path.join(s.dir, "new")
        write_file(os.path.join(new, "index.html"), b"NEW\n")
        s.config["server"]["docroot"] = new
        s.config["server"]["workers"] = "banana"
        s.write_config()
        s.send_signal(signal.SIGHUP)
        logged = lambda: s.conf in s.errlog() or s.conf in s.stderr()
        wait_until(lambda: logged() or not s.alive(), 3)
        assert s.alive(), "server died on a bad reload"
        assert logged(), "a rejected reload is not logged (no %s in the " \
            "error log)" % s.conf
        bodies = [body_of(s.port) for _ in range(20)]
        assert bodies == [b"OLD\n"] * 20, bodies
        # It still reloads once the config is good again.
        s.config["server"]["workers"] = 2
        s.write_config()
        s.send_signal(signal.SIGHUP)
        assert wait_until(lambda: body_of(s.port) == b"NEW\n", 3, 0.1), \
            "good reload after a bad one not applied"


def test_sigusr1_reopens_access_log():
    with Server(server={"workers": 2}) as s:
        s.write("hello.txt", b"hi\n")
        for i in range(10):
            body_of(s.port, "/hello.txt?before=%d" % i)
        assert len(wait_for_lines(s.access_log, 10)) == 10
        rotated = s.access_log + ".1"
        os.rename(s.access_log, rotated)
        s.send_signal(signal.SIGUSR1)
        probes = [0]

        def reopened():
            body_of(s.port, "/hello.txt?probe=%d" % probes[0])
            probes[0] += 1
            return os.path.exists(s.access_log) and \
                len(wait_for_lines(s.access_log, 1, 0.2)) >= 1
        assert wait_until(reopened, 3), "no new log file 3 s after SIGUSR1"
        time.sleep(0.5)
        for i in range(20):
            body_of(s.port, "/hello.txt?after=%d" % i)
        s.stop()
        old = read_file(rotated).splitlines()
        new = read_file(s.access_log).splitlines()
        assert sum("?before=" in l for l in old) == 10, old
        after = [l for l in new if "?after=" in l]
        assert len(after) == 20, "only %d of 20 lines in the new file" \
            % len(after)
        assert len(old) + len(new) == 10 + probes[0] + 20, (old, new)
        for l in old + new:
            assert CLF_RE.match(l), l


def test_daemon_reload_keeps_relative_paths():
    """With -d the server changes to /; relative paths in the config stay
    resolved against the directory it was started in, so a reload of an
    unchanged config is not refused ("changing pid_file needs a restart")
    and does not look for the docroot under /."""
    d = tempfile.mkdtemp(prefix="minihttpd-test-")
    port = free_port()
    write_file(os.path.join(d, "www", "index.html"), b"hello\n")
    conf = os.path.join(d, "m.conf")
    text = ("[server]\nlisten = 127.0.0.1\nport = %d\ndocroot = www\n"
            "pid_file = m.pid\nworkers = 1\n[log]\naccess_log = a.log\n"
            "error_log = e.log\n[mime]\ntypes_file = /etc/mime.types\n"
            "[headers]\nX-V = %%d\n" % port)
    write_file(conf, text % 1)
    p = subprocess.run([binary(), "-d", "-c", "m.conf"], cwd=d, timeout=10,
                       capture_output=True)
    assert p.returncode == 0, p.stderr
    pidf = os.path.join(d, "m.pid")
    assert wait_until(lambda: os.path.exists(pidf), 5), "no pid file"
    pid = int(read_file(pidf))
    try:
        def version():
            try:
                return get(port, "/").h("X-V")
            except OSError:
                return None
        assert wait_until(lambda: version() == "1", 5)
        write_file(conf, text % 2)
        os.kill(pid, signal.SIGHUP)
        assert wait_until(lambda: version() == "2", 5), \
            "reload not applied: %s" % read_file(os.path.join(d, "e.log"))
        assert "refused" not in read_file(os.path.join(d, "e.log"))
    finally:
        os.kill(pid, signal.SIGTERM)
        wait_until(lambda: not os.path.exists("/proc/%d" % pid), 10)
    assert not os.path.exists("/proc/%d" % pid), "daemon did not stop"
    shutil.rmtree(d)


def test_signals_during_shutdown_do_not_kill():
    """SIGHUP and SIGUSR1 sent all through a stop (every 2 ms from SIGTERM
    to the exit) are never the process's death: exit status 0, 5 times."""
    for _ in range(5):
        with Server(server={"workers": 2}) as s:
            s.write("hello.txt", b"hello\n")
            busy = socket.create_connection(("127.0.0.1", s.port))
            busy.sendall(b"GET /hello.txt HTTP/1.1\r\n")  # holds the stop a while
            s.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 8
            n = 0
            while s.proc.poll() is None and time.monotonic() < deadline:
                for sig in (signal.SIGHUP, signal.SIGUSR1):
                    try:
                        os.kill(s.proc.pid, sig)
                        n += 1
                    except ProcessLookupError:
                        break
                time.sleep(0.002)
                if n == 100:
                    busy.close()  # let the stop finish while signals come
            busy.close()
            rc = s.proc.wait(10)
            assert rc == 0, "exit status %d after %d signals during the stop" \
                % (rc, n)


def test_reload_to_access_log_off_keeps_served_lines():
    """Lines of requests served before a reload to access_log = off are
    still written (they wait in the workers' buffers for up to a second)."""
    with Server(server={"workers": 2}) as s:
        s.write("hello.txt", b"hello\n")
        with Conn(s.port) as c:
            for _ in range(20):
                assert c.request("GET", "/hello.txt").status == 200
        s.config["log"]["access_log"] = "off"
        s.write_config()
        s.send_signal(signal.SIGHUP)
        assert wait_until(lambda: "reloaded" in s.errlog(), 3)
        lines = wait_for_lines(s.access_log, 20, 3)
        assert len(lines) == 20, "%d of 20 lines written" % len(lines)
        get(s.port, "/hello.txt")
        time.sleep(1.5)
        assert len(wait_for_lines(s.access_log, 21, 0.5)) == 20, \
            "a request after access_log = off was logged"


def test_reload_is_all_workers_or_none():
    """A docroot symlink that is briefly dangling (removed and made again,
    not renamed) around each reload of 4 workers: each reload is taken by
    every worker or refused.  After each one has been answered in the error
    log, 12 fresh connections (spread over the workers by SO_REUSEPORT) must
    all see one config: a split is caught when it happens, not only if the
    last reload of the run split (a later reload would heal an earlier one)."""
    with Server(server={"workers": 4}, start=False) as s:
        rel = {}
        for v in ("1", "2"):
            rel[v] = os.path.join(s.dir, "rel" + v)
            write_file(os.path.join(rel[v], "v.txt"), v.encode())
        link = os.path.join(s.dir, "current")
        os.symlink(rel["1"], link)
        s.config["server"]["docroot"] = link
        s.extra = "[headers]\nX-V = 1\n"
        s.start()

        def answered():
            e = s.errlog()
            return (e.count("configuration reloaded") + e.count("reload refused")
                    + e.count("reload failed"))

        stop = time.monotonic() + 4
        k = 0
        splits = []
        while time.monotonic() < stop and not splits:
            k += 1
            v = "2" if k % 2 else "1"
            s.extra = "[headers]\nX-V = %s\n" % v
            s.write_config()
            before = answered()
            s.send_signal(signal.SIGHUP)
            time.sleep(0.0002 * (k % 8))  # the config is read by now, or not
            os.unlink(link)               # dangling for a moment...
            time.sleep(0.003)
            os.symlink(rel[v], link)      # ...then back
            deadline = time.monotonic() + 5
            while answered() == before and time.monotonic() < deadline:
                time.sleep(0.002)
            assert answered() > before, "reload %d never answered" % k
            time.sleep(0.02)  # every worker has run its part of the reload
            seen = {}
            for _ in range(12):
                r = get(s.port, "/v.txt")
                seen[r.h("X-V")] = seen.get(r.h("X-V"), 0) + 1
            if len(seen) > 1:
                splits.append((k, seen))
        assert not splits, "workers split between configs: %r after %d " \
            "reloads (%d refused)" % (splits, k, s.errlog().count("reload refused"))
        assert k >= 10, "only %d reloads in 4 s" % k


def test_idle_connection_does_not_hold_the_stop():
    """A connection that has sent nothing (or only finished requests) is
    idle: SIGTERM closes it at once instead of waiting out the grace
    period, and nothing is reported as cut."""
    with Server(server={"workers": 1}) as s:
        s.write("hello.txt", b"hello\n")
        quiet = socket.create_connection(("127.0.0.1", s.port))
        done = Conn(s.port)
        assert done.request("GET", "/hello.txt").status == 200
        time.sleep(0.2)
        t0 = time.monotonic()
        rc = s.stop()
        took = time.monotonic() - t0
        quiet.close()
        done.close()
        assert rc == 0
        assert took < 2, "the stop took %.1f s with idle connections" % took
        assert "cut at shutdown" not in s.errlog(), s.errlog()[-500:]


if __name__ == "__main__":
    run(globals())
