# test_config.py -- the config file and the command line: -t on good and bad
# configs (exit status and the exact FILE:LINE), comment and quoting rules,
# -r/-p/-l overrides, -V/-h, a missing -c file, start-up failures, a log that
# is a FIFO (with and without a reader: nothing may block), and control bytes
# from the config escaped in every message (-t, start-up, SIGHUP reload).
#
# Bad configs are written from GOOD with one line changed or added; the bad
# line is marked with a leading ">" in the table below, which write_marked()
# strips while it records the line number.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_config.py

import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

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
    # booleans are on or off (any case), nothing else
    ("autoindex yes", edit("workers = 1\n", "workers = 1\n>autoindex = yes\n")),
    ("autoindex true", edit("workers = 1\n", "workers = 1\n>autoindex = true\n")),
    ("hide_dotfiles 0", edit("workers = 1\n",
                             "workers = 1\n>hide_dotfiles = 0\n")),
    # index names are separated by spaces; a comma is not a separator
    ("index with a comma", edit("workers = 1\n",
                                "workers = 1\n>index = index.html, index.htm\n")),
    # a header the server sends itself would go out twice
    ("[headers] X-Content-Type-Options",
     GOOD + "[headers]\n>X-Content-Type-Options = nosniff\n"),
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


def stderr_on_a_busy_port(s):
    """Start s on a port another socket holds: its exit status must be 1;
    returns the lines on its stderr."""
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
        return [l for l in s.stderr().splitlines() if l.strip()]


def test_port_in_use():
    s = Server(start=False)
    lines = stderr_on_a_busy_port(s)
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


# -- a log that is a FIFO ----------------------------------------------------

def test_log_fifo_without_reader():
    """A FIFO log that no process reads cannot be written: -t and start-up
    say so at the key's FILE:LINE, at once, instead of blocking in open()."""
    with Tmp() as t:
        fifo = os.path.join(t.dir, "log.fifo")
        os.mkfifo(fifo)
        for key in ("access_log", "error_log"):
            path, line = t.write_marked(
                edit("%s = {dir}/%s.log" % (key, key.split("_")[0]),
                     ">%s = %s" % (key, fifo)), key + ".conf")
            want = ("%s:%d: %s: cannot open %s: no process is reading this FIFO"
                    % (path, line, key, fifo))
            for args in (["-t", "-c", path],
                         ["-c", path, "-p", str(t.port)]):
                t0 = time.monotonic()
                rc, out, err = mh(*args, timeout=10)  # hung before: open() blocked
                no_sanitizer(out, err)
                assert time.monotonic() - t0 < 10
                assert rc == 1 and want in err, (key, args, rc, out, err)
                assert err.strip().splitlines() == [want], err


def test_config_or_types_file_fifo():
    """The config and types files are read whole (again at each reload): one
    that is a FIFO is refused at once, not waited on for a writer."""
    with Tmp() as t:
        fifo = os.path.join(t.dir, "conf.fifo")
        os.mkfifo(fifo)
        rc, out, err = mh("-t", "-c", fifo, timeout=10)
        assert rc == 1 and err.strip() == (
            "minihttpd: cannot read %s: a FIFO or socket, not a file" % fifo), \
            (rc, out, err)
        path, line = t.write_marked(edit("types_file = /etc/mime.types",
                                         ">types_file = %s" % fifo))
        rc, out, err = mh("-t", "-c", path, timeout=10)
        assert rc == 1 and err.strip() == (
            "%s:%d: types_file: cannot read %s: a FIFO or socket, not a file"
            % (path, line, fifo)), (rc, out, err)


def read_fifo_until(fd, mark, timeout=5):
    """Read the non-blocking fd until mark shows up (or timeout); returns
    what was read.  EOF (no writer at the moment) is waited out."""
    data, deadline = b"", time.monotonic() + timeout
    while mark not in data and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        try:
            chunk = os.read(fd, 65536) if ready else b""
        except BlockingIOError:
            chunk = b""
        if not chunk:
            time.sleep(0.05)
        data += chunk
    return data


def test_log_fifo_with_reader():
    """A FIFO that a logger reads is a log target: -t passes, the server
    starts and writes its access-log lines there.  When the reader is gone,
    SIGUSR1 fails to reopen at once (said in the error log) instead of
    blocking the main thread, and the server still answers and stops."""
    s = Server(start=False)
    with s:
        afifo = os.path.join(s.dir, "access.fifo")
        efifo = os.path.join(s.dir, "error.fifo")
        os.mkfifo(afifo)
        os.mkfifo(efifo)
        # the readers, opened before anything writes, as a logger would be
        afd = os.open(afifo, os.O_RDONLY | os.O_NONBLOCK)
        efd = os.open(efifo, os.O_RDONLY | os.O_NONBLOCK)
        try:
            s.config["log"]["access_log"] = afifo
            s.config["log"]["error_log"] = efifo
            s.write_config()
            rc, out, err = mh("-t", "-c", s.conf, timeout=10)
            no_sanitizer(out, err)
            assert rc == 0 and "%s: syntax is ok" % s.conf in out, (rc, out, err)
        finally:
            os.close(efd)
        s.config["log"]["error_log"] = s.error_log
        s.write("hello.txt", b"hi\n")
        try:
            s.start()
            r = get(s.port, "/hello.txt", ["User-Agent: fifo-log-test"])
            assert r.status == 200 and r.body == b"hi\n", r
            data = read_fifo_until(afd, b"fifo-log-test")
            lines = [l for l in data.decode("utf-8", "replace").splitlines()
                     if "fifo-log-test" in l]
            assert len(lines) == 1 and CLF_RE.match(lines[0]), data
        finally:
            os.close(afd)
        s.send_signal(signal.SIGUSR1)
        said = wait_until(lambda: "no process is reading this FIFO"
                          in s.errlog(), 5)
        assert said, s.errlog()
        r = get(s.port, "/hello.txt")
        assert r.status == 200, r
        s.stop()


# -- control bytes from the config file in messages --------------------------

def mh_bytes(*args, timeout=10):
    p = subprocess.run([binary()] + list(args), capture_output=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def assert_terminal_safe(what, data):
    """data (one message and its newline) holds no control byte, no DEL and
    no invalid UTF-8: nothing a terminal could take as a command."""
    assert data.endswith(b"\n"), (what, data)
    bad = [b for b in data[:-1] if b < 0x20 or b == 0x7f]
    assert not bad, (what, data)
    text = data.decode("utf-8")  # raises on invalid UTF-8
    assert not any(0x80 <= ord(c) <= 0x9f for c in text), (what, data)  # C1
    return text


ESC_RED_BEL = b"\x1b[31m\x07"   # colours the terminal red and rings the bell
ESC_RED_BEL_SHOWN = "\\x1B[31m\\x07"

# (name, bad line replacing or added to GOOD, the escaped text to find, rc)
ESCAPE_CASES = [
    ("a value", b"port = " + ESC_RED_BEL,
     'port = "%s": must be a port number' % ESC_RED_BEL_SHOWN, 1),
    # Keys and section names can hold nothing but [A-Za-z0-9_.+-] (ini.c):
    # an unknown key or section with control bytes is a malformed line,
    # and the message quotes none of it.
    ("an unknown key", b"bogus" + ESC_RED_BEL + b" = 1",
     "malformed key name", 1),
    ("an unknown key's value", b"bogus = " + ESC_RED_BEL,
     'unknown key "bogus" in [server]', 1),
    ("a section name", b"[x" + ESC_RED_BEL + b"]",
     "malformed section header", 1),
    ("a docroot path", b"docroot = {dir}/" + ESC_RED_BEL,
     "docroot: {dir}/%s: No such file or directory" % ESC_RED_BEL_SHOWN, 1),
    ("a log path", b"access_log = {dir}/no/" + ESC_RED_BEL + b"/a.log",
     "access_log: cannot create {dir}/no/%s/a.log" % ESC_RED_BEL_SHOWN, 1),
    ("an [errors] page", b"[errors]\n404 = /" + ESC_RED_BEL,
     '404 = "/%s": must be a file path' % ESC_RED_BEL_SHOWN, 1),
    ("a [headers] value", b"[headers]\nX-Test = " + ESC_RED_BEL,
     "X-Test: the value must be non-empty printable ASCII", 1),
    ("a user (a warning: -t passes)", b"user = " + ESC_RED_BEL,
     'user "%s": no such user' % ESC_RED_BEL_SHOWN, 0),
    ("invalid UTF-8, a C1 control, quote and backslash",
     b'listen = a"b\\c\xff\xc2\x9b\xc3\xa9',
     'listen = "a\\x22b\\x5Cc\\xFF\\xC2\\x9B\u00e9": must be an IPv4', 1),
]


def with_line(t, line):
    """GOOD as bytes with line in place of the line setting the same key,
    or added to [server], or (a section) at the end."""
    out = GOOD.format(port=t.port, root=t.root, dir=t.dir).encode().split(b"\n")
    key = line.split(b" = ")[0] + b" = "
    if line.startswith(b"["):
        out.append(line)
    elif any(l.startswith(key) for l in out):
        out = [line if l.startswith(key) else l for l in out]
    else:
        out.insert(out.index(b"workers = 1") + 1, line)
    return b"\n".join(out) + b"\n"


def test_control_bytes_escaped_in_messages():
    """Every message that quotes the config file escapes control bytes
    (\\xHH), '"', '\\' and invalid UTF-8, so a config cannot drive the
    terminal of whoever runs -t; valid UTF-8 stays readable."""
    with Tmp() as t:
        bad = []
        for name, line, want, want_rc in ESCAPE_CASES:
            line = line.replace(b"{dir}", t.dir.encode())
            want = want.replace("{dir}", t.dir)
            path = os.path.join(t.dir, "esc.conf")
            write_file(path, with_line(t, line))
            rc, out, err = mh_bytes("-t", "-c", path)
            try:
                shown = assert_terminal_safe(name, err)
            except (AssertionError, UnicodeDecodeError) as e:
                bad.append("%s: stderr not terminal-safe: %r (%s)"
                           % (name, err, e))
                continue
            no_sanitizer(shown)
            if rc != want_rc or want not in shown:
                bad.append("%s: exit %d, want %d and %r in %r"
                           % (name, rc, want_rc, want, shown))
        # a command-line value is quoted the same way
        write_file(path, GOOD.format(port=t.port, root=t.root, dir=t.dir))
        rc, out, err = mh_bytes("-t", "-c", path, "-p", "\x1b[31m\x07")
        try:
            shown = assert_terminal_safe("-p", err)
            if rc != 1 or ("-p %s: must be a port" % ESC_RED_BEL_SHOWN) not in shown:
                bad.append("-p: exit %d, %r" % (rc, shown))
        except (AssertionError, UnicodeDecodeError) as e:
            bad.append("-p: stderr not terminal-safe: %r (%s)" % (err, e))
        assert not bad, "\n".join(bad)


def test_control_bytes_escaped_at_startup_and_reload():
    """The same at start-up (stderr) and in the error log when a SIGHUP
    reload is refused."""
    s = Server(start=False)
    with s:
        s.text = s.config_text().replace(
            "workers = 1\n", "workers = 1\nindex = x/\x1b[31m\x07\n")
        s.start(wait=False)
        assert s.wait_exit(10) == 1, s.rc
        err = read_file(s.stderr_path, "rb")
        shown = assert_terminal_safe("start-up", err)
        assert 'index = "x/%s": index names must be plain file names' \
            % ESC_RED_BEL_SHOWN in shown, shown

    s = Server()
    with s:
        before = read_file(s.error_log, "rb")
        s.write_config(s.config_text().replace(
            "workers = 1\n", "workers = 1\ncache_control = \x1b[31m\x07\n"))
        s.send_signal(signal.SIGHUP)
        assert wait_until(lambda: b"reload failed" in read_file(s.error_log, "rb"),
                          5), s.errlog()
        logged = read_file(s.error_log, "rb")[len(before):]
        lines = [l + b"\n" for l in logged.split(b"\n") if b"reload failed" in l]
        assert len(lines) == 1, logged
        shown = assert_terminal_safe("reload", lines[0])
        assert 'cache_control = "%s": must be printable ASCII' \
            % ESC_RED_BEL_SHOWN in shown, shown
        assert get(s.port, "/").status in (200, 403, 404)


# -- booleans and lists --------------------------------------------------------

def test_booleans_on_off_any_case():
    """A boolean is on or off, in any case; yes, no, true, false, 1 and 0
    are errors naming the line and what is allowed."""
    with Tmp() as t:
        for v in ("on", "On", "ON", "off", "Off", "OFF"):
            path, _ = t.write_marked(edit("workers = 1\n",
                                          "workers = 1\nautoindex = %s\n" % v))
            rc, out, err = mh("-t", "-c", path)
            no_sanitizer(out, err)
            assert rc == 0, (v, rc, out, err)
        for key in ("autoindex", "hide_dotfiles"):
            for v in ("yes", "no", "true", "false", "1", "0", "Yes"):
                path, line = t.write_marked(edit(
                    "workers = 1\n", "workers = 1\n>%s = %s\n" % (key, v)))
                rc, out, err = mh("-t", "-c", path)
                want = '%s:%d: %s = "%s": must be on or off' % (path, line, key, v)
                assert rc == 1 and err.strip() == want, (key, v, rc, out, err)


def test_index_comma_is_an_error():
    """index names are separated by spaces: a comma is an error naming the
    line, never a file called "index.html,"."""
    with Tmp() as t:
        path, line = t.write_marked(edit(
            "workers = 1\n", "workers = 1\n>index = index.html, index.htm\n"))
        rc, out, err = mh("-t", "-c", path)
        want = ('%s:%d: index = "index.html, index.htm": index names are '
                'separated by spaces, not commas' % (path, line))
        assert rc == 1 and err.strip() == want, (rc, out, err)


# -- [headers] may not add what the server sends -----------------------------

def test_headers_x_content_type_options_refused():
    """The server sends X-Content-Type-Options itself: [headers] may not add
    it (it passed -t and went out twice on 200, 304 and 404)."""
    with Tmp() as t:
        for name in ("X-Content-Type-Options", "x-content-type-options"):
            path, line = t.write_marked(GOOD + "[headers]\n>%s = nosniff\n" % name)
            rc, out, err = mh("-t", "-c", path)
            no_sanitizer(out, err)
            want = "%s:%d: %s is set by minihttpd itself" % (path, line, name)
            assert rc == 1 and err.strip() == want, (rc, out, err)
    with Server() as s:
        s.write("hello.txt", b"hi\n")
        r200 = get(s.port, "/hello.txt")
        r304 = get(s.port, "/hello.txt", ["If-None-Match: " + r200.h("ETag")])
        r404 = get(s.port, "/nope")
        for r, status in ((r200, 200), (r304, 304), (r404, 404)):
            assert r.status == status, r
            assert r.count("X-Content-Type-Options") == 1, r.headers


def test_headers_refuses_every_header_it_sends():
    """Every header name the server puts on a response (200, gzip, 206, 416,
    304, 404, 301, 405, HEAD, HTTP/1.0 keep-alive) is refused in [headers]."""
    import gzip
    names = {}
    with Server(server={"cache_control": "max-age=60"}) as s:
        body = b"hello, headers\n" * 100
        s.write("hello.txt", body)
        s.write("hello.txt.gz", gzip.compress(body))
        s.write("dir/index.html", b"x\n")
        r200 = get(s.port, "/hello.txt")
        rs = [r200,
              get(s.port, "/hello.txt", ["Accept-Encoding: gzip"]),
              get(s.port, "/hello.txt", ["Range: bytes=0-3"]),
              get(s.port, "/hello.txt", ["Range: bytes=999999-"]),
              get(s.port, "/hello.txt", ["If-None-Match: " + r200.h("ETag")]),
              get(s.port, "/nope"),
              get(s.port, "/dir"),
              get(s.port, "/hello.txt", method="POST"),
              get(s.port, "/hello.txt", method="HEAD")]
        with Conn(s.port) as c:
            rs.append(c.request("GET", "/hello.txt", ["Connection: keep-alive"],
                                version="HTTP/1.0"))
        assert [r.status for r in rs] == [200, 200, 206, 416, 304, 404, 301,
                                          405, 200, 200], rs
        for r in rs:
            for k, _ in r.headers:
                names.setdefault(k.lower(), k)
    for must in ("date", "server", "x-content-type-options", "content-type",
                 "content-length", "etag", "last-modified", "accept-ranges",
                 "vary", "content-encoding", "content-range", "location",
                 "allow", "cache-control", "connection"):
        assert must in names, (must, sorted(names))
    bad = []
    with Tmp() as t:
        for name in sorted(names.values()):
            path, line = t.write_marked(GOOD + "[headers]\n>%s = x\n" % name)
            rc, out, err = mh("-t", "-c", path)
            want = "%s:%d: %s is set by minihttpd itself" % (path, line, name)
            if rc != 1 or not err.startswith(want):
                bad.append("%s: exit %d, %r" % (name, rc, err.strip()))
    assert not bad, "\n".join(bad)


# -- reloads ---------------------------------------------------------------------

def test_reload_refuses_restart_keys():
    """A reload that changes a key only a restart can apply (listen, port,
    workers, user, pid_file, max_connections) is refused and logged, and the
    running configuration is kept whole (a cache_control changed in the same
    file is not applied); changing only other keys reloads."""
    with Server(server={"max_connections": 100}) as s:
        s.write("hello.txt", b"hi\n")
        changes = [("max_connections", 200),
                   ("pid_file", os.path.join(s.dir, "other.pid")),
                   ("port", free_port()),
                   ("listen", "127.0.0.2"),
                   ("workers", 2)]
        for key, value in changes:
            saved = dict(s.config["server"])
            s.config["server"][key] = value
            s.config["server"]["cache_control"] = "max-age=7"
            s.write_config()
            s.config["server"] = saved
            before = len(s.errlog())
            s.send_signal(signal.SIGHUP)
            want = "reload refused: changing %s needs a restart" % key
            assert wait_until(lambda: want in s.errlog()[before:], 5), \
                (key, s.errlog()[before:])
            assert "configuration reloaded" not in s.errlog()[before:], key
            r = get(s.port, "/hello.txt")
            assert r.status == 200 and r.h("Cache-Control") is None, \
                (key, r.headers)
        s.config["server"]["cache_control"] = "max-age=7"
        s.write_config()
        before = len(s.errlog())
        s.send_signal(signal.SIGHUP)
        assert wait_until(lambda: "configuration reloaded"
                          in s.errlog()[before:], 5), s.errlog()[before:]
        assert wait_until(lambda: get(s.port, "/hello.txt").h("Cache-Control")
                          == "max-age=7", 3)


# -- a newcomer's first minutes ----------------------------------------------------

def test_positional_folder_is_the_docroot():
    """`minihttpd DIR` serves DIR, as `-r DIR` does (relative to the
    directory it was started in)."""
    with Tmp() as t:
        site = os.path.join(t.dir, "site")
        write_file(os.path.join(site, "hello.txt"), b"positional\n")
        conf, _ = t.write_marked(GOOD)
        for folder in ("site", "./site", site):
            p = subprocess.run([binary(), "-t", "-c", conf, folder], cwd=t.dir,
                               capture_output=True, timeout=10,
                               stdin=subprocess.DEVNULL)
            assert p.returncode == 0, (folder, p)
        p = subprocess.run([binary(), "-t", "-c", conf, "nope"], cwd=t.dir,
                           capture_output=True, timeout=10,
                           stdin=subprocess.DEVNULL)
        err = p.stderr.decode()
        assert p.returncode == 1 and \
            "command line: docroot: %s/nope: " % t.dir in err, (p.returncode, err)
    s = Server(start=False)
    with s:
        other = os.path.join(s.dir, "other")
        write_file(os.path.join(other, "which.txt"), b"POSITIONAL\n")
        s.write("which.txt", b"CONFIG\n")
        s.args = [other]
        s.start()
        r = get(s.port, "/which.txt")
        assert r.status == 200 and r.body == b"POSITIONAL\n", r
    rc, out, err = mh("-h")
    assert rc == 0 and "[DIR]" in out, out


def test_positional_folder_errors():
    """Two folders, or a folder and -r, are an error in one line."""
    with Tmp() as t:
        conf, _ = t.write_marked(GOOD)
        for args, words in (([t.root, t.dir], [t.root, t.dir]),
                            (["-r", t.root, t.dir], ["-r", t.dir])):
            for test in (["-t"], []):
                rc, out, err = mh(*(test + ["-c", conf] + args))
                no_sanitizer(out, err)
                lines = err.strip().splitlines()
                assert rc == 1 and len(lines) == 1, (args, rc, out, err)
                assert all(w in lines[0] for w in words), (args, lines)


def test_startup_error_once_with_error_log_on_stderr():
    """error_log = - is stderr: a start-up error is printed there once."""
    lines = stderr_on_a_busy_port(Server(start=False, log={"error_log": "-"}))
    lines = [l for l in lines if "cannot bind" in l]
    assert len(lines) == 1, "printed %d times: %r" % (len(lines), lines)


def test_start_line_names_the_url():
    """The start line says where to point a browser: localhost for an
    address of every interface, brackets around an IPv6 address."""
    cases = [("127.0.0.1", "http://127.0.0.1:%d/"),
             ("0.0.0.0", "http://localhost:%d/")]
    if have_ipv6():
        cases += [("::1", "http://[::1]:%d/"), ("::", "http://localhost:%d/")]
    for listen, url in cases:
        with Server(server={"listen": listen}) as s:
            want = "serving %s on %s" % (s.root, url % s.port)
            assert wait_until(lambda: want in s.errlog(), 5), (want, s.errlog())


def test_default_max_connections_no_fd_notice():
    """With max_connections left at its default, a low open-file limit is
    no news: the server takes what the limit allows and says nothing.  Set
    explicitly, the cap it cannot reach is logged."""
    for explicit in (False, True):
        server = {"max_connections": 10000} if explicit else {}
        with LimitedServer(256, server=server) as s:
            s.write("hello.txt", b"hi\n")
            s.start()
            assert get(s.port, "/hello.txt").status == 200
            s.stop()
            said = [l for l in s.errlog().splitlines() if "open files" in l]
            assert bool(said) == explicit, (explicit, s.errlog())


def test_dev_conf_starts_quietly():
    """`make run`'s conf/dev.conf starts with nothing but the start line,
    under the usual open-file limit of 1024."""
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    port = free_port()
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen([binary(), "-c", "conf/dev.conf", "-p", str(port),
                              "-l", "127.0.0.1"], cwd=top, stdin=subprocess.DEVNULL,
                             stdout=out, stderr=err, preexec_fn=limit)
        try:
            up = wait_until(lambda: p.poll() is None and _accepts(port), 10)
            assert up, "dev.conf did not start (exit %r)" % p.poll()
        finally:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            rc = p.wait(10)
        out.seek(0)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
        no_sanitizer(text)
        assert rc == 0, (rc, text)
        lines = [l for l in text.splitlines() if l.strip()]
        start = [l for l in lines if " serving " in l]
        assert len(start) == 1 and "http://127.0.0.1:%d/" % port in start[0], \
            lines
        noise = [l for l in lines if "open files" in l or "[warn]" in l
                 or "[error]" in l]
        assert not noise, lines


def _accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


if __name__ == "__main__":
    run(globals())
