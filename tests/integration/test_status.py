# test_status.py -- the status page ([status] path): off by default, JSON or
# Prometheus text for addresses in [status] allow, 404 for anyone else, the
# figures summed over every worker, bad values refused at -t, and a reload
# that moves or turns off the page.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_status.py

import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

PATH = "/.well-known/minihttpd/status"


def status_server(allow=None, listen=None, workers=1, path=PATH):
    extra = "\n[status]\npath = %s\n" % path
    if allow is not None:
        extra += "allow = %s\n" % allow
    server = {"workers": workers}
    if listen:
        server["listen"] = listen
    return Server(server=server, extra=extra)


def page(s, query="", host=None):
    return get(s.port, PATH + query, host=host or s.host)


def test_off_by_default():
    with Server() as s:
        s.write("index.html", b"x")
        assert page(s).status == 404


def test_json_counts_every_worker():
    """Statuses, bytes and connections of requests spread over 3 workers,
    each on a new connection, are all in the sum."""
    with status_server(workers=3) as s:
        s.write("index.html", b"0123456789")
        first = json.loads(page(s).body)
        for _ in range(30):
            assert get(s.port, "/").status == 200
        for _ in range(7):
            assert get(s.port, "/missing").status == 404
        # A response is counted when its worker has written it out, which a
        # client on another worker may see a moment later: look again, a
        # bounded number of times, until the figures add up.
        assert first["requests"]["total"] == 0, first
        pages = 1
        for _ in range(50):
            r = page(s)
            assert r.status == 200, r
            d = json.loads(r.body)
            # 30 pages, 7 misses, and the status pages fetched before this one
            if d["requests"]["by_status"] == {"200": 30 + pages, "404": 7}:
                break
            pages += 1
            time.sleep(0.1)
        assert r.h("Content-Type") == "application/json"
        assert r.h("Cache-Control") == "no-store"
        assert d["version"] and d["workers"] == 3, d
        assert isinstance(d["uptime_seconds"], int)
        assert d["requests"]["by_status"] == {"200": 30 + pages, "404": 7}, d
        assert d["requests"]["total"] == 37 + pages, d
        assert d["bytes_sent"] >= 300 + len(json.dumps(first)) - 10, d
        assert d["connections"]["total"] >= 39, d
        assert d["connections"]["active"] >= 1, d
        assert d["access_log"]["dropped_lines"] == 0
        assert set(d["cache"]) == {"open_file_hits", "open_file_misses"}


def test_cache_figures_move():
    with status_server() as s:
        s.write("index.html", b"cached")
        for _ in range(10):
            get(s.port, "/")
        # published by the worker once a second
        assert wait_until(lambda: json.loads(page(s).body)["cache"]
                          ["open_file_hits"] >= 9, 5), page(s).body


def test_compression_figures():
    """The compression cache's figures: a compressible file asked for with
    Accept-Encoding gets a copy made, and the page counts it, in both
    forms."""
    with status_server() as s:
        s.write("big.html", b"<p>compress me</p>\n" * 2000)
        for _ in range(30):  # the copy is made off the loop, then served
            r = get(s.port, "/big.html", ["Accept-Encoding: gzip"])
            if r.h("Content-Encoding") == "gzip":
                break
            time.sleep(0.1)
        assert r.h("Content-Encoding") == "gzip", r
        z = json.loads(page(s).body)["compression"]
        assert z["copies_made"] >= 1 and z["cache_bytes"] > 0, z
        assert z["cache_bytes"] < 40000, z
        text = page(s, "?format=prometheus").body.decode()
        assert re.search(r"(?m)^minihttpd_compression_copies_made_total [1-9]\d*$",
                         text), text


def test_prometheus():
    with status_server() as s:
        s.write("index.html", b"abc")
        for _ in range(3):
            get(s.port, "/")
        get(s.port, "/nope")
        r = page(s, "?format=prometheus")
        assert r.status == 200, r
        assert r.h("Content-Type").startswith("text/plain; version=0.0.4"), r
        text = r.body.decode()
        assert 'minihttpd_requests_total{code="200"} 3\n' in text, text
        assert 'minihttpd_requests_total{code="404"} 1\n' in text, text
        assert re.search(r"(?m)^minihttpd_connections_active [1-9]\d*$", text), text
        assert re.search(r"(?m)^minihttpd_bytes_sent_total \d+$", text), text
        for name, kind in (("requests_total", "counter"),
                           ("connections_active", "gauge"),
                           ("bytes_sent_total", "counter")):
            assert "# HELP minihttpd_%s " % name in text
            assert "# TYPE minihttpd_%s %s\n" % (name, kind) in text
        assert page(s, "?format=json").status == 200
        assert page(s, "?format=xml").status == 400
        assert get(s.port, PATH, method="HEAD").status == 200


def test_prometheus_parsed():
    """Python's prometheus_client parser (Debian's python3-prometheus-client,
    run with the system's python3) reads every family, and the counters
    match the requests made."""
    py = "/usr/bin/python3"
    check = subprocess.run([py, "-c", "import prometheus_client.parser"],
                           capture_output=True)
    if check.returncode != 0:
        raise Skip("python3-prometheus-client is missing (make test-deps installs it)")
    with status_server() as s:
        s.write("index.html", b"abc")
        for _ in range(5):
            get(s.port, "/")
        get(s.port, "/nope")
        text = page(s, "?format=prometheus").body.decode()
    prog = ("import sys, json\n"
            "from prometheus_client.parser import text_string_to_metric_families\n"
            "out = {}\n"
            "for f in text_string_to_metric_families(sys.stdin.read()):\n"
            "    for smp in f.samples:\n"
            "        out[smp.name + json.dumps(smp.labels, sort_keys=True)] = smp.value\n"
            "    out['type:' + f.name] = f.type\n"
            "print(json.dumps(out))\n")
    p = subprocess.run([py, "-c", prog], input=text, capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 0, (p.stderr, text)
    got = json.loads(p.stdout)
    print("parsed %d samples and types" % len(got))
    assert got['minihttpd_requests_total{"code": "200"}'] == 5, got
    assert got['minihttpd_requests_total{"code": "404"}'] == 1, got
    assert got["type:minihttpd_requests"] == "counter", got
    assert got["type:minihttpd_connections_active"] == "gauge", got
    assert got["minihttpd_bytes_sent_total{}"] >= 15, got


def test_others_get_404():
    with status_server(allow="10.0.0.0/8 ::1") as s:
        s.write("index.html", b"x")
        assert page(s).status == 404
    with status_server(allow="127.0.0.0/8") as s:
        assert page(s).status == 200


def test_ipv4_mapped_on_dual_stack():
    """listen = :: takes IPv4 clients as ::ffff:a.b.c.d: matched as IPv4."""
    if not have_ipv6():
        raise Skip("no IPv6 loopback")
    with status_server(allow="127.0.0.1", listen="::") as s:
        assert page(s, host="127.0.0.1").status == 200
        assert page(s, host="::1").status == 404
    with status_server(allow="::1", listen="::") as s:
        assert page(s, host="127.0.0.1").status == 404
        assert page(s, host="::1").status == 200


def test_bad_values_refused_with_line():
    for value, why in (("path = status", "URL path"),
                       ("path = /a/../b", "URL path"),
                       ("path = /a%20b", "URL path"),
                       ("allow = 10.0.0.0/33", "prefix"),
                       ("allow = 10.1.2.3/8", "past its prefix"),
                       ("allow = localhost", "not an IPv4 or IPv6"),
                       ("allow =", "at least one")):
        with Server(start=False, extra="\n[status]\n%s\n" % value) as s:
            s.write_config()
            p = subprocess.run([binary(), "-t", "-c", s.conf], capture_output=True,
                               timeout=10)
            err = p.stderr.decode()
            assert p.returncode == 1, (value, err)
            line = s.config_text().splitlines().index(value) + 1
            assert ("%s:%d:" % (s.conf, line)) in err and why in err, (value, err)


def test_reload_moves_and_turns_off():
    with status_server() as s:
        assert page(s).status == 200
        s.extra = "\n[status]\npath = /_status\n"
        s.write_config()
        s.send_signal(signal.SIGHUP)
        assert wait_until(lambda: get(s.port, "/_status").status == 200, 5)
        assert page(s).status == 404
        s.extra = ""
        s.write_config()
        s.send_signal(signal.SIGHUP)
        assert wait_until(lambda: get(s.port, "/_status").status == 404, 5)


if __name__ == "__main__":
    run(globals())
