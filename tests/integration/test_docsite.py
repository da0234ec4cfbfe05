# test_docsite.py -- docs-site conventions (minihttpd(8) "Docs-site
# conventions"): the resolution order exact path -> clean URL -> _redirects
# -> error page, the nearest 404.html, _redirects files (every example of
# the interface, nesting, order, forcing, rewrites and their confinement,
# changes and bad lines), --check-redirects, and a real MkDocs site
# (Debian's mkdocs-doc) crawled with a _redirects and nested 404 pages.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_docsite.py

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

NEAREST = "[errors]\n404 = 404.html\n"

# The example of the interface, as a docs team would upload it.
EXAMPLE = b"""# from               to                        [status]
/old-page            /new-page                 # 301 when no status is given
/blog/*              /news/:splat              302
/api/:version/intro  /api/:version/start       301
/latest/*            /v2.3/:splat              200   # served from there, no redirect
/moved               https://wiki.example/x    308
/secret              /                         301!  # forced: even if /secret exists
"""


def test_clean_urls():
    """/guide serves guide.html as if asked for: 200, its validators,
    ranges; the exact path wins; no clean URL with a slash."""
    with Server() as s:
        s.write("guide.html", b"<p>guide</p>\n")
        s.write("both", b"exact\n")
        s.write("both.html", b"clean\n")
        os.mkdir(os.path.join(s.root, "dir"))
        s.write("dir.html", b"not me\n")
        r = get(s.port, "/guide")
        assert r.status == 200 and r.body == b"<p>guide</p>\n", r
        assert r.h("Content-Type").startswith("text/html"), r.headers
        direct = get(s.port, "/guide.html")
        assert r.h("ETag") == direct.h("ETag") and r.h("ETag"), (r, direct)
        r = get(s.port, "/guide", ["If-None-Match: " + direct.h("ETag")])
        assert r.status == 304, r
        r = get(s.port, "/guide", ["Range: bytes=3-7"])
        assert r.status == 206 and r.body == b"guide", r
        assert get(s.port, "/both").body == b"exact\n"
        r = get(s.port, "/dir")
        assert r.status == 301 and r.h("Location") == "/dir/", r
        assert get(s.port, "/guide/").status == 404
        assert get(s.port, "/guide.html.html").status == 404
        assert get(s.port, "/guide", method="HEAD").status == 200
    with Server(server={"clean_urls": "off"}) as s:
        s.write("guide.html", b"<p>guide</p>\n")
        assert get(s.port, "/guide").status == 404
        assert get(s.port, "/guide.html").status == 200


def test_nearest_404():
    """404 = 404.html: the page of the requested path's directory, else
    of the nearest parent, else the built-in page."""
    with Server(extra=NEAREST) as s:
        s.write("v2/404.html", b"v2 missing\n")
        s.write("v1/404.html", b"v1 missing\n")
        s.write("v1/x/page.html", b"x\n")
        s.write("v3/page.html", b"3\n")
        r = get(s.port, "/v2/missing")
        assert r.status == 404 and r.body == b"v2 missing\n", r
        assert r.h("Content-Type").startswith("text/html"), r.headers
        assert get(s.port, "/v2/a/b/c/missing").body == b"v2 missing\n"
        assert get(s.port, "/v1/x/missing").body == b"v1 missing\n"
        assert get(s.port, "/v1/x/").status == 403  # no index, no autoindex
        r = get(s.port, "/v3/missing")  # no page anywhere: the built-in one
        assert r.status == 404 and b"404 Not Found" in r.body, r
        s.write("404.html", b"root missing\n")
        time.sleep(1.1)  # cached answers are trusted for a second
        assert get(s.port, "/v3/missing").body == b"root missing\n"
        assert get(s.port, "/missing").body == b"root missing\n"
        r = get(s.port, "/v2/missing", method="HEAD")
        assert r.status == 404 and r.h("Content-Length") == "11", r
        # a request refused before it names a path gets the docroot's page
        r = parse_responses(raw(b"GET /a/../../x HTTP/1.1\r\nHost: x\r\n"
                                b"Connection: close\r\n\r\n", s.port))[0]
        assert r.status == 400 and b"400 Bad Request" in r.body, r
    with Server(extra="[errors]\n404 = /404.html\n", start=False) as s:
        s.write("404.html", b"fixed\n")
        s.write("v2/404.html", b"v2 missing\n")
        s.start()
        assert get(s.port, "/v2/missing").body == b"fixed\n"


def test_nearest_other_status():
    """Any status in [errors] takes the relative form: a 403 page."""
    with Server(extra="[errors]\n403 = 403.html\n") as s:
        s.write("team/403.html", b"ask the team\n")
        os.mkdir(os.path.join(s.root, "team", "sub"))
        r = get(s.port, "/team/sub/")
        assert r.status == 403 and r.body == b"ask the team\n", r


def test_redirects_interface_example():
    with Server() as s:
        s.write("_redirects", EXAMPLE)
        s.write("v2.3/guide/index.html", b"guide 2.3\n")
        s.write("v2.3/page.html", b"page 2.3\n")
        s.write("secret", b"hidden\n")
        s.write("index.html", b"home\n")
        r = get(s.port, "/old-page")
        assert r.status == 301 and r.h("Location") == "/new-page", r
        assert b"301 Moved Permanently" in r.body, r.body
        r = get(s.port, "/old-page/?q=1&x")  # slash ignored, query kept
        assert r.status == 301 and r.h("Location") == "/new-page?q=1&x", r
        r = get(s.port, "/blog/2026/a%20b.html")
        assert r.status == 302, r
        assert r.h("Location") == "/news/2026/a%20b.html", r.headers
        r = get(s.port, "/api/v3/intro")
        assert r.status == 301 and r.h("Location") == "/api/v3/start", r
        assert get(s.port, "/api/v3/x/intro").status == 404
        r = get(s.port, "/latest/page.html")
        assert r.status == 200 and r.body == b"page 2.3\n", r
        assert r.h("Location") is None, r.headers
        r = get(s.port, "/latest/page")  # the target's clean URL
        assert r.status == 200 and r.body == b"page 2.3\n", r
        r = get(s.port, "/latest/guide/")
        assert r.status == 200 and r.body == b"guide 2.3\n", r
        r = get(s.port, "/latest/guide")  # slash: on the asked path
        assert r.status == 301 and r.h("Location") == "/latest/guide/", r
        r = get(s.port, "/moved?a=1")
        assert r.status == 308, r
        assert r.h("Location") == "https://wiki.example/x?a=1", r.headers
        r = get(s.port, "/secret")
        assert r.status == 301 and r.h("Location") == "/", r
        r = get(s.port, "/_redirects")
        assert r.status == 404 and b"/old-page" not in r.body, r


def test_redirect_query_kept_or_replaced():
    """The request's query goes to a target that has none; a target's own
    query (and fragment) stays as written."""
    with Server() as s:
        s.write("_redirects", b"/q /target?x=1 302\n/f /page#sec 301\n"
                b"/h https://wiki.example/p?id=7 307\n")
        r = get(s.port, "/q?y=2")
        assert r.status == 302 and r.h("Location") == "/target?x=1", r
        r = get(s.port, "/f?y=2")
        assert r.status == 301 and r.h("Location") == "/page?y=2#sec", r
        r = get(s.port, "/h?y=2")
        assert r.status == 307 and r.h("Location") == "https://wiki.example/p?id=7", r


def test_redirects_never_hide_files_unless_forced():
    with Server() as s:
        s.write("_redirects", b"/page /other\n/dir/* /else/:splat\n")
        s.write("page", b"still here\n")
        s.write("dir/a.html", b"a\n")
        assert get(s.port, "/page").body == b"still here\n"
        assert get(s.port, "/dir/a.html").body == b"a\n"
        assert get(s.port, "/dir/a").body == b"a\n"  # its clean URL too
        r = get(s.port, "/dir/b.html")
        assert r.status == 301 and r.h("Location") == "/else/b.html", r


def test_redirects_nested_and_ordered():
    """Paths in a file are relative to its directory; the deepest file is
    tried first; in a file the first matching line wins."""
    with Server() as s:
        s.write("_redirects", b"/projA/old /root-rule\n/projA/other /root-other\n")
        s.write("projA/_redirects",
                b"/old /new\n/* /first/:splat 302\n/old2 /never\n")
        r = get(s.port, "/projA/old")
        assert r.status == 301 and r.h("Location") == "/projA/new", r
        r = get(s.port, "/projA/old2")
        assert r.status == 302 and r.h("Location") == "/projA/first/old2", r
        r = get(s.port, "/projA/_redirects")
        assert r.status == 404, r
        r = get(s.port, "/projA/")  # /projA exists: no rule hides it
        assert r.status in (403, 404), r


def test_redirect_404_rule_and_missing_target():
    with Server(extra=NEAREST) as s:
        s.write("_redirects", b"/gone/* /gone.html 404\n/rw /nothing 200\n"
                b"/dot /.git/config 200\n/rules /projA/_redirects 200\n")
        s.write("gone.html", b"this page is gone\n")
        s.write("404.html", b"root 404\n")
        s.write(".git/config", b"SECRET\n")
        s.write("projA/_redirects", b"/x /y\n")
        r = get(s.port, "/gone/a/b")
        assert r.status == 404 and r.body == b"this page is gone\n", r
        for path in ("/rw", "/dot", "/rules"):
            r = get(s.port, path)
            assert r.status == 404 and r.body == b"root 404\n", (path, r)


def test_rewrite_confined_to_docroot():
    """A rule's target goes through the request path's decoding and
    confinement: nothing outside the docroot is ever served."""
    with Server() as s:
        write_file(os.path.join(s.dir, "secret"), b"OUTSIDE\n")
        os.symlink("/etc", os.path.join(s.root, "etc"))
        s.write("sub/_redirects",
                b"/x /../../secret 200\n/y /../../../etc/passwd 200\n"
                b"/z /%2e%2e/%2e%2e/secret 200\n/w /../../etc/passwd 302\n"
                b"/e /../etc/passwd 200\n")
        for path in ("/sub/x", "/sub/y", "/sub/z", "/sub/w", "/sub/e"):
            r = get(s.port, path)
            assert b"OUTSIDE" not in r.body and b"root:" not in r.body, (path, r)
            assert r.status == 404, (path, r)


def test_at_most_one_rewrite():
    with Server() as s:
        s.write("_redirects", b"/a /b 200\n/b /c 200\n")
        s.write("c", b"c\n")
        assert get(s.port, "/b").body == b"c\n"
        assert get(s.port, "/a").status == 404


def test_redirects_change_and_bad_lines():
    """A changed file applies within a second; a bad line is skipped and
    logged once as FILE:LINE, the other lines apply, the server serves."""
    with Server() as s:
        s.write("index.html", b"home\n")
        path = s.write("docs/_redirects", b"/a /b\nnonsense\n/c /d 399\n/e /f\n")
        r = get(s.port, "/docs/a")
        assert r.status == 301 and r.h("Location") == "/docs/b", r
        r = get(s.port, "/docs/e")
        assert r.status == 301 and r.h("Location") == "/docs/f", r
        assert get(s.port, "/docs/c").status == 404
        for _ in range(5):
            get(s.port, "/docs/zz")
        time.sleep(1.2)
        get(s.port, "/docs/zz")  # looked at again: the same version
        log = s.errlog()
        assert log.count("%s:2:" % path) == 1, log
        assert log.count("%s:3:" % path) == 1, log
        assert get(s.port, "/").body == b"home\n"
        write_file(path, b"/a /changed 302\n")
        time.sleep(1.1)
        r = get(s.port, "/docs/a")
        assert r.status == 302 and r.h("Location") == "/docs/changed", r
        assert get(s.port, "/docs/e").status == 404
        os.unlink(path)
        time.sleep(1.1)
        assert get(s.port, "/docs/a").status == 404


def test_redirects_off():
    with Server(server={"redirects": "off"}) as s:
        s.write("_redirects", b"/old /new\n")
        assert get(s.port, "/old").status == 404
        assert get(s.port, "/_redirects").status == 404


def test_check_redirects_command():
    d = tempfile.mkdtemp(prefix="minihttpd-test-")
    good = os.path.join(d, "good")
    bad = os.path.join(d, "bad")
    write_file(good, EXAMPLE)
    write_file(bad, b"/a /b\n/c\n/d /e 299\n")
    p = subprocess.run([binary(), "--check-redirects", good],
                       capture_output=True, timeout=30)
    assert p.returncode == 0, p
    out = p.stdout.decode()
    for frm in ("/old-page", "/blog/*", "/api/:version/intro", "/latest/*",
                "/moved", "/secret"):
        assert frm in out, out
    assert "301!" in out or "forced" in out, out
    p = subprocess.run([binary(), "--check-redirects", good, bad],
                       capture_output=True, timeout=30)
    assert p.returncode == 1, p
    err = p.stderr.decode()
    assert "%s:2: " % bad in err and "%s:3: " % bad in err, err
    assert "%s:1:" % bad not in err, err
    p = subprocess.run([binary(), "--check-redirects",
                        os.path.join(d, "absent")],
                       capture_output=True, timeout=30)
    assert p.returncode == 1 and b"absent" in p.stderr, p
    p = subprocess.run([binary(), "--check-redirects"],
                       capture_output=True, timeout=30)
    assert p.returncode == 1, p


def test_listing_json_and_filters():
    """Accept: application/json gets the listing as JSON; both forms leave
    out what a client could not fetch: a FIFO, a symlink out of the
    docroot (no size or date of /etc/passwd), a dangling one, a name with
    a control byte or a backslash, _redirects, dotfiles."""
    import json
    with Server(server={"autoindex": "on"}) as s:
        d = os.path.join(s.root, "v")
        s.write("v/a.html", b"12345")
        s.write("v/_redirects", b"/x /y\n")
        s.write("v/.hidden", b"x")
        s.write("v/bad\x01name", b"x")
        s.write("v/back\\slash", b"x")
        os.mkdir(os.path.join(d, "sub"))
        os.mkfifo(os.path.join(d, "fifo"))
        os.symlink("/etc/passwd", os.path.join(d, "passwd"))
        os.symlink("a.html", os.path.join(d, "inside"))
        os.symlink("nowhere", os.path.join(d, "dangling"))
        os.utime(os.path.join(d, "a.html"), (1764928800, 1764928800))
        r = get(s.port, "/v/", ["Accept: application/json"])
        assert r.status == 200, r
        assert r.h("Content-Type") == "application/json", r.headers
        assert r.h("Vary") == "Accept", r.headers
        got = json.loads(r.body)
        assert got == [
            {"name": "sub", "type": "directory", "size": 0,
             "mtime": got[0]["mtime"]},
            {"name": "a.html", "type": "file", "size": 5,
             "mtime": "2025-12-05T10:00:00Z"},
            {"name": "inside", "type": "file", "size": 5,
             "mtime": "2025-12-05T10:00:00Z"},
        ], got
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", got[0]["mtime"])
        r = get(s.port, "/v/", ["Accept: text/html,application/xhtml+xml,"
                                "application/xml;q=0.9,*/*;q=0.8"])
        assert r.h("Content-Type").startswith("text/html"), r.headers
        listed = re.findall(rb'<a href="\./([^"]*)"', r.body)
        assert listed == [b"sub/", b"a.html", b"inside"], r.body
        assert b"passwd" not in r.body and b"fifo" not in r.body, r.body
        r = get(s.port, "/v/", method="HEAD")
        assert r.status == 200 and r.body == b"", r
        r = get(s.port, "/", ["Accept: application/json"])
        assert json.loads(r.body) == [{"name": "v", "type": "directory", "size": 0,
                                       "mtime": json.loads(r.body)[0]["mtime"]}]


LINK = re.compile(rb'(?:href|src)="([^"#?]*)[^"]*"')


def crawl(port, start, limit=2000):
    """Every local link reachable from start: {path: status}."""
    seen, todo = {}, [start]
    while todo and len(seen) < limit:
        path = todo.pop()
        if path in seen:
            continue
        r = get(port, urllib.parse.quote(path))
        seen[path] = r.status
        if r.status != 200 or not (r.h("Content-Type") or "").startswith(
                "text/html"):
            continue
        for m in LINK.finditer(r.body):
            href = m.group(1).decode()
            if not href or re.match(r"^[a-z]+:", href) or href.startswith("//"):
                continue
            target = urllib.parse.urljoin(path, urllib.parse.unquote(href))
            todo.append(target)
    return seen


def expected_status(root, path):
    """What the resolution order gives for path in the crawled site, worked
    out from the file system on its own: the oracle of the crawl."""
    if path == "/mkdocs/":
        return 302  # the forced rule
    if path.startswith("/mkdocs/latest/"):
        path = "/mkdocs/v1.4/" + path[len("/mkdocs/latest/"):]
    full = os.path.join(root, path.lstrip("/"))
    real = os.path.realpath(full)
    if real != root and not real.startswith(root + "/"):
        return 404  # a symlink out of the docroot
    if os.path.isdir(full):
        if not path.endswith("/"):
            return 301
        return 200 if os.path.isfile(os.path.join(full, "index.html")) else 403
    if os.path.isfile(full) and not path.endswith("/"):
        return 200
    if not path.endswith("/") and os.path.isfile(full + ".html"):
        return 200  # clean URL
    return 404


def test_mkdocs_site_crawled():
    """Debian's mkdocs-doc (an MkDocs site) as two versions of a project,
    with latest -> v1.4 by a _redirects rewrite and each version's own
    404.html: every link the crawl finds gets the status the file system
    says it should (the package has links to templates, to Debian's shared
    JavaScript outside the docroot and to directory URLs it did not build:
    404s any server gives), misses get the version's 404 page."""
    src = "/usr/share/doc/mkdocs/html"
    if not os.path.isdir(src):
        raise Skip("mkdocs-doc is not installed (make test-deps installs it)")
    with Server(extra=NEAREST, start=False) as s:
        for v in ("v1.4", "v1.3"):
            dst = os.path.join(s.root, "mkdocs", v)
            shutil.copytree(src, dst, symlinks=True)
            with open(os.path.join(dst, "404.html"), "ab") as f:
                f.write(b"<!-- %s -->\n" % v.encode())
        s.write("mkdocs/_redirects", b"/latest/* /v1.4/:splat 200\n"
                b"/ /latest/ 302!\n/old-guide /latest/getting-started 301\n")
        s.write("404.html", b"host 404\n")
        s.start()
        root = os.path.realpath(s.root)
        counts = {}
        for start in ("/mkdocs/v1.4/", "/mkdocs/v1.3/", "/mkdocs/latest/"):
            seen = crawl(s.port, start)
            assert len(seen) > 50, (start, len(seen))  # 58 pages and assets
            wrong = {p: (st, expected_status(root, p))
                     for p, st in seen.items()
                     if st != expected_status(root, p)}
            assert not wrong, (start, wrong)
            for st in seen.values():
                counts[st] = counts.get(st, 0) + 1
        assert counts.get(200, 0) > 90, counts  # 108 today
        print("crawled: %r" % counts)
        r = get(s.port, "/mkdocs/")
        assert r.status == 302 and r.h("Location") == "/mkdocs/latest/", r
        r = get(s.port, "/mkdocs/old-guide")
        assert r.h("Location") == "/mkdocs/latest/getting-started", r
        r = get(s.port, "/mkdocs/latest/getting-started")
        assert r.status == 200 and b"Getting Started" in r.body, r.status
        r = get(s.port, "/mkdocs/v1.3/no/such/page")
        assert r.status == 404 and b"<!-- v1.3 -->" in r.body, r.status
        r = get(s.port, "/mkdocs/latest/no/such/page")  # the asked path's
        assert r.status == 404 and b"host 404" in r.body, r.status
        assert get(s.port, "/elsewhere").body == b"host 404\n"


if __name__ == "__main__":
    run(globals())
