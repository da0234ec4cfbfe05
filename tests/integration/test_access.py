# test_access.py -- [access]: allow lists (403), Basic authentication from
# htpasswd files (401 with WWW-Authenticate), per path prefix, behind a
# trusted proxy.  Every spelling of a protected path is tried: percent-
# encoded, ".."-folded, a clean URL, a _redirects rewrite from an open path,
# a slash redirect, an [errors] page and a nearest page inside the prefix,
# and a listing of the parent.  Passwords are checked off the event loop (an
# open file is answered while a slow hash runs), a verified one is
# remembered, a storm of wrong ones leaves a valid client's requests fast
# (figures printed; the only bound is generous), an htpasswd file changed
# on disk is taken within a second or two, and a weak hash is an error
# naming FILE:LINE.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_access.py

import base64
import os
import re
import socket
import sys
import threading
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # libxcrypt's crypt(3), as the server uses it


def bcrypt(password, cost=5):
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << cost))


def basic(user, password):
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    return "Authorization: Basic " + token


def site(s):
    s.write("index.html", b"home\n")
    s.write("team-a/index.html", b"team a home\n")
    s.write("team-a/guide.html", b"team a guide\n")
    s.write("team-a/404.html", b"team a's own 404 page\n")
    s.write("team-a/open/x.html", b"open inside team a\n")
    s.write("open/page.html", b"open page\n")
    s.write("_redirects", b"/open/secret /team-a/guide.html 200\n"
                          b"/open/dir/* /team-a/:splat 200\n")


def server(extra, pwfile_text=None, **kw):
    s = Server(start=False, **kw)
    if pwfile_text is not None:
        write_file(os.path.join(s.dir, "pw"), pwfile_text)
    s.extra = extra.replace("@D", s.dir)
    site(s)
    return s.start()


TEAM_A = """
[access /team-a/]
auth_file = @D/pw
realm = Team A
[access /team-a/open/]
auth_file = off
"""


def test_401_and_realm():
    """A request without credentials under an auth_file gets 401 with
    WWW-Authenticate exactly as the interface says; a wrong password and an
    unknown user too; the right one 200, and its user in the log."""
    pw = "alice:%s\n" % bcrypt("wonderland")
    with server(TEAM_A, pw) as s:
        r = get(s.port, "/team-a/guide.html")
        assert r.status == 401, r
        assert r.h("WWW-Authenticate") == 'Basic realm="Team A", charset="UTF-8"', r
        assert b"401" in r.body
        for cred in (basic("alice", "wrong"), basic("bob", "wonderland"),
                     "Authorization: Basic !!!", "Authorization: Bearer x"):
            r = get(s.port, "/team-a/guide.html", [cred])
            assert r.status == 401, (cred, r)
            assert r.h("WWW-Authenticate"), r
        r = get(s.port, "/team-a/guide.html", [basic("alice", "wonderland")])
        assert r.status == 200 and r.body == b"team a guide\n", r
        r = get(s.port, "/team-a/open/x.html")  # auth_file = off under it
        assert r.status == 200, r
        assert get(s.port, "/index.html").status == 200
        lines = wait_for_lines(s.access_log, 9)
        ok = [ln for ln in lines if '"GET /team-a/guide.html' in ln and '" 200 ' in ln]
        assert ok and ok[0].startswith("127.0.0.1 - alice ["), lines
        assert all(" - - [" in ln for ln in lines if '" 401 ' in ln), lines


def test_json_log_user():
    """access_format = json: "user" is the verified user, null without one;
    "remote" the X-Forwarded-For client behind a trusted proxy."""
    import json
    pw = "alice:%s\n" % bcrypt("wonderland")
    extra = TEAM_A + "\n[access]\ntrusted_proxies = 127.0.0.1\n"
    with server(extra, pw, log={"access_format": "json"}) as s:
        assert get(s.port, "/team-a/", [basic("alice", "wonderland"),
                                         "X-Forwarded-For: 192.0.2.7"]).status == 200
        assert get(s.port, "/index.html").status == 200
        lines = [json.loads(l) for l in wait_for_lines(s.access_log, 2)]
        assert lines[0]["user"] == "alice" and lines[0]["remote"] == "192.0.2.7", lines
        assert lines[1]["user"] is None and lines[1]["remote"] == "127.0.0.1", lines


def test_spellings_cannot_bypass():
    """Every other spelling of a path under /team-a/ needs the credentials:
    percent-encoded, '..'-folded, a clean URL, a _redirects rewrite from an
    open path, a slash redirect to the directory."""
    pw = "alice:%s\n" % bcrypt("wonderland")
    with server(TEAM_A, pw) as s:
        for path in ("/%74eam-a/guide.html", "/x/../team-a/guide.html",
                     "/team-a/./guide.html", "//team-a//guide.html",
                     "/team-a/guide", "/open/secret", "/open/dir/guide.html",
                     "/team-a", "/team-a/", "/team-%61/"):
            r = raw(build("GET", path, ["Host: x", "Connection: close"]), s.port)
            r = parse_responses(r)[0]
            assert r.status == 401, (path, r)
            assert b"team a" not in r.body, (path, r.body)
            r = parse_responses(raw(build("GET", path, [
                "Host: x", "Connection: close", basic("alice", "wonderland")]), s.port))[0]
            assert r.status in (200, 301), (path, r)


def test_error_pages_inside_prefix():
    """An [errors] page under a protected prefix is not shown to a client
    who may not read it: the built-in page is; a nearest 404.html inside the
    prefix is shown only to those allowed in."""
    pw = "alice:%s\n" % bcrypt("wonderland")
    extra = TEAM_A + "\n[errors]\n403 = /team-a/404.html\n404 = 404.html\n"
    with server(extra, pw) as s:
        r = get(s.port, "/team-a/missing.html")
        assert r.status == 401 and b"team a" not in r.body, r
        r = get(s.port, "/team-a/missing.html", [basic("alice", "wonderland")])
        assert r.status == 404 and r.body == b"team a's own 404 page\n", r
        r = get(s.port, "/missing.html")  # the nearest: /404.html, none: built-in
        assert r.status == 404 and b"team a" not in r.body, r
        s.write("open/.hidden", b"x")
        r = get(s.port, "/open/.hidden")
        assert r.status == 404 and b"team a" not in r.body, r


def test_listing_hides_closed_entries():
    """A listing of the parent leaves out a protected directory the client
    has no verified credentials for, and an address-restricted one; it
    shows them once the client may open them."""
    pw = "alice:%s\n" % bcrypt("wonderland")
    extra = TEAM_A + "\n[access /ops/]\nallow = 10.0.0.0/8\n[access /lan/]\nallow = 127.0.0.0/8\n"
    with server(extra, pw, server={"autoindex": "on"}) as s:
        os.unlink(os.path.join(s.root, "index.html"))
        s.write("ops/x.html", b"ops\n")
        s.write("lan/x.html", b"lan\n")
        r = get(s.port, "/", ["Accept: application/json"])
        names = {e["name"] for e in __import__("json").loads(r.body)}
        assert names == {"open", "lan"}, names
        # the credentials verified once (by a request inside), then shown
        assert get(s.port, "/team-a/", [basic("alice", "wonderland")]).status == 200
        r = get(s.port, "/", ["Accept: application/json", basic("alice", "wonderland")])
        names = {e["name"] for e in __import__("json").loads(r.body)}
        assert names == {"open", "lan", "team-a"}, names
        assert get(s.port, "/ops/x.html").status == 403


def test_allow_403_and_mapped_v4():
    """An address outside allow gets 403 (before any password); IPv4
    clients of an IPv6 listener are matched by their IPv4 blocks."""
    if not have_ipv6():
        raise Skip("no IPv6 loopback")
    extra = ("[access]\nallow = 127.0.0.0/8\n"
             "[access /v6/]\nallow = ::1\n")
    with server(extra, server={"listen": "::"}) as s:
        s.write("v6/x.html", b"v6\n")
        assert get(s.port, "/index.html", host="127.0.0.1").status == 200
        r = get(s.port, "/index.html", host="::1")
        assert r.status == 403, r
        assert b"403" in r.body
        assert get(s.port, "/v6/x.html", host="::1").status == 200
        assert get(s.port, "/v6/x.html", host="127.0.0.1").status == 403


def test_trusted_proxies():
    """From a trusted proxy, the client is the rightmost X-Forwarded-For
    address that is not a trusted proxy: allow checks it and the log shows
    it.  From any other peer, X-Forwarded-For changes nothing."""
    extra = ("[access]\nallow = 10.0.0.0/8\ntrusted_proxies = 127.0.0.1 192.168.0.0/16\n")
    with server(extra) as s:
        xff = lambda v: ["X-Forwarded-For: " + v]  # noqa: E731
        assert get(s.port, "/index.html").status == 403  # the proxy itself
        assert get(s.port, "/index.html", xff("10.9.8.7")).status == 200
        assert get(s.port, "/index.html", xff("10.9.8.7, 192.168.1.1")).status == 200
        assert get(s.port, "/index.html", xff("10.1.1.1, 8.8.8.8")).status == 403
        assert get(s.port, "/index.html", xff("10.1.1.1, unknown")).status == 400
        lines = wait_for_lines(s.access_log, 5)
        assert lines[1].startswith("10.9.8.7 - - ["), lines
        assert lines[3].startswith("8.8.8.8 - - ["), lines
    with server("[access]\nallow = 10.0.0.0/8\ntrusted_proxies = 192.0.2.1\n") as s:
        r = get(s.port, "/index.html", ["X-Forwarded-For: 10.9.8.7"])
        assert r.status == 403, r  # 127.0.0.1 is no trusted proxy: ignored


def test_off_loop_and_remembered():
    """A slow hash (bcrypt cost 13) does not stall the worker: with one
    worker, an open file requested after it is answered first.  The
    credential is then remembered: the next request is fast."""
    pw = "alice:%s\n" % bcrypt("wonderland", cost=13)
    with server(TEAM_A, pw) as s:
        done = {}

        def slow():
            t = time.monotonic()
            r = get(s.port, "/team-a/guide.html", [basic("alice", "wonderland")])
            done["auth"] = (time.monotonic(), r.status, time.monotonic() - t)

        th = threading.Thread(target=slow)
        th.start()
        time.sleep(0.05)
        t = time.monotonic()
        r = get(s.port, "/open/page.html")
        done["open"] = (time.monotonic(), r.status, time.monotonic() - t)
        th.join(30)
        assert done["auth"][1] == 200 and done["open"][1] == 200, done
        print("bcrypt cost 13: %.0f ms; an open page meanwhile: %.1f ms" % (
            done["auth"][2] * 1000, done["open"][2] * 1000))
        assert done["open"][0] < done["auth"][0], done
        t = time.monotonic()
        r = get(s.port, "/team-a/guide.html", [basic("alice", "wonderland")])
        again = time.monotonic() - t
        print("the same credential again: %.1f ms" % (again * 1000))
        assert r.status == 200 and again < done["auth"][2], (again, done)


def test_unknown_user_costs_a_hash():
    """An unknown user is hashed like a wrong password (against another
    user's hash), so the answer's time does not tell which users exist:
    medians of 5 each printed; the bound only checks that both wait for a
    hash (bcrypt cost 12), not their ratio."""
    pw = "alice:%s\n" % bcrypt("wonderland", cost=12)
    with server(TEAM_A, pw) as s:
        times = {"wrong": [], "unknown": []}
        for i in range(5):
            for kind, user in (("wrong", "alice"), ("unknown", "mallory")):
                t = time.monotonic()
                r = get(s.port, "/team-a/", [basic(user, "guess-%d" % i)])
                times[kind].append(time.monotonic() - t)
                assert r.status == 401, r
        t = time.monotonic()
        get(s.port, "/index.html")
        open_t = time.monotonic() - t
        med = {k: sorted(v)[2] for k, v in times.items()}
        print("medians: wrong password %.0f ms, unknown user %.0f ms; an open page %.1f ms"
              % (med["wrong"] * 1000, med["unknown"] * 1000, open_t * 1000))
        assert med["unknown"] > 5 * open_t and med["wrong"] > 5 * open_t, (med, open_t)


def test_storm_of_wrong_passwords():
    """20 threads sending wrong passwords (bcrypt cost 10) for 3 s: a
    client with a remembered credential keeps getting fast answers (p95
    printed; bound: well under the time of one hash), the storm gets 401s
    and, past the queue, 503 with Retry-After."""
    pw = "alice:%s\n" % bcrypt("wonderland", cost=10)
    with server(TEAM_A, pw) as s:
        assert get(s.port, "/team-a/guide.html", [basic("alice", "wonderland")]).status == 200
        t = time.monotonic()
        get(s.port, "/team-a/guide.html", [basic("alice", "nope-0")])
        one_hash = time.monotonic() - t
        stop = time.monotonic() + 3
        codes = {}
        lock = threading.Lock()

        def attacker(n):
            i = 0
            while time.monotonic() < stop:
                i += 1
                try:
                    r = get(s.port, "/team-a/guide.html", [basic("alice", "x%d-%d" % (n, i))])
                except OSError:
                    continue
                with lock:
                    codes[r.status] = codes.get(r.status, 0) + 1
                    if r.status == 503:
                        assert r.h("Retry-After") == "1", r

        threads = [threading.Thread(target=attacker, args=(n,)) for n in range(20)]
        for th in threads:
            th.start()
        lat = []
        with Conn(s.port) as c:
            while time.monotonic() < stop:
                t = time.monotonic()
                r = c.request("GET", "/team-a/guide.html",
                              ["Host: x", basic("alice", "wonderland")])
                lat.append(time.monotonic() - t)
                assert r.status == 200, r
                time.sleep(0.01)
        for th in threads:
            th.join(10)
        lat.sort()
        p50, p95 = lat[len(lat) // 2], lat[int(len(lat) * 0.95)]
        print("one hash %.0f ms; storm %s; valid client: %d requests, p50 %.1f ms, "
              "p95 %.1f ms" % (one_hash * 1000, codes, len(lat), p50 * 1000, p95 * 1000))
        assert codes.get(401, 0) > 0, codes
        assert set(codes) <= {401, 503}, codes
        assert p95 < max(one_hash, 0.05) * 10, (p95, one_hash)  # generous: never a hash
        assert s.alive()


def test_queue_full_503():
    """More checks waiting than the queue holds (MH_AUTH_QUEUE_MAX, slow
    hashes, all at once): the ones past it get 503 with Retry-After at
    once, the rest 401, and the server goes on."""
    qmax = bounds()["MH_AUTH_QUEUE_MAX"]
    pw = "alice:%s\n" % bcrypt("wonderland", cost=9)
    with server(TEAM_A, pw) as s:
        codes = {}
        lock = threading.Lock()
        go = threading.Event()

        def one(i):
            go.wait(5)
            r = get(s.port, "/team-a/", [basic("alice", "wrong-%d" % i)])
            with lock:
                codes[r.status] = codes.get(r.status, 0) + 1
                if r.status == 503:
                    assert r.h("Retry-After") == "1", r

        threads = [threading.Thread(target=one, args=(i,)) for i in range(qmax + 24)]
        for th in threads:
            th.start()
        go.set()
        for th in threads:
            th.join(60)
        print("%d at once, queue %d: %s" % (qmax + 24, qmax, codes))
        assert codes.get(503, 0) > 0 and codes.get(401, 0) >= qmax, codes
        assert sum(codes.values()) == qmax + 24, codes
        assert get(s.port, "/team-a/", [basic("alice", "wonderland")]).status == 200


def test_htpasswd_changed_on_disk():
    """A changed htpasswd file is taken within a second or two: a new
    password works and the old one no longer does; a broken change is logged
    with FILE:LINE and the last good file kept."""
    with server(TEAM_A, "alice:%s\n" % bcrypt("one")) as s:
        pwfile = os.path.join(s.dir, "pw")
        assert get(s.port, "/team-a/", [basic("alice", "one")]).status == 200
        write_file(pwfile, "alice:%s\nbob:%s\n" % (bcrypt("two"), bcrypt("bob")))
        assert wait_until(lambda: get(s.port, "/team-a/", [basic("alice", "two")]).status == 200, 5)
        assert get(s.port, "/team-a/", [basic("alice", "one")]).status == 401
        assert get(s.port, "/team-a/", [basic("bob", "bob")]).status == 200
        write_file(pwfile, "alice:%s\n\ncarol:$apr1$x$0123456789abcdefghijkl\n" % bcrypt("three"))
        assert wait_until(lambda: "pw:3: an MD5 hash" in read_file(s.error_log), 5), \
            read_file(s.error_log)
        assert get(s.port, "/team-a/", [basic("alice", "two")]).status == 200


def test_broken_or_missing_htpasswd_said_once():
    """Each worker watches the auth files (once it has used them); a broken
    change or a missing file is said once for the server, not once per
    worker, and said again when it happens again after the file was good."""
    with server(TEAM_A, "alice:%s\n" % bcrypt("one"), server={"workers": 3}) as s:
        pwfile = os.path.join(s.dir, "pw")

        def count(text):
            return read_file(s.error_log).count(text)
        # a worker watches the files once it has checked a credential: 30
        # fresh connections reach each of the 3 (SO_REUSEPORT spreads them)
        for _ in range(30):
            assert get(s.port, "/team-a/", [basic("alice", "one")]).status == 200
        write_file(pwfile, "alice:%s\nbob:$apr1$x$0123456789abcdefghijkl\n" % bcrypt("two"))
        assert wait_until(lambda: count("pw:2: an MD5 hash") >= 1, 5), read_file(s.error_log)
        time.sleep(2.5)  # every worker has ticked at least twice since
        assert count("pw:2: an MD5 hash") == 1, read_file(s.error_log)
        assert get(s.port, "/team-a/", [basic("alice", "one")]).status == 200
        os.unlink(pwfile)
        assert wait_until(lambda: count("No such file or directory; still using") >= 1, 5)
        time.sleep(2.5)
        assert count("No such file or directory; still using") == 1, read_file(s.error_log)
        write_file(pwfile, "alice:%s\n" % bcrypt("three"))
        assert wait_until(lambda: get(s.port, "/team-a/",
                                      [basic("alice", "three")]).status == 200, 5)
        time.sleep(2.5)  # every worker has taken it
        os.unlink(pwfile)
        assert wait_until(lambda: count("No such file or directory; still using") == 2, 5), \
            read_file(s.error_log)
        time.sleep(2.5)
        assert count("No such file or directory; still using") == 2, read_file(s.error_log)


def test_weak_hash_and_check():
    """A weak line is an error at -t and at start, naming the htpasswd
    file's FILE:LINE after the config's; auth_file without [tls] is a
    warning at -t and in the error log."""
    s = Server(start=False)
    site(s)
    pw = os.path.join(s.dir, "pw")
    write_file(pw, "alice:%s\nbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n" % bcrypt("x"))
    s.extra = "[access]\nauth_file = %s\n" % pw
    s.write_config()
    r = subprocess.run([binary(), "-t", "-c", s.conf], capture_output=True, text=True)
    assert r.returncode == 1, r
    assert ("auth_file: %s:2: a {SHA} hash is too weak" % pw) in r.stderr, r.stderr
    assert re.search(r"minihttpd\.conf:\d+: auth_file: ", r.stderr), r.stderr
    write_file(pw, "alice:%s\n" % bcrypt("x"))
    r = subprocess.run([binary(), "-t", "-c", s.conf], capture_output=True, text=True)
    assert r.returncode == 0, r
    assert "warning: auth_file is set and [tls] is not" in r.stderr, r.stderr
    with s:
        s.start()
        assert wait_until(lambda: "auth_file is set and [tls] is not" in
                          read_file(s.error_log), 5), read_file(s.error_log)


def test_reload_changes_rules():
    """SIGHUP applies new [access] rules to new requests."""
    with server("[access /team-a/]\nallow = 10.0.0.0/8\n") as s:
        assert get(s.port, "/team-a/").status == 403
        s.extra = "[access /team-a/]\nallow = 127.0.0.1\n"
        s.write_config()
        s.send_signal(signal.SIGHUP)
        assert wait_until(lambda: get(s.port, "/team-a/").status == 200, 5)


if __name__ == "__main__":
    run(globals())
