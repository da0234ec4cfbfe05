#!/usr/bin/env python3
"""werror_build.py - build the whole tree with another compiler or level, warnings as errors.

  python3 tests/tools/werror_build.py NAME SOURCE_DIR BUILD_DIR CC BUILD_TYPE CFLAGS

Configures SOURCE_DIR in BUILD_DIR with CC, CMAKE_BUILD_TYPE=BUILD_TYPE,
CMAKE_C_FLAGS=CFLAGS and -DMH_WERROR=ON (no sanitizers), and builds
everything: the server, the unit tests, the fuzz replay targets.  Nothing is
run there: the ASan build runs the tests.  BUILD_DIR is kept, so the next run
only compiles what changed.  `make test` runs it for GCC -O2 (Debian's
flags), GCC -O3 (Release) and clang-14 (tests/CMakeLists.txt): each sees
warnings the others do not (-O3 inlines more: -Wmaybe-uninitialized).

Prints cmocka-style lines for tests/summarize.py and, on failure, every
diagnostic.  Skips, saying so, when CC is not installed (`make test`
installs clang-14 as root).  Exits 1 on a warning or any other failure.
"""
import os
import re
import shutil
import subprocess
import sys
import time

# progress lines of the Makefile generator, not worth showing
NOISE = re.compile(r"^(\[ *\d+%\] |g?make(\[\d+\])?: (Entering|Leaving) directory)")


def run(cmd, timeout):
    # not the make that runs ctest's jobserver (its fds are not passed on)
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, errors="replace",
                       timeout=timeout, env=env)
    return p.returncode, p.stdout


def build(src, build, cc, build_type, cflags):
    """("OK" | "FAILED" | "SKIPPED", what to print)."""
    if not shutil.which(cc):
        return "SKIPPED", "SKIP: %s is not installed (as root, make test installs it)" % cc
    t0 = time.monotonic()
    jobs = os.environ.get("MH_BUILD_JOBS", "2")
    rc, out = run(["cmake", "-S", src, "-B", build, "-G", "Unix Makefiles",
                   "-DCMAKE_C_COMPILER=" + cc, "-DCMAKE_BUILD_TYPE=" + build_type,
                   "-DCMAKE_C_FLAGS=" + cflags, "-DMH_WERROR=ON",
                   "-DMH_SANITIZE=OFF", "-DMH_TESTS=ON"], 300)
    if rc != 0:
        return "FAILED", "%s\nconfiguring %s failed (exit %d)" % (out[-6000:], build, rc)
    # -k: the warnings of every file at once, not only of the first one
    rc, out = run(["cmake", "--build", build, "-j" + jobs, "--", "-k"], 1200)
    shown = [l for l in out.splitlines() if not NOISE.match(l)]
    diagnostics = [l for l in shown if re.search(r"\b(warning|error):", l)]
    what = " ".join(w for w in (cc, cflags, "-Werror, CMAKE_BUILD_TYPE=" + build_type) if w)
    if rc != 0 or diagnostics:
        return "FAILED", "%s\n%s: %d warning(s) or error(s), build exit %d (%s)" % (
            "\n".join(shown[-400:]), what, len(diagnostics), rc, build)
    return "OK", "%s: no warning, %.0fs (%s)" % (what, time.monotonic() - t0, build)


def main(argv):
    if len(argv) != 7:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    name, src, build_dir, cc, build_type, cflags = argv[1:]
    test = "build_" + name
    print("[==========] Running 1 test(s).")
    print("[ RUN      ] %s" % test, flush=True)
    try:
        status, text = build(src, build_dir, cc, build_type, cflags)
    except subprocess.TimeoutExpired as e:
        status, text = "FAILED", "timed out: %s" % " ".join(e.cmd)
    print(text)
    print({"OK": "[       OK ]", "FAILED": "[  FAILED  ]",
           "SKIPPED": "[  SKIPPED ]"}[status], test)
    print("[==========] 1 test(s) run.", flush=True)
    return 1 if status == "FAILED" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
