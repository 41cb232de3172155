#!/bin/sh
# unwind_run.sh BUILD_DIR - runs both stack-capture benchmarks; the table goes to
# BUILD_DIR/results/unwind.md (quoted in docs/BENCHMARKS.md, "## Stack capture").
b=${1:-build}
mkdir -p "$b/results"
if [ ! -x "$b/unwind_bench_nofp" ] || [ ! -x "$b/unwind_bench_fp" ]; then
    echo "bench: libunwind-dev not installed (the reference); the stack capture benchmark is skipped"
    exit 0
fi
{
    echo "## Stack capture"
    echo
    echo "\`make -C bench $b/unwind_bench_nofp $b/unwind_bench_fp && (cd bench && ./unwind_run.sh)\` ($(uname -m), $(nproc) cores; load average before the run: $(cut -d' ' -f1-3 /proc/loadavg))"
    "$b/unwind_bench_nofp" "-O2 -g, no frame pointers" ${UNW_ROUNDS:-11} ${UNW_N:-200000}
    "$b/unwind_bench_fp" "-O2 -g -fno-omit-frame-pointer" ${UNW_ROUNDS:-11} ${UNW_N:-200000}
} | tee "$b/results/unwind.md"
