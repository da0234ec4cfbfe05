# test_paths.py -- path confinement: no request ever reads outside the
# docroot, whatever the mix of "..", percent-encoding, backslashes, NUL bytes
# and symlinks. Requests go over raw sockets because curl normalises paths.
#
# Layout built at test time (TMP is the server's temp dir):
#   TMP/secret                       holds MARKER
#   TMP/outside/NAME_MARKER.txt      holds MARKER (its name is a marker too)
#   TMP/www/                         the docroot, with autoindex = on
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_paths.py

import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

MARKER = ("SECRET-" + uuid.uuid4().hex).encode()
NAME_MARKER = "OUTSIDE-" + uuid.uuid4().hex

# Targets whose ".." climbs above "/" after one percent-decoding: 400 exactly.
CLIMB = [b"/../secret", b"/a/../../secret", b"/%2e%2e/secret",
         b"/%2E%2E/secret", b"/a/b/../../../secret", b"/./../secret",
         b"/..", b"/../", b"/.%2e/secret", b"/a/%2e%2e/%2e%2e/secret"]

# Anything else that must not leak: 400, 403 or 404.
REFUSED = [b"/..%2fsecret", b"/%2e%2e%2fsecret", b"/..\\secret",
           b"/..%5csecret", b"/%5c..%5csecret", b"/%00",
           b"/index.html%00.txt", b"/index.html\x00.txt",
           b"/a/..%2f..%2fsecret", b"/%252e%252e/secret",
           b"/%c0%ae%c0%ae/secret", b"//../secret",
           b"http://localhost/../secret",
           b"/abs_link", b"/rel_link", b"/a/deep_link",
           b"/outdir", b"/outdir/", b"/outdir/" + NAME_MARKER.encode() +
           b".txt", b"/outdir_abs/", b"/outdir_abs/" + NAME_MARKER.encode() +
           b".txt"]

# Fine paths: target -> body.
SERVED = [(b"/a/./b/../c.txt", b"C FILE\n"), (b"/a/b/../c.txt", b"C FILE\n"),
          (b"/%61/c.txt", b"C FILE\n"), (b"/inlink", b"C FILE\n"),
          (b"/a/up_link", b"INDEX\n"), (b"/a/c.txt", b"C FILE\n")]


def make_tree(s):
    secret = os.path.join(s.dir, "secret")
    write_file(secret, MARKER + b"\n")
    outside = os.path.join(s.dir, "outside")
    write_file(os.path.join(outside, NAME_MARKER + ".txt"), MARKER + b"\n")
    s.write("index.html", b"INDEX\n")
    s.write("a/c.txt", b"C FILE\n")
    os.makedirs(os.path.join(s.root, "a/b"))
    os.symlink(secret, os.path.join(s.root, "abs_link"))
    os.symlink("../secret", os.path.join(s.root, "rel_link"))
    os.symlink("../../secret", os.path.join(s.root, "a/deep_link"))
    os.symlink("../outside", os.path.join(s.root, "outdir"))
    os.symlink(outside, os.path.join(s.root, "outdir_abs"))
    os.symlink("a/c.txt", os.path.join(s.root, "inlink"))
    os.symlink("../index.html", os.path.join(s.root, "a/up_link"))


def fetch(port, target):
    """One GET on a fresh connection; returns (first response, raw bytes)."""
    data = raw(b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\n"
               b"Connection: close\r\n\r\n", port, timeout=3)
    assert data, "no response at all to %r" % target
    return parse_responses(data)[0], data


def no_leak(target, data):
    assert MARKER not in data, "secret content leaked for %r" % target
    assert NAME_MARKER.encode() not in data or target.endswith(b".txt"), \
        "outside file name listed for %r" % target


def check_refused(port, targets, allowed):
    """Fetch every target; report all leaks and wrong statuses at once."""
    bad = []
    for target in targets:
        try:
            r, data = fetch(port, target)
            no_leak(target, data)
            if r.status not in allowed:
                bad.append("%r: status %d" % (target, r.status))
        except AssertionError as e:
            bad.append("%r: %s" % (target, e))
    assert not bad, "want %s:\n" % (allowed,) + "\n".join(bad)


def test_climbing_dotdot_is_400():
    with Server(server={"autoindex": "on"}) as s:
        make_tree(s)
        check_refused(s.port, CLIMB, (400,))


def test_escapes_refused():
    with Server(server={"autoindex": "on"}) as s:
        make_tree(s)
        check_refused(s.port, REFUSED, (400, 403, 404))


def test_normalised_and_inside_symlinks_served():
    with Server(server={"autoindex": "on"}) as s:
        make_tree(s)
        for target, body in SERVED:
            r, data = fetch(s.port, target)
            no_leak(target, data)
            assert r.status == 200 and r.body == body, (target, r)


def test_listing_hides_nothing_outside():
    # The docroot listing may name the links, never what lies behind them.
    with Server(server={"autoindex": "on", "index": "none.html"}) as s:
        make_tree(s)
        r, data = fetch(s.port, b"/")
        assert r.status == 200, r
        no_leak(b"/", data)
        assert b"c.txt" not in r.body    # not recursive
        assert b"a/" in r.body or b">a<" in r.body, r.body


if __name__ == "__main__":
    run(globals())
