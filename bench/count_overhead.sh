#!/bin/sh
# count_overhead.sh - plain glibc vs linked with libmemkit-count.a, interleaved; prints a Markdown table.
#   bench/count_overhead.sh BUILD_DIR [ROUNDS]
b=$1 rounds=${2:-11}
plain=$(mktemp) counted=$(mktemp)
i=0
while [ $i -lt "$rounds" ]; do
    "$b/count_overhead_plain" >>"$plain"
    "$b/count_overhead_counted" >>"$counted"
    i=$((i + 1))
done
python3 - "$plain" "$counted" <<'PY'
import sys, statistics as st
p = [float(x) for x in open(sys.argv[1])]
c = [float(x) for x in open(sys.argv[2])]
d = [b - a for a, b in zip(p, c)]
print("| build (20M malloc/free pairs, 8-256 B) | median ns/pair | min-max | median paired difference |")
print("|---|---|---|---|")
print(f"| glibc malloc, plain | {st.median(p):.2f} | {min(p):.2f}-{max(p):.2f} | (reference) |")
print(f"| linked with libmemkit-count.a | {st.median(c):.2f} | {min(c):.2f}-{max(c):.2f} | {st.median(d):+.2f} ns |")
PY
rm -f "$plain" "$counted"
