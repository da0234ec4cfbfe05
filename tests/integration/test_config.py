# test_config.py -- the config file and the command line: -t on good and bad
# configs (exit status and the exact FILE:LINE), comment and quoting rules,
# -r/-p/-l overrides, -V/-h, a missing -c file, start-up failures.
#
# Bad configs are written from GOOD with one line changed or added; the bad
# line is marked with a leading ">" in the table below, which write_marked()
# strips while it records the line number.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_config.py

import os
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

GOOD = """\
# minihttpd test config
[server]
listen = 127.0.0.1
port = {port}
docroot = {root}
workers = 1

[log]
access_log = {dir}/access.log
error_log = {dir}/error.log

[mime]
types_file = /etc/mime.types
"""


def edit(old, new):
    assert old in GOOD
    return GOOD.replace(old, new, 1)


BAD = [
    ("unknown key", edit("workers = 1\n", "workers = 1\n>bogus = 1\n")),
    ("unknown section", GOOD + ">[bogus]\nx = 1\n"),
    ("duplicate key", edit("workers = 1\n", "workers = 1\n>port = 8081\n")),
    ("malformed line", edit("workers = 1\n", "workers = 1\n>justaword\n")),
    ("malformed section", edit("[log]\n", ">[log\n")),
    ("key before any section", ">port = 8080\n" + GOOD),
    ("port 0", edit("port = {port}", ">port = 0")),
    ("port 70000", edit("port = {port}", ">port = 70000")),
    ("port abc", edit("port = {port}", ">port = abc")),
    ("port 80x", edit("port = {port}", ">port = 80x")),
    ("docroot missing", edit("docroot = {root}", ">docroot = {dir}/nope")),
    ("docroot is a file", edit("docroot = {root}", ">docroot = {dir}/afile")),
    ("unterminated quote", edit("docroot = {root}", '>docroot = "{root}')),
    ("workers banana", edit("workers = 1", ">workers = banana")),
    ("autoindex maybe", edit("workers = 1\n",
                             "workers = 1\n>autoindex = maybe\n")),
    ("keepalive_timeout abc", edit("workers = 1\n",
                                   "workers = 1\n>keepalive_timeout = abc\n")),
    ("access_log not openable",
     edit("access_log = {dir}/access.log",
          ">access_log = {dir}/no/such/dir/access.log")),
]


class Tmp:
    """A temp dir with a docroot, a plain file, and a free port."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="minihttpd-conf-")
        self.root = os.path.join(self.dir, "www")
        os.mkdir(self.root)
        write_file(os.path.join(self.dir, "afile"), b"x")
        self.port = free_port()
        return self

    def __exit__(self, *a):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_marked(self, template, name="test.conf"):
        """Write template (with ">" marking the bad line); returns
        (path, line number of the bad line or None)."""
        text = template.format(port=self.port, root=self.root, dir=self.dir)
        bad, out = None, []
        for i, line in enumerate(text.split("\n"), 1):
            if line.startswith(">"):
                bad, line = i, line[1:]
            out.append(line)
        path = os.path.join(self.dir, name)
        write_file(path, "\n".join(out))
        return path, bad


def mh(*args, timeout=5):
    p = subprocess.run([binary()] + list(args), capture_output=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def no_sanitizer(*texts):
    for t in texts:
        for mark in SANITIZER_MARKS:
            assert mark not in t, t


def test_t_good_config():
    with Tmp() as t:
        path, _ = t.write_marked(GOOD)
        # -t binds nothing: holding the port must not matter.
        hold = socket.socket()
        hold.bind(("127.0.0.1", t.port))
        hold.listen(1)
        try:
            rc, out, err = mh("-t", "-c", path)
        finally:
            hold.close()
        no_sanitizer(out, err)
        assert rc == 0, (rc, out, err)
        assert "%s: syntax is ok" % path in out + err, (out, err)
        rc, out, err = mh("--test", "--config", path)
        assert rc == 0, (rc, out, err)


def test_t_bad_configs_name_file_and_line():
    bad = []
    with Tmp() as t:
        for name, template in BAD:
            path, line = t.write_marked(template)
            assert line, name
            rc, out, err = mh("-t", "-c", path)
            no_sanitizer(out, err)
            want = "%s:%d:" % (path, line)
            if rc != 1 or want not in err:
                bad.append("%s: exit %d, want %r in stderr %r"
                           % (name, rc, want, err.strip()[-300:]))
    assert not bad, "\n".join(bad)


def test_unknown_user():
    """`-t` reports an unknown user at its line but passes (the Debian package
    creates the user after the config is installed); starting as root with
    it fails with the same FILE:LINE."""
    with Tmp() as t:
        path, line = t.write_marked(edit(
            "workers = 1\n", "workers = 1\n>user = no_such_user_mhtest\n"))
        want = "%s:%d: user" % (path, line)
        rc, out, err = mh("-t", "-c", path)
        no_sanitizer(out, err)
        assert rc == 0 and want in err and "syntax is ok" in out, (rc, out, err)
        if os.geteuid() != 0:
            raise Skip("not root: the user is ignored")
        rc, out, err = mh("-c", path, timeout=10)
        no_sanitizer(out, err)
        assert rc == 1 and want in err, (rc, out, err)
        assert len(err.strip().splitlines()) == 1, err


def test_t_docroot_override():
    with Tmp() as t:
        good, _ = t.write_marked(GOOD, "good.conf")
        rc, out, err = mh("-t", "-c", good, "-r", t.dir + "/nope")
        assert rc == 1 and err.strip(), ("-r to a missing dir", rc, out, err)
        badroot, _ = t.write_marked(edit("docroot = {root}",
                                         "docroot = {dir}/nope"), "bad.conf")
        rc, out, err = mh("-t", "-c", badroot, "-r", t.root)
        assert rc == 0, ("-r to a good dir", rc, out, err)
        assert "%s: syntax is ok" % badroot in out + err, (out, err)
        rc, out, err = mh("-t", "-c", good, "-p", "70000")
        assert rc == 1 and err.strip(), ("-p 70000", rc, out, err)


def test_comments_quotes_and_whitespace():
    s = Server(start=False)
    with s:
        root = os.path.join(s.dir, "web ;root #1")
        s.text = (
            "# leading comment\n"
            "; another comment\n"
            "\n"
            "[server]\n"
            "   listen = 127.0.0.1   \n"
            "port = %d ; the web port\n"
            'docroot = "%s"   # quoted: a space, ";" and "#" inside\n'
            'index = "start.html"\n'
            "workers = 1\t\n"
            "\n"
            "[log]\n"
            'access_log = "%s/access.log"\n'
            "error_log = %s/error.log\n"
            "\n"
            "[mime]\n"
            "types_file = /etc/mime.types\n"
            "md = text/markdown; charset=utf-8\n"
        ) % (s.port, root, s.dir, s.dir)
        write_file(os.path.join(root, "start.html"), b"START\n")
        write_file(os.path.join(root, "a.md"), b"# md\n")
        s.write_config(s.text)
        rc, out, err = mh("-t", "-c", s.conf)
        assert rc == 0, (rc, out, err)
        s.start()
        r = get(s.port, "/")
        assert r.status == 200 and r.body == b"START\n", r
        r = get(s.port, "/a.md")
        assert r.h("Content-Type") == "text/markdown; charset=utf-8", \
            r.headers
        lines = wait_for_lines(s.access_log, 2)
        assert len(lines) == 2, lines


def test_cli_overrides_serve():
    s = Server(start=False)
    with s:
        s.write("which.txt", b"CONFIG ROOT\n")
        other = os.path.join(s.dir, "other")
        write_file(os.path.join(other, "which.txt"), b"OTHER ROOT\n")
        conf_port = free_port()
        s.config["server"]["port"] = conf_port
        s.config["server"]["listen"] = "0.0.0.0"
        s.args = ["-r", other, "-p", str(s.port), "-l", "127.0.0.1"]
        s.start()
        r = get(s.port, "/which.txt")
        assert r.status == 200 and r.body == b"OTHER ROOT\n", r
        try:
            socket.create_connection(("127.0.0.1", conf_port), 1).close()
            raise AssertionError("config port %d listens despite -p"
                                 % conf_port)
        except ConnectionRefusedError:
            pass


def test_cli_nearly_empty_config():
    # No keys at all: built-in defaults, access_log "-" goes to stdout.
    s = Server(start=False)
    with s:
        s.text = "# nothing here\n"
        s.write("hello.txt", b"hi\n")
        s.args = ["-r", s.root, "-p", str(s.port), "-l", "127.0.0.1"]
        s.start()
        r = get(s.port, "/hello.txt", ["User-Agent: empty-conf-test"])
        assert r.status == 200 and r.body == b"hi\n", r
        s.stop()
        lines = [l for l in s.stdout().splitlines() if "empty-conf-test" in l]
        assert len(lines) == 1, s.stdout()
        assert CLF_RE.match(lines[0]), lines[0]


def test_version_and_help():
    for args in (["-V"], ["--version"], ["-h"], ["--help"]):
        rc, out, err = mh(*args)
        no_sanitizer(out, err)
        assert rc == 0, (args, rc, out, err)
        assert (out + err).strip(), (args, "prints nothing")


def test_missing_config_file_is_error():
    with Tmp() as t:
        path = os.path.join(t.dir, "does-not-exist.conf")
        for args in (["-t", "-c", path],
                     ["-c", path, "-r", t.root, "-p", str(t.port)]):
            rc, out, err = mh(*args)
            no_sanitizer(out, err)
            assert rc == 1, (args, rc, out, err)
            assert path in err, (args, err)


def test_port_in_use():
    s = Server(start=False)
    with s:
        hold = socket.socket()
        hold.bind(("127.0.0.1", s.port))
        hold.listen(1)
        try:
            s.start(wait=False)
            rc = s.wait_exit(10)
        finally:
            hold.close()
        assert rc == 1, rc
        lines = [l for l in s.stderr().splitlines() if l.strip()]
        assert len(lines) == 1, "want one line on stderr: %r" % lines
        assert "cannot bind" in lines[0], lines[0]
        assert str(s.port) in lines[0], lines[0]


def test_startup_docroot_missing():
    s = Server(start=False)
    with s:
        s.config["server"]["docroot"] = os.path.join(s.dir, "nope")
        s.start(wait=False)
        assert s.wait_exit(10) == 1, s.rc
        lines = [l for l in s.stderr().splitlines() if l.strip()]
        assert len(lines) == 1, "want one line on stderr: %r" % lines
        assert "nope" in lines[0], lines[0]


if __name__ == "__main__":
    run(globals())
