#!/usr/bin/env python3
"""Summarise a `ctest -V` log: each suite's result and the test-case counts.

Unit tests (cmocka) and integration tests (tests/integration/harness.py) both
print cmocka-style lines, so one parser counts them all:
  [       OK ] name     one passed case
  [  FAILED  ] name     one failed case
  [  SKIPPED ] name     one skipped case
A suite that ctest reports failed but that printed no failed case (a crash,
a timeout) counts as one failure.  The last line is "N passed, N failed".
"""
import re
import sys


def main(path):
    per_test = {}  # ctest number -> [ok, failed, skipped]
    status = {}  # ctest number -> (name, passed?)
    line_re = re.compile(r"^(\d+): \[ *(OK|FAILED|SKIPPED) *\] (.*)$")
    # "[==========] Running N test(s)." opens a group of cases (a binary may
    # hold several groups) and "[==========] N test(s) run." closes it; what
    # follows is a summary that repeats failed and skipped names: not counted.
    start_re = re.compile(r"^(\d+): \[=+\] Running")
    end_re = re.compile(r"^(\d+): \[=+\] \d+ (test|step)\(s\)")
    ended = set()
    done_re = re.compile(r"^\s*\d+/\d+ Test +#(\d+): (\S+) \.+\**\s*(Passed|Failed|.*)")
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = start_re.match(line)
            if m:
                ended.discard(int(m.group(1)))
                continue
            m = end_re.match(line)
            if m:
                ended.add(int(m.group(1)))
                continue
            m = line_re.match(line)
            if m and int(m.group(1)) not in ended:
                num, kind, rest = int(m.group(1)), m.group(2), m.group(3)
                c = per_test.setdefault(num, [0, 0, 0])
                c[("OK", "FAILED", "SKIPPED").index(kind)] += 1
                continue
            m = done_re.match(line)
            if m:
                status[int(m.group(1))] = (m.group(2), m.group(3).startswith("Passed"))
    passed = failed = skipped = 0
    for num in sorted(status):
        name, ok = status[num]
        c = per_test.get(num, [0, 0, 0])
        f = c[1] if c[1] or ok else 1
        passed, failed, skipped = passed + c[0], failed + f, skipped + c[2]
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {c[0]} passed, {f} failed"
              + (f", {c[2]} skipped" if c[2] else ""))
    if not status:
        failed += 1
        print("no test ran")
    line = f"{passed} passed, {failed} failed"
    print(line + (f", {skipped} skipped" if skipped else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
