# test_reload_outcome.py -- `minihttpd --reload PID`: what `systemctl
# reload` and the init script's reload run.  It checks the config as -t
# does, sends SIGHUP, and exits with the outcome the server writes to
# $RUNTIME_DIRECTORY/reload: 0 when the new config applies, 1 with the
# server's reason when it refused it.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_reload_outcome.py

import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


def started(**kw):
    """A server whose RUNTIME_DIRECTORY is its temp dir."""
    s = Server(start=False, **kw)
    saved = os.environ.get("RUNTIME_DIRECTORY")
    os.environ["RUNTIME_DIRECTORY"] = s.dir
    try:
        s.start()
    finally:
        if saved is None:
            os.environ.pop("RUNTIME_DIRECTORY")
        else:
            os.environ["RUNTIME_DIRECTORY"] = saved
    return s


def reload_cmd(s, pid=None, env_dir=True):
    env = dict(os.environ)
    env.pop("RUNTIME_DIRECTORY", None)
    if env_dir:
        env["RUNTIME_DIRECTORY"] = s.dir
    p = subprocess.run([binary(), "-c", s.conf, "--reload",
                        str(pid or s.proc.pid)], capture_output=True, env=env,
                       timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_good_reload_exits_0():
    with started() as s:
        s.write("index.html", b"x")
        s.extra = "\n[headers]\nX-Gen = 2\n"
        s.write_config()
        rc, out, err = reload_cmd(s)
        assert rc == 0, (out, err)
        assert "configuration reloaded from" in out, out
        assert get(s.port, "/").h("X-Gen") == "2"
        assert read_file(os.path.join(s.dir, "reload")).startswith("1 ok\n")
        rc, out, err = reload_cmd(s)  # numbered on: the second one is seen too
        assert rc == 0, (out, err)
        assert read_file(os.path.join(s.dir, "reload")).startswith("2 ok\n")


def test_bad_config_is_not_sent():
    with started() as s:
        s.write_config(s.config_text().replace("[server]\n", "[server]\nbogus = 1\n", 1))
        rc, out, err = reload_cmd(s)
        assert rc == 1, (out, err)
        assert ("%s:" % s.conf) in err and "bogus" in err, err
        assert "not reloading pid %d" % s.proc.pid in err, err
        assert "reload" not in s.errlog(), s.errlog()  # never signalled
        assert not os.path.exists(os.path.join(s.dir, "reload"))


def test_refused_reload_exits_1_with_the_reason():
    """A new port passes -t but needs a restart: the server refuses it, and
    the command says so and fails."""
    with started() as s:
        s.write("index.html", b"x")
        old = s.port
        s.config["server"]["port"] = free_port()
        s.write_config()
        rc, out, err = reload_cmd(s)
        assert rc == 1, (out, err)
        assert "changing port needs a restart" in err, err
        assert read_file(os.path.join(s.dir, "reload")).startswith("1 failed\n")
        assert get(old, "/").status == 200


def journal_run(args, env_extra=None):
    """Run minihttpd with stderr a file that $JOURNAL_STREAM names, as
    systemd connects ExecStartPre= and ExecReload=; (rc, stdout, stderr)."""
    with tempfile.TemporaryDirectory(prefix="minihttpd-journal-") as d:
        path = os.path.join(d, "stderr")
        with open(path, "wb") as err:
            st = os.fstat(err.fileno())
            env = dict(os.environ, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
            env.update(env_extra or {})
            p = subprocess.run([binary()] + args, stdout=subprocess.PIPE, stderr=err,
                               env=env, timeout=60)
        return p.returncode, p.stdout.decode(), read_file(path)


def test_journal_priorities_of_check_and_reload():
    """Under systemd, -t (ExecStartPre=) and --reload (ExecReload=) write to
    the journal: their errors carry the priority prefix <3>, so that
    "journalctl -p err" finds the config's FILE:LINE; a warning <4>; the
    good outcome stays on stdout (info)."""
    with started() as s:
        s.write("index.html", b"x")
        good = s.config_text()
        bad = good.replace("[server]\n", "[server]\nbogus = 1\n", 1)
        s.write_config(bad)
        rc, out, err = journal_run(["-t", "-c", s.conf])
        assert rc == 1 and err.startswith("<3>%s:" % s.conf) and "bogus" in err, err
        rc, out, err = journal_run(["-c", s.conf, "--reload", str(s.proc.pid)],
                                   {"RUNTIME_DIRECTORY": s.dir})
        lines = err.splitlines()
        assert rc == 1 and lines and all(l.startswith("<3>") for l in lines), err
        assert any(("%s:" % s.conf) in l for l in lines), err
        # refused by the server (a new port): its reason at <3>
        s.config["server"]["port"] = free_port()
        s.write_config()
        rc, out, err = journal_run(["-c", s.conf, "--reload", str(s.proc.pid)],
                                   {"RUNTIME_DIRECTORY": s.dir})
        assert rc == 1 and err.startswith("<3>minihttpd: pid %d: reload refused"
                                          % s.proc.pid), err
        # a good one: on stdout, nothing on stderr
        s.write_config(good)
        rc, out, err = journal_run(["-c", s.conf, "--reload", str(s.proc.pid)],
                                   {"RUNTIME_DIRECTORY": s.dir})
        assert rc == 0 and "configuration reloaded" in out and err == "", (out, err)
    # stderr that is not the journal: no prefix
    with Server(start=False) as s:
        s.write_config(s.config_text().replace("[server]\n", "[server]\nbogus = 1\n", 1))
        p = subprocess.run([binary(), "-t", "-c", s.conf], capture_output=True, timeout=60,
                           env=dict(os.environ, JOURNAL_STREAM="1:1"))
        assert p.returncode == 1 and p.stderr.decode().startswith(s.conf + ":"), p.stderr


def test_no_runtime_directory_and_bad_pid():
    with started() as s:
        rc, out, err = reload_cmd(s, env_dir=False)
        assert rc == 1 and "RUNTIME_DIRECTORY" in err, err
        rc, out, err = reload_cmd(s, pid=os.getpid())
        assert rc == 1 and "not a running minihttpd" in err, err
        rc, out, err = reload_cmd(s, pid="12x")
        assert rc == 1 and "not a running minihttpd" in err, err
        assert "reload" not in s.errlog()


def test_server_without_the_variable_reports_nothing():
    """A server started without RUNTIME_DIRECTORY writes no outcome: the
    command waits its bound out and fails, saying so (cut short here by
    stopping the server, which the command notices even before the
    server's parent reaps it)."""
    with Server() as s:
        import threading
        t = threading.Timer(1.0, lambda: s.send_signal(signal.SIGTERM))
        t.start()
        try:
            rc, out, err = reload_cmd(s)
        finally:
            t.cancel()
        assert rc == 1, (out, err)
        assert "exited during the reload" in err or "did not report" in err, err
        s.wait_exit()


if __name__ == "__main__":
    run(globals())
