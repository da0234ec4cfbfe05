# test_tls.py -- HTTPS ([tls], minihttpd.conf(5)): files over TLS with
# every feature of plain HTTP, TLS 1.2/1.3 only, ALPN, session resumption,
# redirect_http and hsts, a certificate swapped by SIGHUP (new handshakes
# see it, open connections keep theirs, a bad pair is refused), plaintext on
# the HTTPS port, a stalled handshake, -t's checks, and the memory a slow
# reader of a large file holds.  Certificates are made with the openssl CLI.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_tls.py

import hashlib
import re
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


def openssl(*args, cwd=None):
    p = subprocess.run(["openssl"] + list(args), capture_output=True, cwd=cwd,
                       timeout=60)
    assert p.returncode == 0, p
    return p.stdout


def make_ca(d):
    """A CA, in d/ca.pem and d/ca.key."""
    if not os.path.exists(os.path.join(d, "ca.pem")):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-days", "30", "-subj", "/CN=minihttpd test CA",
                cwd=d)
    return os.path.join(d, "ca.pem")


def make_pair(d, name, cn="localhost", days=30, rsa=False):
    """A certificate for cn (and 127.0.0.1, ::1) signed by the CA: paths of
    d/name.pem (leaf then CA: a full chain) and d/name.key."""
    make_ca(d)
    key = ["-newkey", "rsa:2048"] if rsa else ["-newkey", "ec", "-pkeyopt",
                                              "ec_paramgen_curve:P-256"]
    openssl("req", "-new", *key, "-nodes", "-keyout", name + ".key",
            "-out", name + ".csr", "-subj", "/CN=" + cn, cwd=d)
    with open(os.path.join(d, name + ".ext"), "w") as f:
        f.write("subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1,IP:::1\n" % cn)
    openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey",
            "ca.key", "-CAcreateserial", "-out", name + ".leaf", "-days",
            str(days), "-extfile", name + ".ext", cwd=d)
    with open(os.path.join(d, name + ".pem"), "wb") as f:
        f.write(read_file(os.path.join(d, name + ".leaf"), "rb"))
        f.write(read_file(os.path.join(d, "ca.pem"), "rb"))
    return os.path.join(d, name + ".pem"), os.path.join(d, name + ".key")


class TlsServer(Server):
    """A Server with [tls] on a port of its own, certificate from make_pair."""

    def __init__(self, tls=None, **kw):
        start = kw.pop("start", True)
        super().__init__(start=False, **kw)
        self.tls_port = free_port()
        while self.tls_port == self.port:
            self.tls_port = free_port()
        self.cert, self.key = make_pair(self.dir, "server")
        self.ca = os.path.join(self.dir, "ca.pem")
        self.tls = {"certificate": self.cert, "key": self.key,
                    "port": self.tls_port}
        self.tls.update(tls or {})
        if start:
            self.start()

    def config_text(self):
        text = super().config_text()
        return text + "\n[tls]\n" + "".join("%s = %s\n" % kv for kv in self.tls.items())

    def context(self, **kw):
        ctx = ssl.create_default_context(cafile=self.ca)
        for k, v in kw.items():
            setattr(ctx, k, v)
        return ctx

    def connect(self, ctx=None, session=None, host="localhost"):
        raw_sock = socket.create_connection(("127.0.0.1", self.tls_port), timeout=5)
        return (ctx or self.context()).wrap_socket(raw_sock, server_hostname=host,
                                                   session=session)


def https_get(sock, path, headers=(), method="GET"):
    """One request on an open TLS socket (keep-alive): a Response."""
    req = "%s %s HTTP/1.1\r\nHost: localhost\r\n%s\r\n" % (
        method, path, "".join(h + "\r\n" for h in headers))
    sock.sendall(req.encode())
    buf = bytearray()
    deadline = time.monotonic() + 10
    while True:
        res = parse_one(buf, method == "HEAD") if buf else None
        if res:
            r, n = res
            del buf[:n]
            return r
        chunk = sock.recv(1 << 16)
        assert chunk, "connection closed; got %r" % bytes(buf[:200])
        buf += chunk
        assert time.monotonic() < deadline, "no whole response"


def test_files_over_https():
    with TlsServer() as s:
        s.write("hello.txt", b"hello over tls\n")
        big = os.urandom(3 << 20)
        s.write("big.bin", big)
        # in memory, but too large to join its head in one TLS record:
        # queued by reference behind it
        b = bounds()
        mid = os.urandom((b["MH_TLS_JOIN_MAX"] + b["MH_SMALL_FILE_MAX"]) // 2)
        s.write("mid.bin", mid)
        with s.connect() as c:
            assert c.version() in ("TLSv1.2", "TLSv1.3"), c.version()
            r = https_get(c, "/hello.txt")
            assert r.status == 200 and r.body == b"hello over tls\n", r
            etag = r.h("ETag")
            r = https_get(c, "/hello.txt", ["If-None-Match: " + etag])
            assert r.status == 304, r
            r = https_get(c, "/hello.txt", ["Range: bytes=6-9"])
            assert r.status == 206 and r.body == b"over", r
            r = https_get(c, "/big.bin")  # read in through the feed: no sendfile
            assert r.status == 200 and hashlib.sha256(r.body).digest() == \
                hashlib.sha256(big).digest(), len(r.body)
            r = https_get(c, "/big.bin", ["Range: bytes=1048576-2097151"])
            assert r.status == 206 and r.body == big[1 << 20:2 << 20], len(r.body)
            for _ in range(2):   # loaded into the cache, then from it
                r = https_get(c, "/mid.bin")
                assert r.status == 200 and r.body == mid, len(r.body)
            r = https_get(c, "/mid.bin", ["Range: bytes=100-20099"])
            assert r.status == 206 and r.body == mid[100:20100], len(r.body)
            r = https_get(c, "/nope")
            assert r.status == 404, r
            r = https_get(c, "/hello.txt", method="HEAD")
            assert r.status == 200 and r.body == b"", r
        # plain HTTP still on [server] port
        assert get(s.port, "/hello.txt").body == b"hello over tls\n"
        p = curl(["-s", "--cacert", s.ca, "-o", "-", "-w", "%{http_code}",
                  "https://localhost:%d/hello.txt" % s.tls_port])
        assert p.stdout == b"hello over tls\n200", p
        lines = log_entries(s, 13)
        assert len(lines) >= 12, lines


def test_protocols_and_alpn():
    with TlsServer() as s:
        s.write("x", b"x")
        for v in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            ctx = s.context(minimum_version=v, maximum_version=v)
            with s.connect(ctx) as c:
                assert c.version() == {ssl.TLSVersion.TLSv1_2: "TLSv1.2",
                                       ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[v]
                assert https_get(c, "/x").status == 200
        for flag in ("-tls1", "-tls1_1"):
            p = subprocess.run(["openssl", "s_client", "-connect",
                                "127.0.0.1:%d" % s.tls_port, flag, "-cipher",
                                "DEFAULT:@SECLEVEL=0"], input=b"",
                               capture_output=True, timeout=30)
            assert p.returncode != 0, (flag, p.stdout[-400:])
        ctx = s.context()
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        with s.connect(ctx) as c:
            assert c.selected_alpn_protocol() == "http/1.1"
        ctx = s.context()
        ctx.set_alpn_protocols(["h2"])  # only h2: served without ALPN
        with s.connect(ctx) as c:
            assert c.selected_alpn_protocol() is None
            assert https_get(c, "/x").status == 200
        # a TLS 1.2 cipher outside the list (no forward secrecy)
        ctx = s.context(maximum_version=ssl.TLSVersion.TLSv1_2)
        ctx.set_ciphers("AES128-SHA:@SECLEVEL=0")
        try:
            with s.connect(ctx):
                raise AssertionError("AES128-SHA was accepted")
        except ssl.SSLError:
            pass
        assert s.alive()


# Mozilla "intermediate" (v5.7): the only suites a client may negotiate.
INTERMEDIATE = {
    "TLSv1.3": {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                "TLS_CHACHA20_POLY1305_SHA256"},
    "TLSv1.2": {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
                "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
                "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
                "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384",
                "DHE-RSA-CHACHA20-POLY1305"},
}


def sslscan(port):
    """sslscan's view of 127.0.0.1:port: (enabled protocols, {(protocol,
    cipher)}, its renegotiation line)."""
    if not shutil.which("sslscan"):
        raise Skip("sslscan is not installed (make test-deps installs it)")
    p = subprocess.run(["sslscan", "--no-colour", "127.0.0.1:%d" % port],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p
    out = p.stdout
    protocols = set(re.findall(r"^(SSLv\d|TLSv1\.\d)\s+enabled", out, re.M))
    ciphers = set(re.findall(r"^(?:Preferred|Accepted)\s+(TLSv1\.\d)\s+\d+ bits\s+(\S+)",
                             out, re.M))
    reneg = re.search(r"^\s*TLS renegotiation:\n(.*)$", out, re.M)
    return protocols, ciphers, reneg.group(1).strip() if reneg else "", out


def test_sslscan_protocols_ciphers_renegotiation():
    """sslscan (an ECDSA and an RSA certificate): TLS 1.2 and 1.3 only, no
    suite outside Mozilla's intermediate list, no renegotiation, and the
    secure renegotiation indication (RFC 5746) sent."""
    for rsa in (False, True):
        with TlsServer(start=False) as s:
            if rsa:
                s.cert, s.key = make_pair(s.dir, "rsa", rsa=True)
                s.tls.update({"certificate": s.cert, "key": s.key})
            s.start()
            protocols, ciphers, reneg, out = sslscan(s.tls_port)
            assert protocols == {"TLSv1.2", "TLSv1.3"}, (protocols, out)
            outside = {c for c in ciphers if c[1] not in INTERMEDIATE[c[0]]}
            assert not outside and ciphers, (outside, out)
            assert reneg == "Session renegotiation not supported", (reneg, out)
            print("sslscan (%s): %s; %s" % ("RSA" if rsa else "ECDSA",
                                            sorted(protocols), sorted(ciphers)))
            p = subprocess.run(["openssl", "s_client", "-connect",
                                "127.0.0.1:%d" % s.tls_port, "-tls1_2"],
                               input=b"", capture_output=True, timeout=30)
            assert b"Secure Renegotiation IS supported" in p.stdout, p.stdout[-800:]


def test_session_resumption():
    with TlsServer() as s:
        s.write("x", b"x")
        for v in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            ctx = s.context(maximum_version=v)
            with s.connect(ctx) as c:
                https_get(c, "/x")  # a 1.3 ticket arrives after the handshake
                sess = c.session
            with s.connect(ctx, session=sess) as c:
                assert c.session_reused, v
                assert https_get(c, "/x").status == 200
                renewed = c.session
            if v == ssl.TLSVersion.TLSv1_3:  # a fresh ticket after resuming,
                assert renewed.id != sess.id  # so a client need not reuse one
                with s.connect(ctx, session=renewed) as c:
                    assert c.session_reused
                    assert https_get(c, "/x").status == 200


def test_redirect_http_and_hsts():
    with TlsServer(tls={"redirect_http": "on", "hsts": "max-age=31536000"}) as s:
        s.write("a/b.html", b"page")
        s.write(".well-known/acme-challenge/tok", b"token")
        r = get(s.port, "/a/b.html?x=1")
        assert r.status == 301, r
        assert r.h("Location") == "https://localhost:%d/a/b.html?x=1" % s.tls_port, \
            r.headers  # the request's Host, its port left out
        assert r.h("Strict-Transport-Security") is None, r.headers
        r = get(s.port, "/a/b.html", ["Host: docs.example:80"])
        assert r.h("Location") == "https://docs.example:%d/a/b.html" % s.tls_port
        r = get(s.port, "/.well-known/acme-challenge/tok")
        assert r.status == 200 and r.body == b"token", r
        with s.connect() as c:
            r = https_get(c, "/a/b.html")
            assert r.status == 200 and r.body == b"page", r
            assert r.h("Strict-Transport-Security") == "max-age=31536000", r.headers
            r = https_get(c, "/missing")
            assert r.h("Strict-Transport-Security") == "max-age=31536000", r.headers


def subject_cn(sock):
    cert = sock.getpeercert()
    return dict(x[0] for x in cert["subject"])["commonName"]


def test_sighup_swaps_certificate():
    """New handshakes get the new pair; an open connection keeps working;
    a mismatched pair is logged and the one in use kept."""
    with TlsServer() as s:
        s.write("x", b"x")
        old = s.connect()
        assert subject_cn(old) == "localhost"
        assert https_get(old, "/x").status == 200
        cert2, key2 = make_pair(s.dir, "second", cn="second.test")
        s.tls.update({"certificate": cert2, "key": key2})
        s.write_config()
        s.send_signal(signal.SIGHUP)
        wait_until(lambda: "configuration reloaded" in s.errlog(), 5)
        with s.connect(host="second.test") as c:
            assert subject_cn(c) == "second.test"
        assert https_get(old, "/x").status == 200  # the old one keeps its own
        old.close()
        cert3, _ = make_pair(s.dir, "third", cn="third.test")
        s.tls.update({"certificate": cert3, "key": key2})  # mismatched
        s.write_config()
        s.send_signal(signal.SIGHUP)
        wait_until(lambda: "certificate not reloaded" in s.errlog(), 5)
        assert "do not match" in s.errlog(), s.errlog()
        with s.connect(host="second.test") as c:
            assert subject_cn(c) == "second.test"
            assert https_get(c, "/x").status == 200


def test_plaintext_and_stalled_handshake():
    with TlsServer(server={"request_timeout": 1}) as s:
        s.write("x", b"x")
        out = raw(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n", s.tls_port, timeout=5,
                  must_close=True)
        assert not out.startswith(b"HTTP/"), out[:100]
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", s.tls_port), timeout=10) as c:
            c.sendall(b"\x16\x03\x01")  # a handshake record begun, never ended
            try:
                data = c.recv(100)
            except ConnectionResetError:
                data = b""
            assert data == b"", data  # closed by request_timeout (1 s)
        assert time.monotonic() - t0 < 9
        with s.connect() as c:
            assert https_get(c, "/x").status == 200
        assert s.alive()


def test_expiry_warning():
    """A certificate that expires within 14 days: a warning at start."""
    with TlsServer(start=False) as s:
        s.cert, s.key = make_pair(s.dir, "soon", days=5)
        s.tls.update({"certificate": s.cert, "key": s.key})
        s.start()
        log = s.errlog()
        assert "[warn]" in log and "expires on" in log, log
        assert re.search(r"in [45] days", log), log


def test_json_access_log():
    """[log] access_format = json: one object per line with every field, the
    right types, tls true over HTTPS only, and a hostile target kept inside
    its field."""
    import json
    with TlsServer(log={"access_format": "json"}) as s:
        s.write("x", b"12345")
        get(s.port, "/x", ["Referer: http://a/", "User-Agent: ua/1"])
        with s.connect() as c:
            https_get(c, "/x")
        raw(b'GET /x?"},"status":500,"a":"\x01\xff HTTP/1.1\r\nHost: h\r\n'
            b'Connection: close\r\n\r\n', s.port)
        lines = wait_for_lines(s.access_log, 3)
        assert len(lines) == 3, lines
        recs = [json.loads(l) for l in lines]
        keys = {"time", "remote", "user", "method", "target", "protocol", "status",
                "bytes", "referer", "user_agent", "host", "duration_ms", "tls"}
        for r in recs:
            assert set(r) == keys, r
            assert isinstance(r["status"], int) and isinstance(r["bytes"], int)
            assert isinstance(r["duration_ms"], (int, float)) and r["duration_ms"] >= 0
            assert r["user"] is None
            assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$", r["time"]), r
        plain, tls, hostile = recs
        assert plain["tls"] is False and tls["tls"] is True, recs
        assert plain["referer"] == "http://a/" and plain["user_agent"] == "ua/1"
        assert plain["method"] == "GET" and plain["target"] == "/x"
        assert plain["protocol"] == "HTTP/1.1" and plain["status"] == 200
        assert plain["bytes"] == 5 and tls["bytes"] == 5
        assert tls["host"] == "localhost" and tls["referer"] is None
        assert hostile["status"] == 200, hostile  # the query is not the server's
        assert hostile["target"] == '/x?"},"status":500,"a":"\x01\xff', hostile
        assert hostile["host"] == "h", hostile


def test_check_reports_certificate():
    d = tempfile.mkdtemp(prefix="minihttpd-test-")
    cert, key = make_pair(d, "ok", cn="docs.test")
    _, other = make_pair(d, "other")
    root = os.path.join(d, "www")
    os.mkdir(root)

    def check(c, k, extra=""):
        conf = os.path.join(d, "t.conf")
        write_file(conf, ("[server]\ndocroot = %s\n[log]\naccess_log = off\n"
                          "[tls]\ncertificate = %s\nkey = %s\n%s") % (root, c, k, extra))
        return subprocess.run([binary(), "-t", "-c", conf], capture_output=True,
                              timeout=30)
    p = check(cert, key)
    assert p.returncode == 0, p
    assert b"CN=docs.test" in p.stdout and b"expires" in p.stdout, p.stdout
    p = check(cert, other)
    assert p.returncode == 1 and b"t.conf:6: " in p.stderr, p
    assert b"do not match" in p.stderr, p.stderr
    p = check(os.path.join(d, "absent.pem"), key)
    assert p.returncode == 1 and b"absent.pem" in p.stderr, p
    p = check(cert, key, "port = 8080\n")
    assert p.returncode == 1 and b"port" in p.stderr, p


def rss_kib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_slow_reader_holds_bounded_memory():
    """Eight clients that read a 64 MiB file over TLS slowly: the server
    holds a bounded amount per connection (the file is read in 64 KiB at a
    time as they take it), not the file."""
    # ASan keeps freed memory in quarantine: measure what is held, not that
    saved = os.environ.get("ASAN_OPTIONS")
    os.environ["ASAN_OPTIONS"] = (saved or "") + \
        ":quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
    try:
        slow_readers()
    finally:
        if saved is None:
            os.environ.pop("ASAN_OPTIONS", None)
        else:
            os.environ["ASAN_OPTIONS"] = saved


def slow_readers():
    with TlsServer() as s:
        path = s.write("big.bin", b"")
        with open(path, "wb") as f:
            block = os.urandom(1 << 20)
            for _ in range(64):
                f.write(block)
        with s.connect() as warm:
            https_get(warm, "/nope")
        base = rss_kib(s.proc.pid)
        socks = []
        for _ in range(8):
            c = s.connect()
            c.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            c.recv(1 << 16)
            socks.append(c)
        time.sleep(1.0)  # the server fills what the sockets take, then waits
        for c in socks:
            c.recv(1 << 16)
        time.sleep(0.5)
        grown = rss_kib(s.proc.pid) - base
        for c in socks:
            c.close()
        # each connection: the feed's 64-128 KiB, OpenSSL's buffers, the
        # socket's share; 8 of them far below one 64 MiB file
        assert grown < 16 * 1024, "RSS grew by %d KiB for 8 slow readers" % grown
        print("RSS growth for 8 slow readers of a 64 MiB file: %d KiB" % grown)
        assert s.alive()


if __name__ == "__main__":
    run(globals())
