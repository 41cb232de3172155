#!/bin/sh
# count_overhead.sh - plain glibc vs linked with libmemkit-count.a (and any other builds named on
# the command line), interleaved round by round; prints a Markdown table of medians and of the
# median per-round difference from plain glibc.
#   bench/count_overhead.sh BUILD_DIR [ROUNDS [LABEL=BINARY...]]
b=$1 rounds=${2:-11}
[ $# -ge 2 ] && shift 2 || shift $#
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
set -- "glibc malloc, plain=$b/count_overhead_plain" "linked with libmemkit-count.a=$b/count_overhead_counted" "$@"
i=0
while [ $i -lt "$rounds" ]; do
    k=0
    for v in "$@"; do
        "${v#*=}" >>"$tmp/$k" || exit 1
        k=$((k + 1))
    done
    i=$((i + 1))
done
k=0
for v in "$@"; do printf '%s\n' "${v%%=*}" >"$tmp/label$k"; k=$((k + 1)); done
python3 - "$tmp" "$k" <<'PY'
import sys, statistics as st
d, n = sys.argv[1], int(sys.argv[2])
runs = [[float(x) for x in open(f"{d}/{i}")] for i in range(n)]
labels = [open(f"{d}/label{i}").read().strip() for i in range(n)]
print("| build (20M malloc/free pairs, 8-256 B) | median ns/pair | min-max | median paired difference |")
print("|---|---|---|---|")
for i in range(n):
    r = runs[i]
    diff = "(reference)" if i == 0 else f"{st.median([b - a for a, b in zip(runs[0], r)]):+.2f} ns"
    print(f"| {labels[i]} | {st.median(r):.2f} | {min(r):.2f}-{max(r):.2f} | {diff} |")
PY
