# test_symlink_race.py -- a directory on the request path swapped for a
# symlink out of the docroot while requests are in flight: no response ever
# carries a byte from outside.  Run twice: with openat2() as the server
# finds it, and with openat2() made to fail with ENOSYS by a seccomp filter
# (as systemd's RestrictSUIDSGID=yes does), so docroot.c's fallback walk
# serves.
#
# Layout (TMP is the server's temp dir):
#   TMP/www/dir/secret-NNNN.txt      a real directory: each file holds INSIDE
#   TMP/outside/secret-NNNN.txt      the same names, each holding OUTSIDE
#   TMP/www/.spare-rel -> ../outside (relative: a ".." above the docroot)
#   TMP/www/.spare-abs -> TMP/outside (absolute)
# A thread exchanges www/dir with one spare and back, then with the other
# and back, as fast as it can (renameat2(RENAME_EXCHANGE): www/dir always
# exists; two os.rename() calls per swap where the file system lacks it),
# while client threads GET /dir/secret-NNNN.txt over keep-alive
# connections, up to REQUESTS_MAX requests or SECONDS_MAX seconds per run.
# The names cycle through many more files than the server's file cache has
# slots (MH_FILE_CACHE_SLOTS), so each request opens its file again instead
# of answering from the cache: one open per name would be one race per
# second.  Each run prints its counts: requests, swaps, leaks, and the
# statuses seen.
#
# The seccomp filter doubles as a wrapper, to run any integration test
# against the fallback:
#   python3 test_symlink_race.py --no-openat2 PROGRAM [ARG...]
# execs PROGRAM with openat2() failing with ENOSYS (a script holding
#   exec python3 .../test_symlink_race.py --no-openat2 /abs/minihttpd "$@"
# can be given as MINIHTTPD).
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_symlink_race.py

import ctypes
import errno
import os
import platform
import struct
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

INSIDE = ("INSIDE-" + uuid.uuid4().hex).encode()
OUTSIDE = ("OUTSIDE-" + uuid.uuid4().hex).encode()
REQUESTS_MAX = 20000   # per run, all clients together
SECONDS_MAX = 20       # per run
CLIENTS = 2            # keep-alive connections, one thread each
SWAPS_MAX = 50000000   # a bound on the swapper that time reaches first


# ---------------------------------------------------------------------------
# openat2() failing with ENOSYS: a seccomp filter (PR_SET_NO_NEW_PRIVS
# first, so no privilege is needed), inherited across execve()
# ---------------------------------------------------------------------------

NR_OPENAT2 = 437  # the same on every architecture (Linux 5.6)
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
BPF_LD_W_ABS = 0x20   # BPF_LD | BPF_W | BPF_ABS
BPF_JEQ_K = 0x15      # BPF_JMP | BPF_JEQ | BPF_K
BPF_RET_K = 0x06      # BPF_RET | BPF_K


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def no_openat2_supported():
    return platform.machine() in AUDIT_ARCH


def deny_openat2():
    """Make openat2() fail with ENOSYS in this process and whatever it
    execs.  Raises OSError when the kernel refuses the filter."""
    def op(code, k, jt=0, jf=0):
        return struct.pack("=HBBI", code, jt, jf, k)
    prog = b"".join([
        op(BPF_LD_W_ABS, 4),                              # seccomp_data.arch
        op(BPF_JEQ_K, AUDIT_ARCH[platform.machine()], 1, 0),
        op(BPF_RET_K, SECCOMP_RET_ALLOW),
        op(BPF_LD_W_ABS, 0),                              # seccomp_data.nr
        op(BPF_JEQ_K, NR_OPENAT2, 0, 1),
        op(BPF_RET_K, SECCOMP_RET_ERRNO | errno.ENOSYS),
        op(BPF_RET_K, SECCOMP_RET_ALLOW),
    ])
    code = ctypes.create_string_buffer(prog, len(prog))
    fprog = SockFprog(len(prog) // 8, ctypes.addressof(code))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
            libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
                       ctypes.byref(fprog), 0, 0) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "seccomp filter: " + os.strerror(e))


class NoOpenat2Server(Server):
    """A Server whose process finds no openat2() (ENOSYS)."""

    def __init__(self, **kw):
        super().__init__(start=False, **kw)
        self.preexec = deny_openat2


# ---------------------------------------------------------------------------
# Swapping www/dir
# ---------------------------------------------------------------------------

RENAME_EXCHANGE = 2
_libc = ctypes.CDLL(None, use_errno=True)


def exchange(a, b):
    """Swap the entries a and b atomically; False when the file system (or
    the C library) cannot."""
    fn = getattr(_libc, "renameat2", None)
    if fn is None:
        return False
    AT_FDCWD = -100
    if fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b),
          RENAME_EXCHANGE) == 0:
        return True
    e = ctypes.get_errno()
    if e in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(e, "renameat2(%s, %s): %s" % (a, b, os.strerror(e)))


class Swapper(threading.Thread):
    """Swaps root/dir with root/.spare-rel and back, then with
    root/.spare-abs and back, until stopped."""

    def __init__(self, root, deadline):
        super().__init__(daemon=True)
        self.root = root
        self.deadline = deadline
        self.stop = threading.Event()
        self.swaps = 0
        self.error = None
        self.how = "renameat2(RENAME_EXCHANGE)"

    def run(self):
        d = os.path.join(self.root, "dir")
        spares = [os.path.join(self.root, n) for n in (".spare-rel",
                                                         ".spare-abs")]
        real = os.path.join(self.root, ".real")
        out = None  # the spare whose symlink is at d now (None: the directory)
        atomic = None

        def swap(spare):
            nonlocal atomic, out
            if atomic is not False and exchange(d, spare):
                atomic = True
            elif atomic:
                raise OSError(errno.EINVAL, "renameat2() stopped working")
            else:
                atomic = False
                self.how = "os.rename() twice"
                if out is None:
                    os.rename(d, real)
                    os.rename(spare, d)
                else:
                    os.rename(d, spare)
                    os.rename(real, d)
            out = None if out else spare
            self.swaps += 1

        try:
            while not self.stop.is_set() and self.swaps < SWAPS_MAX and \
                    time.monotonic() < self.deadline:
                for spare in spares:
                    swap(spare)  # the symlink in
                    swap(spare)  # the directory back
        except OSError as e:
            self.error = e
        finally:  # leave the real directory in place
            if out is not None and self.error is None:
                swap(out)


# ---------------------------------------------------------------------------
# The race
# ---------------------------------------------------------------------------

def make_tree(s, names):
    outside = os.path.join(s.dir, "outside")
    os.mkdir(outside)
    os.mkdir(os.path.join(s.root, "dir"))
    for n in names:
        write_file(os.path.join(outside, n), OUTSIDE + b"\n")
        write_file(os.path.join(s.root, "dir", n), INSIDE + b"\n")
    os.symlink("../outside", os.path.join(s.root, ".spare-rel"))
    os.symlink(outside, os.path.join(s.root, ".spare-abs"))


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.leaks = []        # (name, status) of each response with OUTSIDE
        self.statuses = {}     # status -> count
        self.odd = []          # 200 without INSIDE, statuses not 200/404
        self.errors = []       # connection failures

    def take(self):
        with self.lock:
            if self.requests >= REQUESTS_MAX:
                return False
            self.requests += 1
            return True

    def record(self, name, r):
        with self.lock:
            self.statuses[r.status] = self.statuses.get(r.status, 0) + 1
            if OUTSIDE in r.raw:
                self.leaks.append((name, r.status))
            elif r.status not in (200, 404) or \
                    (r.status == 200 and r.body != INSIDE + b"\n"):
                self.odd.append((name, r.status, r.body[:80]))


def client(port, names, first, deadline, tally):
    conn = None
    i = first
    try:
        while time.monotonic() < deadline and tally.take():
            name = names[i % len(names)]
            i += 1
            try:
                if conn is None:
                    conn = Conn(port)
                r = conn.request("GET", "/dir/" + name)
            except (AssertionError, OSError) as e:
                with tally.lock:
                    tally.errors.append("%s: %s" % (name, e))
                if conn:
                    conn.close()
                conn = None
                if len(tally.errors) > 10:
                    return
                continue
            tally.record(name, r)
            if (r.h("Connection") or "").lower() == "close":
                conn.close()
                conn = None
    finally:
        if conn:
            conn.close()


def race(s, label):
    slots = bounds()["MH_FILE_CACHE_SLOTS"]
    names = ["secret-%05d.txt" % i for i in range(8 * slots)]
    make_tree(s, names)
    r = get(s.port, "/dir/" + names[0])
    assert r.status == 200 and r.body == INSIDE + b"\n", r
    deadline = time.monotonic() + SECONDS_MAX
    tally = Tally()
    swapper = Swapper(s.root, deadline)
    clients = [threading.Thread(target=client, daemon=True,
                                args=(s.port, names, k * len(names) // CLIENTS,
                                      deadline, tally))
               for k in range(CLIENTS)]
    t0 = time.monotonic()
    swapper.start()
    for c in clients:
        c.start()
    for c in clients:
        c.join(SECONDS_MAX + 10)
    swapper.stop.set()
    swapper.join(10)
    elapsed = time.monotonic() - t0
    print("%s: %d requests, %d swaps (%s), %d leaks in %.1fs; statuses %s"
          % (label, tally.requests, swapper.swaps, swapper.how,
             len(tally.leaks), elapsed, dict(sorted(tally.statuses.items()))),
          flush=True)
    assert not any(c.is_alive() for c in clients), "a client did not stop"
    assert not swapper.is_alive(), "the swapper did not stop"
    assert swapper.error is None, "swapper: %s" % swapper.error
    assert not tally.errors, "%d connection errors, first: %s" \
        % (len(tally.errors), tally.errors[:3])
    assert not tally.leaks, "%d responses carried the OUTSIDE marker, " \
        "first: %s" % (len(tally.leaks), tally.leaks[:5])
    assert not tally.odd, "unexpected responses: %s" % tally.odd[:5]
    # the race ran: both sides of the swap were seen, many times
    assert tally.statuses.get(200, 0) > 0, tally.statuses
    assert tally.statuses.get(404, 0) > 0, tally.statuses
    assert swapper.swaps > 100, swapper.swaps


def notice(s):
    return "openat2() is not available" in s.errlog() + s.stderr()


def test_race_openat2():
    with Server() as s:
        race(s, "openat2" if not notice(s) else "fallback (no openat2 here)")


def test_race_fallback():
    if not no_openat2_supported():
        raise Skip("no seccomp filter for %s" % platform.machine())
    with NoOpenat2Server() as s:
        s.start()
        assert wait_until(lambda: notice(s), 3), \
            "the server did not report openat2() missing"
        race(s, "fallback")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--no-openat2":
        deny_openat2()
        os.execv(sys.argv[2], sys.argv[2:])
    run(globals())
