#!/usr/bin/env python3
"""python_syntax.py - every Python script of the tree parses.

The integration tests run through CTest, but several scripts only run from
their own make targets (tests/valgrind/run, tests/systemd/run, bench/*,
tests/storm/run, ...): a syntax error there would wait for the next time
someone runs them.  Each file under tests/ and bench/ that ends in .py or
starts with a python3 shebang is parsed with ast; the names of those that
do not parse are printed, and the exit status is 1.

Usage: python_syntax.py SOURCE_DIR
"""

import ast
import os
import sys


def scripts(root):
    for top in ("tests", "bench"):
        for d, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = [x for x in dirs if x not in ("__pycache__", "corpus")]
            for f in files:
                path = os.path.join(d, f)
                if f.endswith(".py"):
                    yield path
                    continue
                try:
                    with open(path, "rb") as fh:
                        first = fh.readline(100)
                except OSError:
                    continue
                if first.startswith(b"#!") and b"python" in first:
                    yield path


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    bad = n = 0
    for path in sorted(scripts(root)):
        n += 1
        try:
            with open(path, encoding="utf-8") as f:
                ast.parse(f.read(), filename=path)
        except (SyntaxError, UnicodeDecodeError) as e:
            bad += 1
            print("%s: %s" % (os.path.relpath(path, root), e))
    print("%d Python scripts, %d that do not parse" % (n, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
