# harness.py -- black-box test harness for minihttpd.
#
# Python 3 standard library only (plus the curl command). Each test file does
# "from harness import *", defines test_* functions and ends with run(globals()).
#
# Server is a context manager: it makes a temp dir holding a docroot ("www"),
# a config file, the access/error logs and the captured stdout/stderr, picks a
# free port, starts $MINIHTTPD -c CONF in the foreground and waits until the
# port accepts connections. On a clean exit of the "with" block it sends
# SIGTERM and asserts exit status 0 and no sanitizer report; on an exception
# it kills the server anyway, prints the tail of its output and keeps the
# temp dir for inspection.
#
# Only 127.0.0.1 and ::1 are ever contacted. Every loop is bounded in both
# count and time.
#
#   MINIHTTPD=/abs/path/minihttpd python3 test_x.py [test_name ...]
#
# runs all test_* functions of test_x.py (or only the ones named) and exits
# 1 if any failed. MINIHTTPD_KEEP=1 keeps the temp dirs of passing tests too.

import ast
import functools
import operator
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "ThreadSanitizer",
                   "runtime error:")

# One Combined Log Format line. Groups: host, day, month, year, H, M, S,
# method, target, protocol, status, bytes, referer, user agent.
CLF_RE = re.compile(
    r'^(\S+) - - \[(\d{2})/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
    r'/(\d{4}):(\d{2}):(\d{2}):(\d{2}) \+0000\] '
    r'"(\S+) (\S+) (HTTP/1\.[01])" (\d{3}) (\d+|-) '
    r'"((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$')


class Skip(Exception):
    """Raise Skip("why") from a test to report it as skipped."""


def binary():
    path = os.environ.get("MINIHTTPD")
    if not path:
        sys.exit("FATAL: set MINIHTTPD to the absolute path of the binary")
    if not os.path.isabs(path) or not os.access(path, os.X_OK):
        sys.exit("FATAL: MINIHTTPD=%s is not an absolute executable path"
                 % path)
    return path


def free_port(host="127.0.0.1"):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def have_ipv6():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def read_file(path, mode="r"):
    try:
        with open(path, mode) as f:
            return f.read()
    except FileNotFoundError:
        return b"" if "b" in mode else ""


def write_file(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


# ---------------------------------------------------------------------------
# src/bounds.h
# ---------------------------------------------------------------------------

BOUNDS_H = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "..", "..", "src", "bounds.h")
_BOUND_OPS = {ast.Add: operator.add, ast.Sub: operator.sub,
              ast.Mult: operator.mul, ast.Div: operator.floordiv,
              ast.FloorDiv: operator.floordiv}


def _bound_value(node, known):
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.Name) and node.id in known:
        return known[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BOUND_OPS:
        return _BOUND_OPS[type(node.op)](_bound_value(node.left, known),
                                         _bound_value(node.right, known))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_bound_value(node.operand, known)
    raise ValueError(ast.dump(node))


@functools.lru_cache(maxsize=None)
def bounds():
    """The constants of src/bounds.h, {"MH_REQUEST_LINE_MAX": 8192, ...}:
    each `#define NAME value` whose value is a decimal number or simple
    arithmetic (+ - * / and parentheses) on numbers and names defined above
    it.  A define whose value is anything else is left out, so using it
    fails with a KeyError naming it."""
    known = {}
    with open(BOUNDS_H) as f:
        for line in f:
            m = re.match(r"\s*#\s*define\s+(MH_\w+)\s+(.+?)\s*(/\*.*)?$", line)
            if not m:
                continue
            expr = re.sub(r"\b(\d+)[uUlL]+\b", r"\1", m.group(2))
            try:
                known[m.group(1)] = _bound_value(
                    ast.parse(expr, mode="eval").body, known)
            except (SyntaxError, ValueError):
                pass
    return known


# ---------------------------------------------------------------------------
# HTTP/1.x response parsing
# ---------------------------------------------------------------------------

class Response:
    def __init__(self, version, status, reason, headers, body, raw):
        self.version = version      # "HTTP/1.1"
        self.status = status        # int
        self.reason = reason
        self.headers = headers      # list of (name, value), in order
        self.body = body            # bytes (de-chunked)
        self.raw = raw              # every byte of this response

    def h(self, name):
        """Value of the last header called name (case-insensitive)."""
        val = None
        for k, v in self.headers:
            if k.lower() == name.lower():
                val = v
        return val

    def count(self, name):
        return sum(1 for k, _ in self.headers if k.lower() == name.lower())

    def __repr__(self):
        return "<Response %d %r>" % (self.status, self.headers)


def parse_one(buf, head=False, eof=False):
    """Parse one response at the start of buf. Returns (Response, consumed)
    or None when more bytes are needed. head=True: a response to HEAD, which
    has no body whatever Content-Length says. eof=True: buf is all there
    will ever be (a body without length then runs to the end)."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        if eof and buf:
            raise AssertionError("truncated header block: %r" % bytes(buf[:200]))
        return None
    lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
    m = re.match(r"^(HTTP/\d\.\d) (\d{3})(?: (.*))?$", lines[0])
    assert m, "bad status line %r" % lines[0]
    headers = []
    for line in lines[1:]:
        assert ":" in line, "bad header line %r" % line
        k, v = line.split(":", 1)
        headers.append((k, v.strip()))
    r = Response(m.group(1), int(m.group(2)), m.group(3) or "", headers,
                 b"", b"")
    pos = end + 4
    te = (r.h("Transfer-Encoding") or "").lower()
    cl = r.h("Content-Length")
    if head or r.status in (204, 304) or 100 <= r.status < 200:
        body = b""
    elif "chunked" in te:
        chunks = []
        while True:
            e = buf.find(b"\r\n", pos)
            if e < 0:
                return None if not eof else _trunc(buf)
            size = int(bytes(buf[pos:e]).split(b";")[0], 16)
            if len(buf) < e + 2 + size + 2:
                return None if not eof else _trunc(buf)
            chunks.append(bytes(buf[e + 2:e + 2 + size]))
            pos = e + 2 + size + 2
            if size == 0:
                break
        body = b"".join(chunks)
    elif cl is not None:
        n = int(cl)
        if len(buf) < pos + n:
            return None if not eof else _trunc(buf)
        body = bytes(buf[pos:pos + n])
        pos += n
    else:
        if not eof:
            return None
        body = bytes(buf[pos:])
        pos = len(buf)
    r.body = body
    r.raw = bytes(buf[:pos])
    return r, pos


def _trunc(buf):
    raise AssertionError("truncated response body (%d bytes buffered)"
                         % len(buf))


def parse_responses(data, heads=()):
    """Split bytes read until close into responses. heads[i] is True when
    the i-th request was a HEAD."""
    out = []
    buf = bytearray(data)
    while buf:
        res = parse_one(buf, len(heads) > len(out) and heads[len(out)],
                        eof=True)
        r, n = res
        out.append(r)
        del buf[:n]
    return out


def recv_by(sock, deadline, size=1 << 16):
    """One recv() that waits until deadline (a time.monotonic() value) at
    most: the bytes; b"" when the peer closed or reset the connection; None
    when the deadline passed first.  Every receive loop of the tests is
    built on it."""
    left = deadline - time.monotonic()
    if left <= 0:
        return None
    sock.settimeout(left)
    try:
        return sock.recv(size)
    except socket.timeout:
        return None
    except ConnectionResetError:
        return b""


class Conn:
    """One client connection with a read buffer."""

    def __init__(self, port, host="127.0.0.1", timeout=5, rcvbuf=None):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_STREAM)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(timeout)
        self.s.connect((host, port))
        self.buf = bytearray()
        self.timeout = timeout

    def send(self, data):
        self.s.sendall(data)

    def request(self, method, path, headers=(), version="HTTP/1.1",
                body=b""):
        self.send(build(method, path, headers, version, body))
        return self.read_response(head=(method == "HEAD"))

    def read_response(self, head=False, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            res = parse_one(self.buf, head)
            if res:
                r, n = res
                del self.buf[:n]
                return r
            chunk = recv_by(self.s, deadline)
            assert chunk is not None, "timeout waiting for a response " \
                "(have %r)" % bytes(self.buf[:200])
            if not chunk:
                # The body may legitimately run until close (no length).
                res = parse_one(self.buf, head, eof=True)
                assert res, "connection closed before a response"
                r, n = res
                del self.buf[:n]
                return r
            self.buf += chunk

    def closed_within(self, timeout):
        """True if the server closes the connection within timeout seconds
        (any unexpected bytes fail the test); False if it stays open."""
        deadline = time.monotonic() + timeout
        assert not self.buf, "unexpected bytes %r" % bytes(self.buf[:200])
        chunk = recv_by(self.s, deadline, 4096)
        if chunk is None:
            return False
        assert not chunk, "unexpected bytes %r" % chunk[:200]
        return True

    def close(self):
        self.s.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def build(method, path, headers=(), version="HTTP/1.1", body=b""):
    """Build request bytes. A Host header is added for HTTP/1.1 unless
    headers already has one. path may be str or bytes (sent as is)."""
    if isinstance(path, str):
        path = path.encode("latin-1")
    lines = [method.encode() + b" " + path + b" " + version.encode()]
    names = [h.split(":", 1)[0].strip().lower() for h in headers]
    if version == "HTTP/1.1" and "host" not in names:
        lines.append(b"Host: localhost")
    for h in headers:
        lines.append(h.encode("latin-1") if isinstance(h, str) else h)
    if body and "content-length" not in names:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def raw(data, port, timeout=3, host="127.0.0.1", must_close=False):
    """Send data on a fresh connection, read until close or timeout (with
    must_close, the server must have closed it by then)."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((host, port))
    out = bytearray()
    deadline = time.monotonic() + timeout
    try:
        s.sendall(data)
        while len(out) < (64 << 20):
            chunk = recv_by(s, deadline)
            assert chunk is not None or not must_close, \
                "connection still open after %ds; got %r" % (timeout,
                                                             bytes(out[:300]))
            if not chunk:
                break
            out += chunk
    finally:
        s.close()
    return bytes(out)


def get(port, path, headers=(), host="127.0.0.1", method="GET"):
    """One request on a fresh connection, Connection: close."""
    with Conn(port, host) as c:
        return c.request(method, path, list(headers) + ["Connection: close"])


def curl(args, timeout=30):
    """Run curl -sS with args; returns subprocess.CompletedProcess (bytes)."""
    return subprocess.run(["curl", "-sS", "--noproxy", "*", "--max-time",
                           str(timeout)] + list(args),
                          capture_output=True, timeout=timeout + 10)


def wait_for_lines(path, n, timeout=3):
    """Poll path until it holds at least n lines or timeout passes; returns
    the complete lines found (a last line without newline is not counted)."""
    deadline = time.monotonic() + timeout
    while True:
        data = read_file(path)
        lines = data.split("\n")[:-1]
        if len(lines) >= n or time.monotonic() >= deadline:
            return lines
        time.sleep(0.05)


# The request and status of an access-log line (any client, any time).
LOG_RE = re.compile(r'^\S+ - - \[[^\]]+\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-) ')


def log_entries(s, n, timeout=3):
    """(request, status) of the access-log lines once there are n."""
    out = []
    for line in wait_for_lines(s.access_log, n, timeout):
        m = LOG_RE.match(line)
        assert m, "access-log line not in Combined Log Format: %r" % line[:300]
        out.append((m.group(1), int(m.group(2))))
    return out


def cpu_seconds(pid):
    """utime + stime of a process, from /proc/PID/stat, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state): utime is field 14, stime 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class SyscallCount:
    """with SyscallCount(pid, ["epoll_ctl", "epoll_wait"]) as n: ...
    counts the calls to each named system call that every thread of pid
    made while the block ran (strace -f attached to it, stopped by PID at
    the end); n["epoll_ctl"] afterwards.  Skips when strace is missing."""

    def __init__(self, pid, names, timeout=10):
        if not shutil.which("strace"):
            raise Skip("strace is not installed (the Makefile installs it)")
        self.pid, self.names, self.timeout = pid, list(names), timeout
        self.counts = {}
        self.dir = tempfile.mkdtemp(prefix="minihttpd-strace-")

    def __getitem__(self, name):
        return self.counts[name]

    def __enter__(self):
        self.out = os.path.join(self.dir, "trace")
        self.err = open(os.path.join(self.dir, "stderr"), "w+")
        self.proc = subprocess.Popen(
            ["strace", "-f", "-e", "trace=" + ",".join(self.names), "-o", self.out,
             "-p", str(self.pid)], stdout=subprocess.DEVNULL, stderr=self.err)
        # "strace: Process PID attached with N threads", once all are
        ok = wait_until(lambda: " attached" in read_file(self.err.name), self.timeout)
        if not ok:
            self._stop()
            raise AssertionError("strace did not attach to %d: %r"
                                 % (self.pid, read_file(self.err.name)))
        return self

    def _stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(self.timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.err.close()

    def __exit__(self, *a):
        self._stop()
        text = read_file(self.out) if os.path.exists(self.out) else ""
        for name in self.names:
            # "TID name(args) = r" or "TID name(args <unfinished ...>": one
            # per call; the "<... name resumed>" line is not counted again
            self.counts[name] = len(re.findall(r"^\d+ +%s\(" % name, text, re.M))
        shutil.rmtree(self.dir, ignore_errors=True)
        return False


def wait_until(pred, timeout, step=0.05):
    """Poll pred() until it returns a true value or timeout; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


# ---------------------------------------------------------------------------
# The server under test
# ---------------------------------------------------------------------------

class Server:
    """Server(server={...}, log={...}, mime={...}, extra="", args=[],
    start=True). The dicts override keys of the default config; a value of
    None removes the key. extra is raw text appended to the config file.
    With start=False, tweak .config/.args/.port/.text (a whole config file
    text replacing the generated one), then call start()."""

    def __init__(self, server=None, log=None, mime=None, extra="", args=(),
                 start=True):
        self.dir = tempfile.mkdtemp(prefix="minihttpd-test-")
        self.root = os.path.join(self.dir, "www")
        os.mkdir(self.root)
        self.conf = os.path.join(self.dir, "minihttpd.conf")
        self.access_log = os.path.join(self.dir, "access.log")
        self.error_log = os.path.join(self.dir, "error.log")
        self.stdout_path = os.path.join(self.dir, "stdout")
        self.stderr_path = os.path.join(self.dir, "stderr")
        self.port = free_port()
        self.config = {
            "server": {"listen": "127.0.0.1", "port": self.port,
                       "docroot": self.root, "workers": 1,
                       "keepalive_timeout": 15},
            "log": {"access_log": self.access_log,
                    "error_log": self.error_log},
            "mime": {"types_file": "/etc/mime.types"},
        }
        for sect, over in (("server", server), ("log", log), ("mime", mime)):
            for k, v in (over or {}).items():
                if v is None:
                    self.config[sect].pop(k, None)
                else:
                    self.config[sect][k] = v
        self.extra = extra
        self.text = None
        self.args = list(args)
        self.proc = None
        self.rc = None
        self.preexec = None  # run in the child before exec (rlimits, seccomp)
        if start:
            self.start()

    # Host to contact for the configured listen address.
    @property
    def host(self):
        listen = str(self.config["server"].get("listen", "127.0.0.1"))
        return "::1" if ":" in listen else "127.0.0.1"

    def write(self, rel, data):
        """Create a file (and its directories) under the docroot."""
        path = os.path.join(self.root, rel)
        write_file(path, data)
        return path

    def config_text(self):
        out = []
        for sect, kv in self.config.items():
            out.append("[%s]" % sect)
            for k, v in kv.items():
                out.append("%s = %s" % (k, v))
            out.append("")
        return "\n".join(out) + self.extra

    def write_config(self, text=None):
        write_file(self.conf, self.config_text() if text is None else text)

    def start(self, wait=True):
        self.write_config(self.text)
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen([binary(), "-c", self.conf] + self.args,
                                     stdin=subprocess.DEVNULL,
                                     stdout=self._out, stderr=self._err,
                                     preexec_fn=self.preexec)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                raise AssertionError("server exited with %d at start-up:\n%s"
                                     % (rc, self.stderr()))
            try:
                socket.create_connection((self.host, self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("server did not accept on %s:%d within %ds"
                             % (self.host, self.port, timeout))

    def stderr(self):
        return read_file(self.stderr_path, "rb").decode("utf-8", "replace")

    def stdout(self):
        return read_file(self.stdout_path, "rb").decode("utf-8", "replace")

    def errlog(self):
        return read_file(self.error_log, "rb").decode("utf-8", "replace")

    def send_signal(self, sig):
        assert self.proc.poll() is None, "server is not running"
        os.kill(self.proc.pid, sig)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _wait_exit(self, sig, timeout):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        try:
            return self.proc.wait(timeout), False
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(10), True

    def stop(self, sig=signal.SIGTERM, expect_rc=0, timeout=10):
        """Stop the server with sig and check how it went."""
        if self.proc is None:
            return None
        self.rc, killed = self._wait_exit(sig, timeout)
        self._close_files()
        assert not killed, "server ignored signal %d for %ds; SIGKILLed" \
            % (sig, timeout)
        self.check_sanitizers()
        assert self.rc == expect_rc, "exit status %d, expected %d; stderr:\n%s" \
            % (self.rc, expect_rc, self.stderr()[-2000:])
        return self.rc

    def wait_exit(self, timeout=10):
        """Wait for a server that should exit by itself (start-up failure);
        returns its exit status."""
        try:
            self.rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.rc, _ = self._wait_exit(signal.SIGKILL, 5)
            self._close_files()
            raise AssertionError("server still running after %ds" % timeout)
        self._close_files()
        self.check_sanitizers()
        return self.rc

    def check_sanitizers(self):
        for name, text in (("stderr", self.stderr()), ("stdout", self.stdout()),
                           ("error log", self.errlog())):
            for mark in SANITIZER_MARKS:
                assert mark not in text, "sanitizer report in %s:\n%s" \
                    % (name, text[-4000:])

    def _close_files(self):
        for f in (getattr(self, "_out", None), getattr(self, "_err", None)):
            if f:
                f.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            if self.proc is not None and self.rc is None:
                self.stop()
            if not os.environ.get("MINIHTTPD_KEEP"):
                shutil.rmtree(self.dir, ignore_errors=True)
            return False
        # The test failed: always stop the server, show what it said.
        if self.proc is not None and self.rc is None:
            self.rc, _ = self._wait_exit(signal.SIGTERM, 5)
            self._close_files()
        for name, text in (("stderr", self.stderr()),
                           ("error log", self.errlog())):
            tail = "\n".join(text.splitlines()[-15:])
            if tail:
                print("--- server %s (tail) ---\n%s" % (name, tail))
        print("--- kept %s (exit status %s)" % (self.dir, self.rc))
        return False


# ---------------------------------------------------------------------------
# Test runner (cmocka-style output)
# ---------------------------------------------------------------------------


class LimitedServer(Server):
    """A Server whose process starts with RLIMIT_NOFILE = (nofile, nofile)."""

    def __init__(self, nofile, **kw):
        super().__init__(start=False, **kw)

        def limit():
            import resource
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.preexec = limit


def run(g):
    binary()
    tests = [(n, f) for n, f in g.items()
             if n.startswith("test_") and callable(f)]
    if len(sys.argv) > 1:
        tests = [(n, f) for n, f in tests if n in sys.argv[1:]]
    failed, skipped, passed = [], [], 0
    print("[==========] Running %d test(s)." % len(tests), flush=True)
    for name, fn in tests:
        print("[ RUN      ] %s" % name, flush=True)
        t0 = time.monotonic()
        try:
            fn()
        except Skip as e:
            print("SKIP: %s" % e)
            print("[  SKIPPED ] %s" % name, flush=True)
            skipped.append(name)
            continue
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            traceback.print_exc(file=sys.stdout)
            print("[  FAILED  ] %s" % name, flush=True)
            failed.append(name)
            continue
        passed += 1
        print("[       OK ] %s (%.1fs)" % (name, time.monotonic() - t0),
              flush=True)
    print("[==========] %d test(s) run." % len(tests))
    print("[  PASSED  ] %d test(s)." % passed)
    if skipped:
        print("[  SKIPPED ] %d test(s), listed below:" % len(skipped))
        for n in skipped:
            print("[  SKIPPED ] %s" % n)
    if failed:
        print("[  FAILED  ] %d test(s), listed below:" % len(failed))
        for n in failed:
            print("[  FAILED  ] %s" % n)
        print("\n %d FAILED TEST(S)" % len(failed))
    sys.stdout.flush()
    sys.exit(1 if failed else 0)
