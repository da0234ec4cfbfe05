#!/usr/bin/env python3
"""test_package.py - the Debian package, end to end, as an administrator uses it.

  python3 tests/packaging/test_package.py SOURCE_DIR

Builds build/minihttpd_VERSION_ARCH.deb with `make package`, lints it,
checks its hardening (every compile and link line of the build log with
blhc, the binary's PIE, RELRO, bind now, stack protector and fortify with
readelf), installs it with apt-get, checks every installed path and the conffiles,
then drives the init script: start, a port change and restart, reload,
a broken config that reload and restart refuse while the old server keeps
serving, logrotate under load (no access-log line lost), status, a
reinstall that keeps the edited conffile, stop, and purge.

Each step prints a cmocka-style line ([       OK ], [  FAILED  ],
[  SKIPPED ]) that tests/summarize.py counts; after a failed step the rest
are skipped.  Root only (it installs a package and starts a daemon on
port 8080): otherwise every step is skipped, saying why.  Whatever happens,
the daemon is stopped by PID and the package purged; a minihttpd user the
test's install created is removed again.  Only 127.0.0.1 is contacted, and
every wait is bounded in count and time.
"""
import glob
import http.client
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from harness import wait_until  # noqa: E402

SRC = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                      os.path.join(os.path.dirname(__file__), "..", ".."))
CONF = "/etc/minihttpd.conf"
PIDFILE = "/run/minihttpd.pid"
INIT = "/etc/init.d/minihttpd"
LOGDIR = "/var/log/minihttpd"
CACHEDIR = "/var/cache/minihttpd"
ACCESS_LOG = LOGDIR + "/access.log"
ERROR_LOG = LOGDIR + "/error.log"
# Owned by this test while its package is installed, so that a run killed
# half-way is cleaned up by the next one, and an admin's own minihttpd
# installation is never touched.
MARKER = "/var/lib/minihttpd-package-test"
CONFFILES = {CONF, "/etc/default/minihttpd", INIT, "/etc/logrotate.d/minihttpd"}
INSTALLED = [  # path, kind: f file, x executable, d directory
    ("/usr/sbin/minihttpd", "x"),
    (CONF, "f"),
    ("/etc/default/minihttpd", "f"),
    (INIT, "x"),
    ("/lib/systemd/system/minihttpd.service", "f"),
    ("/etc/logrotate.d/minihttpd", "f"),
    ("/usr/share/man/man8/minihttpd.8.gz", "f"),
    ("/usr/share/man/man5/minihttpd.conf.5.gz", "f"),
    ("/usr/share/minihttpd/www/index.html", "f"),
    ("/usr/share/doc/minihttpd/README.Debian", "f"),
    ("/usr/share/doc/minihttpd/copyright", "f"),
    ("/var/www/minihttpd/index.html", "f"),
    (LOGDIR, "d"),
    (CACHEDIR, "d"),
]

ENV = dict(os.environ, DEBIAN_FRONTEND="noninteractive", LC_ALL="C.UTF-8")
# Wait for the dpkg lock if another apt is running, rather than fail.
APT = ["apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=240",
       "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"]


class Skip(Exception):
    pass


class State:
    deb = None
    version = None
    pids = set()          # every daemon pid seen, stopped at the end
    port = 8080
    user_existed = False
    installed = False


S = State()


def sh(cmd, timeout=120, check=True, **kw):
    """Run cmd (a list), return CompletedProcess with text output."""
    kw.setdefault("env", ENV)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, **kw)
    if check and p.returncode != 0:
        raise AssertionError("%s exited %d:\n%s%s" % (" ".join(cmd), p.returncode,
                                                     p.stdout[-3000:], p.stderr[-3000:]))
    return p


def quiet(out):
    """apt's output without the database progress lines."""
    return "\n".join(l for l in out.splitlines() if not l.startswith("(Reading")) + "\n"


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""




def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        return True
    except OSError:
        return False


def free_port_near(start):
    for port in range(start, start + 50):
        if not port_open(port):
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
            finally:
                s.close()
    raise AssertionError("no free port from %d" % start)


def get(port, path="/", ua="pkgtest", conn=None):
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", path, headers={"User-Agent": ua})
    r = c.getresponse()
    body = r.read()
    if conn is None:
        c.close()
    return r.status, body


def daemon_pid():
    """The pid in the pid file if that process is alive, else None."""
    m = re.match(r"^(\d+)\n$", read(PIDFILE))
    if not m:
        return None
    pid = int(m.group(1))
    if not os.path.exists("/proc/%d" % pid):
        return None
    S.pids.add(pid)
    return pid


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def init(action, check=True):
    p = sh([INIT, action], timeout=60, check=check)
    print("$ %s %s -> %d\n%s%s" % (INIT, action, p.returncode, p.stdout, p.stderr),
          end="")
    pid = daemon_pid()
    return p, pid


def set_conf(text):
    with open(CONF, "w") as f:
        f.write(text)


def conf_with_port(port):
    text = read(CONF)
    new = re.sub(r"(?m)^port = \d+", "port = %d" % port, text, count=1)
    assert new != text or ("port = %d" % port) in text, "no port line in %s" % CONF
    return new


def package_installed():
    p = sh(["dpkg-query", "-W", "-f=${Status}", "minihttpd"], check=False)
    return p.returncode == 0 and "installed" in p.stdout and "not-installed" not in p.stdout


# --- steps --------------------------------------------------------------------


def step_preconditions():
    if os.geteuid() != 0:
        raise Skip("not root: the package test installs a .deb and starts a daemon")
    if package_installed() and not os.path.exists(MARKER):
        raise Skip("a minihttpd package this test did not install is present; "
                   "not touching it")
    if package_installed():
        print("a previous run left its package installed: cleaning up first")
        cleanup()
    if port_open(8080):
        raise Skip("port 8080 is in use by another program")
    S.user_existed = sh(["getent", "passwd", "minihttpd"], check=False).returncode == 0


def step_build():
    version = re.search(r"project\(minihttpd VERSION ([0-9.]+)",
                        read(os.path.join(SRC, "CMakeLists.txt"))).group(1)
    changelog = sh(["dpkg-parsechangelog", "-l",
                    os.path.join(SRC, "packaging/debian/changelog"), "-S", "Version"])
    assert changelog.stdout.strip() == version, \
        "changelog version %s != CMakeLists.txt %s" % (changelog.stdout.strip(), version)
    for old in glob.glob(os.path.join(SRC, "build/minihttpd_*.deb")):
        os.unlink(old)
    p = sh(["make", "-C", SRC, "--no-print-directory", "package"], timeout=600)
    print(p.stdout[-1500:], end="")
    arch = sh(["dpkg", "--print-architecture"]).stdout.strip()
    S.deb = os.path.join(SRC, "build", "minihttpd_%s_%s.deb" % (version, arch))
    assert os.path.isfile(S.deb), "%s was not built" % S.deb
    assert sh(["dpkg-deb", "-f", S.deb, "Version"]).stdout.strip() == version
    S.version = version


def step_lintian():
    p = sh(["lintian", "--fail-on", "error,warning", S.deb], timeout=300, check=False)
    tags = [l for l in (p.stdout + p.stderr).splitlines() if re.match(r"^[EWIPXO]: ", l)]
    print("\n".join(tags) if tags else "lintian: no tags")
    bad = [l for l in tags if re.match(r"^[EW]: ", l)]
    assert not bad and p.returncode == 0, "lintian errors or warnings:\n" + "\n".join(bad)


# What dpkg-buildflags' hardening=+all (packaging/debian/rules) must give the
# binary on Debian 12: name -> how to see it in `readelf` output.
HARDENING = [
    ("Position Independent Executable", "the ELF type is DYN and FLAGS_1 says PIE",
     lambda e: "DYN (" in e["h"] and re.search(r"FLAGS_1\).*\bPIE\b", e["d"])),
    ("Read-only relocations", "a GNU_RELRO segment",
     lambda e: re.search(r"^\s*GNU_RELRO\s", e["l"], re.M)),
    ("Immediate binding", "BIND_NOW in FLAGS or NOW in FLAGS_1",
     lambda e: re.search(r"\(FLAGS\).*\bBIND_NOW\b|\(FLAGS_1\).*\bNOW\b", e["d"])),
    ("Stack protected", "imports __stack_chk_fail",
     lambda e: re.search(r"\b__stack_chk_fail\b", e["s"])),
    ("Fortify Source functions", "imports glibc's __*_chk functions",
     lambda e: re.search(r"\b__\w+_chk\b", e["s"].replace("__stack_chk_fail", ""))),
]


def step_hardening():
    # 1. every compiler and linker line of the package build had the flags
    # (blhc --all: bindnow too; --debian: PIE is gcc's default, no flag)
    log = os.path.join(SRC, "build", "pkg", "build.log")
    assert os.path.isfile(log), "no build log %s" % log
    assert sh(["sh", "-c", "command -v blhc"], check=False).returncode == 0, \
        "blhc is not installed (make test installs it as root: PKG_DEPS)"
    p = sh(["blhc", "--all", "--debian", "--line-numbers", log], check=False)
    out = (p.stdout + p.stderr).strip().splitlines()
    print("$ blhc --all --debian build/pkg/build.log -> %d" % p.returncode)
    print("\n".join(l[:300] for l in out[:20]) if out else "(no flag missing)")
    if len(out) > 20:
        print("... %d more lines" % (len(out) - 20))
    assert p.returncode == 0, "blhc: hardening flags missing from the build log"
    # 2. the binary in the .deb shows them
    with tempfile.TemporaryDirectory(prefix="minihttpd-deb-") as d:
        sh(["dpkg-deb", "-x", S.deb, d])
        exe = os.path.join(d, "usr", "sbin", "minihttpd")
        elf = {k: sh(["readelf", "-W", opt, exe]).stdout
               for k, opt in (("h", "-h"), ("d", "-d"), ("l", "-l"), ("s", "--dyn-syms"))}
    missing = []
    print("/usr/sbin/minihttpd:")
    for name, what, ok in HARDENING:
        good = bool(ok(elf))
        print(" %s: %s (%s)" % (name, "yes" if good else "NO", what))
        if not good:
            missing.append(name)
    assert not missing, "the binary lacks: " + ", ".join(missing)


def step_install():
    with open(MARKER, "w") as f:
        f.write("minihttpd installed by tests/packaging/test_package.py\n")
    S.installed = True
    p = sh(APT + ["install", S.deb], timeout=300)
    print(quiet(p.stdout)[-1200:], p.stderr[-800:], end="")
    assert package_installed()


FAKE_TOOL = """#!/bin/sh
echo "$(basename "$0") $*" >>%(log)s
case "$(basename "$0") $1" in
"deb-systemd-invoke "*) exit %(invoke_rc)d ;;
esac
exit 0
"""


def run_script_under_fake_systemd(script, args, invoke_rc):
    """Run the package's maintainer script with /run/systemd/system present
    (a tmpfs over /run in a mount namespace of its own, so the host never
    sees it) and fake systemctl, deb-systemd-invoke, deb-systemd-helper,
    invoke-rc.d and update-rc.d first on PATH: deb-systemd-invoke exits
    invoke_rc.  Returns (rc, stderr, the fake tools' calls)."""
    with tempfile.TemporaryDirectory(prefix="minihttpd-maint-") as d:
        sh(["dpkg-deb", "-e", S.deb, os.path.join(d, "control")])
        fake = os.path.join(d, "bin")
        os.mkdir(fake)
        calls = os.path.join(d, "calls")
        for tool in ("systemctl", "deb-systemd-invoke", "deb-systemd-helper",
                     "invoke-rc.d", "update-rc.d"):
            path = os.path.join(fake, tool)
            with open(path, "w") as f:
                f.write(FAKE_TOOL % {"log": calls, "invoke_rc": invoke_rc})
            os.chmod(path, 0o755)
        inner = ("mount -t tmpfs minihttpd-test /run && mkdir -p /run/systemd/system && "
                 "PATH=%s:$PATH exec sh %s \"$@\"" % (fake, os.path.join(d, "control", script)))
        p = sh(["unshare", "--mount", "--propagation", "private", "sh", "-c", inner,
                "sh"] + list(args), check=False, timeout=60)
        return p.returncode, p.stderr, read(calls) if os.path.exists(calls) else ""


def step_maintainer_scripts_under_systemd():
    """Under systemd, debhelper's snippets start, restart and stop the unit
    with "|| true": the package's own code does it instead, so a start
    that fails is reported (and the installation goes on) and a stop that
    fails refuses the removal, as under the init script."""
    if sh(["sh", "-c", "command -v unshare"], check=False).returncode != 0:
        raise AssertionError("unshare (util-linux) is missing")
    version = sh(["dpkg-deb", "-f", S.deb, "Version"]).stdout.strip()
    for args, action in ((["configure", ""], "start"), (["configure", version], "restart")):
        rc, err, calls = run_script_under_fake_systemd("postinst", args, 1)
        print("postinst %s, the %s fails -> rc %d\n%s%s" % (" ".join(args), action, rc,
                                                            err, calls), end="")
        assert rc == 0, "a failed start failed the installation"
        assert "deb-systemd-invoke %s minihttpd.service" % action in calls, calls
        assert "the server did not start" in err, err
        rc, err, calls = run_script_under_fake_systemd("postinst", args, 0)
        assert rc == 0 and "did not start" not in err, (rc, err)
    rc, err, calls = run_script_under_fake_systemd("prerm", ["remove"], 1)
    print("prerm remove, the stop fails -> rc %d\n%s%s" % (rc, err, calls), end="")
    assert "deb-systemd-invoke stop minihttpd.service" in calls, calls
    assert rc != 0 and "could not stop the server" in err, (rc, err)
    rc, err, calls = run_script_under_fake_systemd("prerm", ["remove"], 0)
    assert rc == 0 and "could not stop" not in err, (rc, err)
    # an upgrade's prerm stops nothing: the new postinst's restart hands over
    rc, err, calls = run_script_under_fake_systemd("prerm", ["upgrade", version], 1)
    assert rc == 0 and "stop" not in calls, (rc, err, calls)


def step_installed_paths():
    print("dpkg -L minihttpd:\n" + sh(["dpkg", "-L", "minihttpd"]).stdout, end="")
    for path, kind in INSTALLED:
        if path.startswith("/usr/share/doc/") and not os.path.lexists(path):
            path += ".gz"  # dh_compress compresses docs over 4 KiB
        st = os.lstat(path)  # raises when missing
        if kind == "d":
            assert stat.S_ISDIR(st.st_mode), "%s is not a directory" % path
        else:
            assert stat.S_ISREG(st.st_mode), "%s is not a file" % path
        if kind == "x":
            assert st.st_mode & 0o111, "%s is not executable" % path
    conffiles = set(read("/var/lib/dpkg/info/minihttpd.conffiles").split())
    assert conffiles == CONFFILES, "conffiles %s, expected %s" % (conffiles, CONFFILES)
    pw = sh(["getent", "passwd", "minihttpd"]).stdout.split(":")
    assert pw[5] == "/nonexistent" and pw[6].strip() in ("/usr/sbin/nologin", "/bin/false"), pw
    st = os.stat(LOGDIR)
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (int(pw[2]), 0o2750), \
        "%s: uid %d mode %o" % (LOGDIR, st.st_uid, stat.S_IMODE(st.st_mode))
    assert sh(["getent", "group", "adm"]).stdout.split(":")[2] == str(st.st_gid)
    st = os.stat(CACHEDIR)  # [compress] cache_dir of the shipped config
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (int(pw[2]), 0o750), \
        "%s: uid %d mode %o" % (CACHEDIR, st.st_uid, stat.S_IMODE(st.st_mode))
    assert read("/var/www/minihttpd/index.html") == \
        read("/usr/share/minihttpd/www/index.html")
    for page in ("/usr/share/man/man8/minihttpd.8.gz",
                 "/usr/share/man/man5/minihttpd.conf.5.gz"):
        p = sh(["man", "--warnings", "-l", page], check=False,
               env=dict(ENV, MANWIDTH="80"))
        assert p.returncode == 0 and not p.stderr.strip(), \
            "man --warnings %s:\n%s" % (page, p.stderr)
    p = sh(["systemd-analyze", "verify", "/lib/systemd/system/minihttpd.service"],
           check=False)
    assert p.returncode == 0 and not p.stderr.strip(), "systemd-analyze verify:\n" + \
        p.stderr
    p = sh(["systemd-analyze", "security", "--offline=yes",
            "/lib/systemd/system/minihttpd.service"], check=False)
    score = re.search(r"Overall exposure level for \S+: ([0-9.]+)", p.stdout)
    print("systemd-analyze security: %s" % (score.group(1) if score else p.stdout[-300:]))
    assert score and float(score.group(1)) <= 2.0, "exposure above 2.0"
    assert sh(["/usr/sbin/minihttpd", "-t"]).stdout.strip() == CONF + ": syntax is ok"


def step_start():
    p, pid = init("start")
    assert pid, "no live pid in %s after start" % PIDFILE
    assert wait_until(lambda: port_open(8080), 10), "nothing listens on 8080"
    status, body = get(8080)
    assert status == 200, status
    assert body.decode() == read("/var/www/minihttpd/index.html")
    uid = re.search(r"(?m)^Uid:\s+(\d+)\s+(\d+)\s+(\d+)", read("/proc/%d/status" % pid))
    want = sh(["id", "-u", "minihttpd"]).stdout.strip()
    assert uid and set(uid.groups()) == {want}, "daemon uids %s, want %s" % (
        uid and uid.groups(), want)
    # the user's, so that the process a restart starts can put its pid there
    st = os.stat(PIDFILE)
    assert st.st_uid == int(want) and stat.S_IMODE(st.st_mode) == 0o644, \
        "pid file uid %d mode %o" % (st.st_uid, stat.S_IMODE(st.st_mode))
    for log in (ACCESS_LOG, ERROR_LOG):
        assert os.stat(log).st_uid == int(want), "%s is not minihttpd's" % log
        adm = int(sh(["getent", "group", "adm"]).stdout.split(":")[2])
        lst = os.stat(log)
        assert lst.st_gid == adm and stat.S_IMODE(lst.st_mode) == 0o640, \
            "%s: gid %d mode %o, want adm 0640 (Debian's log readers)" % (
                log, lst.st_gid, stat.S_IMODE(lst.st_mode))
    p, _ = init("start")  # already running: still success, same process
    assert daemon_pid() == pid


def step_restart_new_port():
    old = daemon_pid()
    S.port = free_port_near(18080)
    set_conf(conf_with_port(S.port))
    p, pid = init("restart")
    assert pid and pid != old, "restart kept pid %s" % pid
    assert not alive(old), "old daemon %d still alive" % old
    assert wait_until(lambda: port_open(S.port), 10), "nothing on port %d" % S.port
    assert get(S.port)[0] == 200
    assert not port_open(8080), "8080 still open after moving to %d" % S.port


def step_reload_keeps_pid():
    pid = daemon_pid()
    text = read(CONF).replace("autoindex = off", "autoindex = on")
    set_conf(text)
    size = os.path.getsize(ERROR_LOG)
    p, after = init("reload")
    assert after == pid, "reload changed pid %s -> %s" % (pid, after)
    assert wait_until(lambda: "configuration reloaded" in read(ERROR_LOG)[size:], 5), \
        "no reload in the error log:\n" + read(ERROR_LOG)[size:]
    assert get(S.port)[0] == 200


def step_bad_config_refused():
    pid = daemon_pid()
    good = read(CONF)
    set_conf(good.replace("[server]\n", "[server]\nbogus_key = 1\n", 1))
    try:
        for action in ("reload", "restart", "force-reload"):
            p, after = init(action, check=False)
            out = p.stdout + p.stderr
            assert p.returncode != 0, "%s of a bad config exited 0" % action
            assert re.search(r"/etc/minihttpd\.conf:\d+: .*bogus_key", out), \
                "%s does not say what is wrong:\n%s" % (action, out)
            assert after == pid and alive(pid), "%s replaced the server" % action
            assert get(S.port)[0] == 200
        p = sh([INIT, "configtest"], check=False)
        assert p.returncode == 1 and "bogus_key" in p.stderr, p.stderr
    finally:
        set_conf(good)
    assert sh([INIT, "configtest"]).stdout.strip().endswith("syntax is ok")


def step_https_snakeoil():
    """[tls] with the package's defaults: Debian's snakeoil pair (ssl-cert,
    a dependency), read as root at start and, through the ssl-cert group,
    as minihttpd on reload; fetched over HTTPS."""
    import ssl
    cert = "/etc/ssl/certs/ssl-cert-snakeoil.pem"
    if not os.path.exists(cert):  # an image that dropped the pair ssl-cert made
        sh(["make-ssl-cert", "generate-default-snakeoil"])
    assert os.path.exists(cert), "no snakeoil pair"
    groups = sh(["id", "-nG", "minihttpd"]).stdout.split()
    assert "ssl-cert" in groups, "minihttpd is not in ssl-cert: %r" % groups
    tls_port = free_port_near(18443)
    set_conf(read(CONF) + "\n[tls]\nport = %d\nhsts = max-age=60\n" % tls_port)
    assert "expires" in sh(["/usr/sbin/minihttpd", "-t", "-c", CONF]).stdout
    init("restart")  # a [tls] section needs one: a listening socket more
    assert wait_until(lambda: port_open(tls_port), 10), "nothing on %d" % tls_port

    def https_get():
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False  # its name is the machine's, whatever that is
        c = http.client.HTTPSConnection("127.0.0.1", tls_port, timeout=5, context=ctx)
        c.request("GET", "/")
        r = c.getresponse()
        out = (r.status, r.getheader("Strict-Transport-Security"), r.read())
        c.close()
        return out
    status, hsts, body = https_get()
    assert status == 200 and hsts == "max-age=60" and b"minihttpd" in body, status
    size = os.path.getsize(ERROR_LOG)
    init("reload")  # now as minihttpd: the key through the ssl-cert group
    assert wait_until(lambda: "configuration reloaded" in read(ERROR_LOG)[size:], 5)
    assert "certificate not reloaded" not in read(ERROR_LOG)[size:], \
        read(ERROR_LOG)[size:]
    assert https_get()[0] == 200


def load(port, stop, counts):
    """Sequential keep-alive GETs until stop is set (bounded: 60 s, 100000)."""
    conn = None
    deadline = time.monotonic() + 60
    while not stop.is_set() and time.monotonic() < deadline and counts["sent"] < 100000:
        try:
            conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            status, _ = get(port, "/", "pkgtest-load", conn)
            counts["sent"] += 1
            counts["ok"] += status == 200
        except (OSError, http.client.HTTPException) as e:
            counts["errors"].append(repr(e))
            conn = None
            time.sleep(0.01)


def step_logrotate_under_load():
    pid = daemon_pid()
    state = tempfile.NamedTemporaryFile(prefix="minihttpd-logrotate-", delete=False)
    state.close()
    stop, counts = threading.Event(), {"sent": 0, "ok": 0, "errors": []}
    t = threading.Thread(target=load, args=(S.port, stop, counts))
    t.start()
    try:
        # some lines reach access.log before the rotation (flushed each second)
        assert wait_until(lambda: read(ACCESS_LOG).count('"pkgtest-load"') > 0, 5), \
            "no load line reached the access log"
        p = sh(["logrotate", "-f", "-s", state.name, "/etc/logrotate.d/minihttpd"],
               check=False)
        print("logrotate -f -> %d %s%s" % (p.returncode, p.stdout, p.stderr))
        # and then some, past the next flush, into the new file
        t1 = time.monotonic()
        wait_until(lambda: time.monotonic() - t1 > 1.5 and
                   read(ACCESS_LOG).count('"pkgtest-load"') > 0, 5)
    finally:
        stop.set()
        t.join(70)
        os.unlink(state.name)
    assert p.returncode == 0, "logrotate failed"
    assert daemon_pid() == pid and alive(pid), "rotation changed the daemon"
    assert not counts["errors"], "requests failed: %s" % counts["errors"][:5]
    assert os.path.exists(ACCESS_LOG + ".1"), "access.log was not rotated"
    st = os.stat(ACCESS_LOG)
    assert stat.S_IMODE(st.st_mode) == 0o640, "new log mode %o" % st.st_mode

    def lines():
        return sum(read(f).count('"pkgtest-load"') for f in (ACCESS_LOG + ".1", ACCESS_LOG))
    # lines reach the file within a second
    assert wait_until(lambda: lines() >= counts["sent"], 5), \
        "%d requests, %d access-log lines" % (counts["sent"], lines())
    new = read(ACCESS_LOG).count('"pkgtest-load"')
    print("%d requests; %d lines in access.log.1, %d in the new access.log"
          % (counts["sent"], lines() - new, new))
    assert lines() == counts["sent"] == counts["ok"], "lost or extra lines"
    assert new > 0, "no request landed in the new access.log"
    assert lines() - new > 0, "no request landed in the rotated access.log.1"
    assert "log files reopened" in read(ERROR_LOG), "no SIGUSR1 in the error log"


def load_fresh_and_kept(port, stop, counts):
    """GETs until stop is set (bounded: 120 s, 100000): on a kept-alive
    connection, every 4th on a new one.  A kept-alive connection closed
    before any byte of the next response is retried once on a new one, as
    HTTP allows for idle connections (RFC 9112, 9.3.1); anything else, and
    any failure of a new connection, is an error."""
    conn = None
    deadline = time.monotonic() + 120
    expect = read("/var/www/minihttpd/index.html").encode()
    while not stop.is_set() and time.monotonic() < deadline and counts["sent"] < 100000:
        counts["sent"] += 1
        fresh = conn is None or counts["sent"] % 4 == 0
        if fresh and conn:
            conn.close()
            conn = None
        for attempt in (1, 2):
            try:
                conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                status, body = get(port, "/", "pkgtest-restart", conn)
                if status != 200 or body != expect:
                    counts["errors"].append("status %d, %d bytes" % (status, len(body)))
                counts["ok"] += 1
                break
            except (http.client.RemoteDisconnected, ConnectionResetError) as e:
                conn.close()
                conn = None
                if fresh or attempt == 2:
                    counts["errors"].append(repr(e))
                    break
                counts["idle_closed"] += 1
                fresh = True
            except (OSError, http.client.HTTPException) as e:
                counts["errors"].append(repr(e))
                conn = None
                break
    if conn:
        conn.close()


def step_restart_under_load():
    """restart, and an upgrade of the package (a reinstall: postinst
    restarts the server), while a client requests in a loop: a new pid
    each time, and no request fails."""
    stop = threading.Event()
    counts = {"sent": 0, "ok": 0, "idle_closed": 0, "errors": []}
    t = threading.Thread(target=load_fresh_and_kept, args=(S.port, stop, counts))
    t.start()
    pids = [daemon_pid()]
    try:
        for action in ("restart", "restart", "upgrade"):
            before = counts["ok"]
            if action == "upgrade":
                p = sh(APT + ["install", "--reinstall", S.deb], timeout=300)
                print(quiet(p.stdout)[-400:], end="")
                # the running binary was replaced on disk; postinst restarts
                # it, unless policy-rc.d forbids that (a container's does):
                # then do what postinst would have done
                pid = wait_until(lambda: daemon_pid() not in (None, pids[-1]) and
                                 daemon_pid(), 5)
                if not pid:
                    assert os.readlink("/proc/%d/exe" % pids[-1]).endswith(" (deleted)")
                    print("postinst did not restart (policy-rc.d?): restarting as it would")
                    p, pid = init("restart")
                assert not os.readlink("/proc/%d/exe" % pid).endswith(" (deleted)"), \
                    "the new process runs the old binary"
            else:
                p, pid = init(action)
            assert pid and pid not in pids, "%s kept pid %s" % (action, pid)
            assert not alive(pids[-1]) or wait_until(lambda: not alive(pids[-1]), 10), \
                "old pid %d still alive after %s" % (pids[-1], action)
            pids.append(pid)
            assert wait_until(lambda: counts["ok"] > before + 20, 10), counts
    finally:
        stop.set()
        t.join(130)
    print("%d requests through 2 restarts and an upgrade; %d kept-alive connections "
          "closed while idle" % (counts["ok"], counts["idle_closed"]))
    assert not counts["errors"], "requests failed: %s" % counts["errors"][:5]
    assert read(ERROR_LOG).count("serves now") >= 3, read(ERROR_LOG)[-2000:]


def step_status():
    p, pid = init("status")
    assert p.returncode == 0 and "running" in p.stdout + p.stderr, "status says %r" % (
        p.stdout + p.stderr)


def step_reinstall_keeps_conffile():
    edited = read(CONF)
    assert "port = %d" % S.port in edited
    p = sh(APT + ["install", "--reinstall", S.deb], timeout=300)
    print(quiet(p.stdout)[-800:], end="")
    assert read(CONF) == edited, "the edited conffile was replaced"
    # policy-rc.d may forbid the restart here: whichever process runs serves
    pid = wait_until(daemon_pid, 10)
    assert pid, "no server after reinstall"
    assert wait_until(lambda: port_open(S.port), 10) and get(S.port)[0] == 200


def step_stop():
    pid = daemon_pid()
    p, _ = init("stop")
    assert wait_until(lambda: not alive(pid), 5), "daemon %d still alive" % pid
    assert not os.path.exists(PIDFILE), "pid file left behind"
    assert not port_open(S.port)
    p = sh([INIT, "status"], check=False)
    assert p.returncode == 3, "status of a stopped server exited %d" % p.returncode
    p, _ = init("stop")  # stopping a stopped server is fine


def step_purge():
    p = sh(APT + ["purge", "minihttpd"], timeout=300)
    print(quiet(p.stdout)[-600:], end="")
    assert not package_installed()
    for path in (CONF, "/etc/default/minihttpd", "/etc/logrotate.d/minihttpd", INIT,
                 LOGDIR, CACHEDIR, PIDFILE, "/var/www/minihttpd", "/var/lib/minihttpd"):
        assert not os.path.exists(path), "%s is still there after purge" % path
    assert sh(["getent", "passwd", "minihttpd"], check=False).returncode == 0, \
        "purge removed the minihttpd user"
    S.installed = False


STEPS = [step_preconditions, step_build, step_lintian, step_hardening, step_install,
         step_installed_paths, step_maintainer_scripts_under_systemd, step_start, step_restart_new_port,
         step_reload_keeps_pid, step_bad_config_refused, step_https_snakeoil,
         step_logrotate_under_load, step_restart_under_load,
         step_status, step_reinstall_keeps_conffile, step_stop, step_purge]


# --- clean-up -----------------------------------------------------------------


def stop_pid(pid):
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        if not alive(pid):
            return
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        wait_until(lambda: not alive(pid), wait)


def cleanup():
    daemon_pid()
    for pid in sorted(S.pids):
        stop_pid(pid)
    if package_installed() or os.path.exists("/var/lib/dpkg/info/minihttpd.list"):
        sh(APT + ["purge", "minihttpd"], timeout=300, check=False)
    for path in (PIDFILE, MARKER):
        if os.path.exists(path):
            os.unlink(path)
    if not S.user_existed and sh(["getent", "passwd", "minihttpd"],
                                 check=False).returncode == 0:
        sh(["userdel", "minihttpd"], check=False)
        sh(["groupdel", "minihttpd"], check=False)


def on_signal(sig, frame):
    raise KeyboardInterrupt("signal %d" % sig)


def main():
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    print("[==========] Running %d step(s)." % len(STEPS), flush=True)
    failed = skipped = 0
    reason = None
    t_all = time.monotonic()
    try:
        for fn in STEPS:
            name = "package_" + fn.__name__[len("step_"):]
            if reason:
                print("SKIP: %s\n[  SKIPPED ] %s" % (reason, name), flush=True)
                skipped += 1
                continue
            print("[ RUN      ] %s" % name, flush=True)
            t0 = time.monotonic()
            try:
                fn()
            except Skip as e:
                reason = str(e)
                print("SKIP: %s\n[  SKIPPED ] %s" % (reason, name), flush=True)
                skipped += 1
                continue
            except Exception:
                traceback.print_exc(file=sys.stdout)
                print("[  FAILED  ] %s" % name, flush=True)
                failed += 1
                reason = "an earlier step failed (%s)" % name
                continue
            print("[       OK ] %s (%.1fs)" % (name, time.monotonic() - t0), flush=True)
    finally:
        if os.geteuid() == 0 and (S.installed or S.pids or os.path.exists(MARKER)):
            if reason and failed:
                print("--- error log ---\n" + read(ERROR_LOG)[-3000:])
            cleanup()
    print("[==========] %d step(s) in %.0fs: %d failed, %d skipped."
          % (len(STEPS), time.monotonic() - t_all, failed, skipped), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
