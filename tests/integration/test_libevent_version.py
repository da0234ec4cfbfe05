# test_libevent_version.py -- minihttpd refuses to start with a libevent
# outside the range docs/libevent.md was checked on (2.1.12 to 2.1.x): a
# preloaded shim makes event_get_version_number() and event_get_version()
# say another version, and the server, even `-t`, must exit 1 with one clear
# line on stderr before doing anything else.
#
# Run alone: MINIHTTPD=/abs/path/minihttpd python3 tests/integration/test_libevent_version.py

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

SHIM = r"""
#include <stdint.h>
uint32_t event_get_version_number(void) { return %sU; }
const char *event_get_version(void) { return "%s"; }
"""


def run_with(number, name, args):
    """Run minihttpd ARGS with libevent claiming to be NAME (NUMBER)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise Skip("no C compiler to build the libevent shim")
    with tempfile.TemporaryDirectory(prefix="mh-libevent-") as d:
        src, lib = os.path.join(d, "shim.c"), os.path.join(d, "shim.so")
        write_file(src, SHIM % (number, name))
        subprocess.run([cc, "-shared", "-fPIC", "-o", lib, src], check=True,
                       timeout=60)
        os.mkdir(os.path.join(d, "www"))
        conf = os.path.join(d, "empty.conf")
        write_file(conf, "")
        env = dict(os.environ, LD_PRELOAD=lib,
                   # the shim comes before the ASan runtime: fine here
                   ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0")
        argv = [binary()] + [a.replace("CONF", conf).replace("WWW", d + "/www")
                             for a in args]
        return subprocess.run(argv, capture_output=True, text=True, env=env,
                              timeout=30, stdin=subprocess.DEVNULL)


def refused(number, name):
    for args in (["-t", "-c", "CONF", "-r", "WWW"],
                 ["-c", "CONF", "-r", "WWW", "-p", str(free_port())]):
        p = run_with(number, name, args)
        want = ("minihttpd: libevent %s is not supported: built for 2.1.12 "
                "to 2.1.x (see docs/libevent.md)\n" % name)
        assert p.returncode == 1, (args, p.returncode, p.stdout, p.stderr)
        assert p.stderr == want, (args, p.stderr)
        assert p.stdout == "", p.stdout


def test_libevent_2_2_refused():
    refused("0x02020100", "2.2.1-alpha-dev")


def test_libevent_2_1_11_refused():
    refused("0x02010b00", "2.1.11-stable")


def test_libevent_2_1_12_accepted():
    p = run_with("0x02010c00", "2.1.12-stable", ["-t", "-c", "CONF", "-r", "WWW"])
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    assert "not supported" not in p.stdout + p.stderr


if __name__ == "__main__":
    run(globals())
