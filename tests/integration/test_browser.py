# test_browser.py -- a real browser (Debian's headless chromium) against a
# small documentation site: the stylesheet is applied, an ES module imports
# a search-index module and runs, an SVG image and a woff2 font load, a page
# in a subfolder, the site's own 404 page, and a screenshot of a directory
# listing kept as build/test-artifacts/listing.png.
#
# Skipped (not failed) when /usr/bin/chromium is missing; the Makefile
# installs it for CI. Chromium gets a fresh profile and HOME in a temp dir,
# removed afterwards, and is killed (its process group, by PID) if it hangs.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_browser.py

import html
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

CHROMIUM = "/usr/bin/chromium"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
ARTIFACTS = os.path.join(REPO, "build", "test-artifacts")
N_INDEX = 42

INDEX_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Test docs</title>
<link rel="stylesheet" href="style.css">
<script type="module" src="app.mjs"></script>
</head><body>
<h1 id="probe">Test documentation</h1>
<img id="logo" src="logo.svg" alt="logo">
<p><a href="sub/page.html">A page in a subfolder</a></p>
<pre id="out">the module did not run</pre>
</body></html>
"""

STYLE_CSS = """@font-face {
  font-family: "ProbeFont";
  src: url("fonts/probe.woff2") format("woff2");
}
#probe { color: rgb(1, 2, 3); font-family: "ProbeFont", sans-serif; }
body { margin: 2em; }
"""

APP_MJS = """import { searchIndex } from "./search.js";

async function main() {
  const probe = document.getElementById("probe");
  const img = document.getElementById("logo");
  try { await document.fonts.load('16px "ProbeFont"'); } catch (e) {}
  const color = getComputedStyle(probe).color;
  const result = "color=" + color + ";index=" + searchIndex.length +
    ";svg=" + img.naturalWidth;
  document.body.dataset.result = result;
  document.getElementById("out").textContent = "RESULT " + result;
}

if (document.readyState === "complete") main();
else window.addEventListener("load", main);
"""

SEARCH_JS = "export const searchIndex = [\n" + "".join(
    '  { title: "Topic %d", url: "topics/%d.html" },\n' % (i, i)
    for i in range(N_INDEX)) + "];\n"

LOGO_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="32" '
            'viewBox="0 0 64 32"><rect width="64" height="32" fill="#036"/>'
            '</svg>\n')

SUB_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sub page</title>
<link rel="stylesheet" href="../style.css">
</head><body><p id="sub">SUBFOLDER-PAGE-CONTENT</p>
<p><a href="../index.html">home</a></p></body></html>
"""

PAGE_404 = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>
<body><h1 id="nf">SITE-404-PAGE: no such page in these docs</h1></body></html>
"""

WOFF2 = b"wOF2\x00\x01\x00\x00" + bytes(56)


def need_chromium():
    if not os.access(CHROMIUM, os.X_OK):
        raise Skip("%s is not installed (the Makefile installs Debian's "
                   "chromium package for this test)" % CHROMIUM)


def chromium(args, url, timeout=60):
    """Run headless chromium on url with a fresh profile; returns stdout
    (bytes). Its stderr (dbus noise and the like) is ignored."""
    tmp = tempfile.mkdtemp(prefix="minihttpd-chromium-")
    env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=os.path.join(tmp, "cfg"),
               XDG_CACHE_HOME=os.path.join(tmp, "cache"))
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
              "all_proxy", "ALL_PROXY"):
        env.pop(k, None)
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--no-first-run", "--disable-quic",
           "--no-proxy-server", "--user-data-dir=" + os.path.join(tmp, "prof"),
           "--virtual-time-budget=5000"] + list(args) + [url]
    out_path = os.path.join(tmp, "stdout")
    proc = None
    try:
        with open(out_path, "wb") as out:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.DEVNULL, env=env,
                                    start_new_session=True)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)   # its own group, by id
                proc.wait(10)
                raise AssertionError("chromium did not finish in %ds: %s"
                                     % (timeout, " ".join(cmd)))
        # Leftover helpers of this chromium (same group) go too.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return read_file(out_path, "rb")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def site_server():
    s = Server(server={"autoindex": "on"},
               extra="\n[errors]\n404 = /404.html\n", start=False)
    s.write("index.html", INDEX_HTML)
    s.write("style.css", STYLE_CSS)
    s.write("app.mjs", APP_MJS)
    s.write("search.js", SEARCH_JS)
    s.write("logo.svg", LOGO_SVG)
    s.write("fonts/probe.woff2", WOFF2)
    s.write("sub/page.html", SUB_PAGE)
    s.write("404.html", PAGE_404)
    s.write("sub2/README.txt", "Read me.\n" * 20)
    s.write("sub2/guide.html", "<p>guide</p>\n")
    s.write("sub2/ünï code.txt", "unicode\n")
    s.write("sub2/images/x.svg", LOGO_SVG)
    s.write("sub2/api/y.html", "<p>y</p>\n")
    return s


def log_status(s, path):
    """Statuses of the access-log lines for GET path."""
    out = []
    for line in read_file(s.access_log).splitlines():
        m = CLF_RE.match(line)
        if m and m.group(8) == "GET" and m.group(9) == path:
            out.append(int(m.group(11)))
    return out


def test_site_in_browser():
    need_chromium()
    with site_server() as s:
        s.start()
        url = "http://127.0.0.1:%d/" % s.port
        dom = chromium(["--dump-dom"], url).decode("utf-8", "replace")
        m = re.search(r'data-result="([^"]*)"', dom)
        assert m, "the module wrote no result; dumped DOM:\n%s" % dom[:3000]
        result = html.unescape(m.group(1))
        assert "color=rgb(1, 2, 3)" in result, \
            "stylesheet not applied: %r" % result
        assert ";index=%d;" % N_INDEX in result, \
            "search index module not loaded: %r" % result
        assert re.search(r";svg=64$", result), \
            "SVG image did not load (naturalWidth): %r" % result
        assert "RESULT " in dom and "the module did not run" not in dom, dom
        # What the browser fetched, as the server logged it.
        time.sleep(1.2)   # log lines reach the file within a second
        for path in ("/", "/style.css", "/app.mjs", "/search.js",
                     "/logo.svg", "/fonts/probe.woff2"):
            st = log_status(s, path)
            assert 200 in st or 304 in st, \
                "the browser's GET %s not logged with 200: %r" % (path, st)
        r = get(s.port, "/fonts/probe.woff2")
        assert r.status == 200 and r.h("Content-Type") == "font/woff2", \
            r.headers
        for path, ct in (("/app.mjs", "text/javascript"),
                         ("/search.js", "text/javascript"),
                         ("/logo.svg", "image/svg+xml"),
                         ("/style.css", "text/css")):
            got = get(s.port, path).h("Content-Type") or ""
            assert got.split(";")[0] == ct, (path, got)

        dom = chromium(["--dump-dom"], url + "sub/page.html").decode(
            "utf-8", "replace")
        assert "SUBFOLDER-PAGE-CONTENT" in dom, dom[:2000]

        dom = chromium(["--dump-dom"], url + "no/such/page.html").decode(
            "utf-8", "replace")
        assert "SITE-404-PAGE" in dom, \
            "missing page is not the site's 404.html:\n%s" % dom[:2000]
        time.sleep(1.2)
        assert log_status(s, "/no/such/page.html") == [404], \
            log_status(s, "/no/such/page.html")


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", \
        "not a PNG: %r" % data[:16]
    return struct.unpack(">II", data[16:24])


def test_listing_screenshot():
    need_chromium()
    os.makedirs(ARTIFACTS, exist_ok=True)
    png = os.path.join(ARTIFACTS, "listing.png")
    if os.path.exists(png):
        os.unlink(png)
    with site_server() as s:
        s.start()
        url = "http://127.0.0.1:%d/sub2/" % s.port
        r = get(s.port, "/sub2/")
        assert r.status == 200 and b"guide.html" in r.body, r
        dom = chromium(["--dump-dom"], url).decode("utf-8", "replace")
        for name in ("README.txt", "guide.html", "ünï code.txt", "images/",
                     "api/"):
            assert name in dom, "%r not in the rendered listing" % name
        chromium(["--screenshot=" + png, "--window-size=1000,700",
                  "--hide-scrollbars"], url)
    assert os.path.exists(png), "chromium wrote no screenshot"
    data = read_file(png, "rb")
    w, h = png_size(data)
    assert (w, h) == (1000, 700), "screenshot is %dx%d" % (w, h)
    assert len(data) > 2048, "screenshot of %d bytes: blank page?" % len(data)
    print("screenshot: %s (%d bytes)" % (png, len(data)))


if __name__ == "__main__":
    run(globals())
