#!/usr/bin/env python3
"""include_cycles.py - fail on an include cycle between the modules of src/.

  python3 tests/tools/include_cycles.py [SRC_DIR]      (default: src/)

A module is foo.c with foo.h (either may be missing: bounds.h, main.c).
Module foo uses module bar when foo.c or foo.h has `#include "bar.h"`.
docs/design.md says no two modules include each other; this checks it,
directly (foo.c includes bar.h, bar.c includes foo.h) or through a longer
chain (foo -> bar -> baz -> foo), headers including headers included.
Every cycle found is printed with the #include lines that make it, e.g.

  cycle: config -> headers -> config
    src/config.c:12: #include "headers.h"
    src/headers.h:7: #include "config.h"

Prints cmocka-style lines ([       OK ], [  FAILED  ]) for tests/summarize.py;
exits 1 when there is a cycle.  Only `#include "..."` lines naming a header of
SRC_DIR count (<...> includes are other projects').
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def read_includes(src):
    """{module: {used module: [(file, line number, line)]}} of src's .c and .h."""
    files = sorted(f for f in os.listdir(src) if f.endswith((".c", ".h")))
    headers = {f[:-2] for f in files if f.endswith(".h")}
    uses = {f[:-2]: {} for f in files}
    for f in files:
        module = f[:-2]
        with open(os.path.join(src, f), errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                name = m.group(1)
                if not name.endswith(".h") or os.path.dirname(name):
                    continue
                used = name[:-2]
                if used == module or used not in headers:
                    continue  # its own header, or not one of src/
                uses[module].setdefault(used, []).append((f, n, line.strip()))
    return uses


def strongly_connected(graph):
    """Tarjan's algorithm: the components of graph ({node: iterable of nodes})."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def shortest_cycle(graph, start, within):
    """The shortest path start -> ... -> start inside the set within (BFS)."""
    prev = {start: None}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v]):
            if w not in within:
                continue
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return None


def find_cycles(src):
    """[(cycle as a module list, [include lines])], one per tangle of modules."""
    uses = read_includes(src)
    graph = {m: set(u) for m, u in uses.items()}
    cycles = []
    for comp in strongly_connected(graph):
        if len(comp) < 2:
            continue
        within = set(comp)
        # one cycle through each module of the tangle, duplicates dropped
        seen = set()
        for start in comp:
            cycle = shortest_cycle(graph, start, within)
            key = frozenset(zip(cycle, cycle[1:]))
            if key in seen:
                continue
            seen.add(key)
            lines = [where for a, b in zip(cycle, cycle[1:]) for where in uses[a][b]]
            cycles.append((cycle, lines))
    return cycles


def main(argv):
    src = argv[1] if len(argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "src")
    src = os.path.normpath(src)
    print("[==========] Running 1 test(s).")
    print("[ RUN      ] include_cycles")
    cycles = find_cycles(src)
    label = os.path.basename(src)
    for cycle, lines in cycles:
        print("cycle: " + " -> ".join(cycle))
        for f, n, text in lines:
            print("  %s/%s:%d: %s" % (label, f, n, text))
    if cycles:
        print("%d include cycle(s) between the modules of %s: no two modules may "
              "include each other (docs/design.md)" % (len(cycles), src))
        print("[  FAILED  ] include_cycles")
    else:
        modules = len(read_includes(src))
        print("no include cycle between the %d modules of %s" % (modules, src))
        print("[       OK ] include_cycles")
    print("[==========] 1 test(s) run.")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
