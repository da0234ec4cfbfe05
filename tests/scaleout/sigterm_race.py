#!/usr/bin/env python3
"""tests/scaleout/sigterm_race.py - reproducer, not a test: connections the
kernel has completed (connect() succeeded, still in the listen backlog or
just accepted) when minihttpd gets SIGTERM are closed or reset without a
response.  Behind HAProxy each one is a 502 ("SH--") that HAProxy does not
retry, because the request was already sent.

How to run:   python3 tests/scaleout/sigterm_race.py /abs/path/minihttpd
              (repeat a few times; prints the counts for one run)

8 client threads make Connection: close requests to a minihttpd on a free
127.0.0.1 port for 1 s, then the server gets SIGTERM; the clients go on for
0.3 s more.  Expected: every connection that was established gets a 200 (or
the connect is refused).  Got: 0-8 per run with no response ("noresp"), all
within ~3 ms after SIGTERM.  The server is stopped by its PID in any case.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

binary = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="minihttpd-race-")
os.mkdir(tmp + "/www")
with open(tmp + "/www/index.html", "w") as f:
    f.write("hi\n")
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
results = {"ok": 0, "refused": 0, "noresp": 0, "other": 0}
lock = threading.Lock()
stop = threading.Event()
noresp_t = []
p = subprocess.Popen([binary, "-c", "/dev/null", "-l", "127.0.0.1", "-p", str(port),
                      "-r", tmp + "/www"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def client():
    while not stop.is_set():
        try:
            c = socket.create_connection(("127.0.0.1", port), 2)
        except (ConnectionRefusedError, ConnectionResetError):
            with lock:
                results["refused"] += 1
            time.sleep(0.001)
            continue
        try:
            c.settimeout(3)
            c.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            d = b""
            while len(d) < 65536:
                x = c.recv(4096)
                if not x:
                    break
                d += x
            k = "ok" if d.startswith(b"HTTP/1.1 200") else ("noresp" if not d else "other")
        except (ConnectionResetError, BrokenPipeError):
            k = "noresp"
        except OSError:
            k = "other"
        finally:
            c.close()
        with lock:
            results[k] += 1
            if k == "noresp":
                noresp_t.append(time.monotonic())


try:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    ts = [threading.Thread(target=client, daemon=True) for _ in range(8)]
    for t in ts:
        t.start()
    time.sleep(1.0)
    t_term = time.monotonic()
    p.send_signal(signal.SIGTERM)
    rc = p.wait(10)
    time.sleep(0.3)
    stop.set()
    for t in ts:
        t.join(5)
    print("exit status %s; %s; no response at %s s after SIGTERM"
          % (rc, results, [round(x - t_term, 4) for x in noresp_t][:10]))
finally:
    stop.set()
    if p.poll() is None:
        p.kill()
        p.wait(10)
    shutil.rmtree(tmp, ignore_errors=True)
