#!/bin/sh
# run.sh - build the fuzz targets with clang-14 (libFuzzer, ASan, UBSan) in
# build/fuzz and run each for FUZZ_SECONDS (default 60), one process each,
# one after the other.  Usage: tests/fuzz/run.sh [TARGET...] (default: all).
#
# Environment: FUZZ_SECONDS  seconds per target (default 60)
#              FUZZ_JOBS     targets run at the same time (default 1)
#              FUZZ_NICE     nice level of the fuzzers (default 10)
# New corpus entries go to build/fuzz/corpus-<target> (the committed seeds in
# tests/fuzz/corpus/<target> are only read); crashes to
# build/fuzz/artifacts/<target>/, logs to build/fuzz/log-<target>.txt.
# Prints per target: executions, execs/s, coverage (cov:, ft:) and corpus
# size.  Exits 1 when a target found a crash, a leak or a timeout.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/build/fuzz"
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
nice_level=${FUZZ_NICE:-10}
all="server ini config path range precond encoding redirects statusacl"
targets=${*:-$all}

case "$seconds" in '' | *[!0-9]*) echo "FUZZ_SECONDS must be a number" >&2; exit 2 ;; esac
case "$jobs" in '' | *[!0-9]* | 0) echo "FUZZ_JOBS must be a positive number" >&2; exit 2 ;; esac
for t in $targets; do
    case " $all " in *" $t "*) ;; *) echo "unknown target $t (one of: $all)" >&2; exit 2 ;; esac
done

# --- tools: clang-14 and its runtime (libFuzzer, sanitizers) ---
need="clang-14 libclang-rt-14-dev cmake make pkg-config libevent-dev libmagic-dev"
missing=
for p in $need; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "installing:$missing"
        timeout 900 apt-get update -qq
        DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq $missing >/dev/null
    elif [ "${FUZZ_SKIP_WITHOUT_TOOLS:-0}" = 1 ]; then
        echo "[  SKIPPED ] fuzz_smoke: not root and missing:$missing"
        exit 0
    else
        echo "missing packages:$missing; run: sudo apt-get install$missing" >&2
        exit 1
    fi
fi

# --- build ---
timeout 600 cmake -S "$here" -B "$out" -DCMAKE_C_COMPILER=clang-14 \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
timeout 1200 cmake --build "$out" -j"${JOBS:-2}" >/dev/null

# --- run ---
tmp="$out/tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
run_one() {
    t=$1
    mkdir -p "$out/corpus-$t" "$out/artifacts/$t"
    dict=
    [ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
    max_len=4096
    [ "$t" = server ] && max_len=16384
    # the fuzzer stops itself after $seconds; timeout is the backstop
    set +e
    TMPDIR="$tmp" ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        timeout -k 10 $((seconds + 120)) nice -n "$nice_level" \
        "$out/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
        -timeout=20 -rss_limit_mb=2048 -max_len=$max_len $dict \
        -artifact_prefix="$out/artifacts/$t/" \
        "$out/corpus-$t" "$here/corpus/$t" </dev/null >"$out/log-$t.txt" 2>&1
    echo $? >"$out/rc-$t"
    set -e
}

echo "fuzzing for ${seconds}s each: $targets"
running=0
for t in $targets; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait
        running=0
    fi
done
wait

# --- report (cmocka-style lines, which tests/summarize.py counts) ---
status=0
n=0
for t in $targets; do n=$((n + 1)); done
echo "[==========] Running $n test(s)."
printf '%-10s %12s %9s %7s %8s %7s  %s\n' target execs execs/s cov ft corpus result
for t in $targets; do
    log="$out/log-$t.txt"
    rc=$(cat "$out/rc-$t" 2>/dev/null || echo 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    last=$(grep -E '^#[0-9]+' "$log" | grep ' cov: ' | tail -n 1 || true)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
    if [ "$rc" = 0 ]; then
        result=ok
        echo "[       OK ] fuzz_$t"
    else
        result="FAILED (exit $rc; see $log and $out/artifacts/$t/)"
        echo "[  FAILED  ] fuzz_$t"
        status=1
    fi
    printf '%-10s %12s %9s %7s %8s %7s  %s\n' "$t" "${execs:--}" "${rate:--}" \
        "${cov:--}" "${ft:--}" "${corp:--}" "$result"
done
echo "[==========] $n test(s) run."
rm -rf "$tmp"
exit $status
