#!/bin/sh
# demo.sh - `make demo`: measure, then fix, on a word-frequency counter.
#
# Generates a deterministic ~50 MB text (examples/wordfreq/gen.c), runs the naive counter and the
# memkit one natively (wall time) and under `memkit run` (allocations, bytes, peak heap), checks that
# they print the same top 20, and shows the two side by side with the advice the profiler gave the
# naive version and `memkit diff` between them; it writes the HTML report of each and the diff's.
# Everything lands in build/demo/.
set -eu
# MEMKIT_DEMO_MB and MEMKIT_DEMO_OUT change the input size and the directory (the test suite uses
# a small input).
B=${1:-build/rel}
mb=${MEMKIT_DEMO_MB:-50}
out=${MEMKIT_DEMO_OUT:-build/demo}
mkdir -p "$out"
input=$out/words.txt
if [ ! -s "$input" ] || [ "$(cat "$out/words.mb" 2>/dev/null)" != "$mb" ]; then
    echo "memkit demo: generating $input ($mb MB, deterministic)..."
    "$B/examples/wordfreq/gen" "$mb" >"$input"
    echo "$mb" >"$out/words.mb"
fi

now() { date +%s.%N; }
elapsed() { echo "$1 $2" | awk '{ printf "%.2f", $2 - $1 }'; }

for prog in naive wordfreq; do
    t0=$(now)
    "$B/examples/wordfreq/$prog" "$input" >"$out/$prog.top20"
    t1=$(now)
    eval "time_$prog=$(elapsed "$t0" "$t1")"
    "$B/memkit" run -o "$out/$prog.json" --format dhat,text,html -- "$B/examples/wordfreq/$prog" "$input" \
        >/dev/null 2>"$out/$prog.report"
done
# Did the fix work? The two profiles compared, as text and as a differential flame graph.
"$B/memkit" diff --top 5 "$out/naive.json" "$out/wordfreq.json" >"$out/diff.txt" 2>/dev/null
"$B/memkit" diff --format html "$out/naive.json" "$out/wordfreq.json" >"$out/diff.html" 2>/dev/null

if ! cmp -s "$out/naive.top20" "$out/wordfreq.top20"; then
    echo "memkit demo: the two programs disagree (see $out/*.top20)" >&2
    exit 1
fi

# "Total:     12,345 bytes in 67 blocks" -> the two numbers without separators
figure() { grep -m1 "^$2" "$1" | sed -E 's/^[^:]*: *([0-9,]+) bytes in ([0-9,]+) blocks.*/\1 \2/; s/,//g'; }
set -- $(figure "$out/naive.report" "Total:") $(figure "$out/naive.report" "At t-gmax:")
nb=$1 nk=$2 np=$3
set -- $(figure "$out/wordfreq.report" "Total:") $(figure "$out/wordfreq.report" "At t-gmax:")
wb=$1 wk=$2 wp=$3

echo
echo "Both programs print the same top 20 words of $input:"
head -5 "$out/naive.top20"
echo "   ..."
echo
awk -v tn="$time_naive" -v tw="$time_wordfreq" -v nk="$nk" -v wk="$wk" -v nb="$nb" -v wb="$wb" -v np="$np" -v wp="$wp" 'BEGIN {
    printf "%-22s %16s %16s %10s\n", "", "naive.c", "wordfreq.c", "ratio"
    printf "%-22s %15.2fs %15.2fs %9.1fx\n", "wall time (native)", tn, tw, (tw > 0 ? tn / tw : 0)
    printf "%-22s %16.0f %16.0f %9.0fx\n", "allocations", nk, wk, (wk > 0 ? nk / wk : nk)
    printf "%-22s %16.0f %16.0f %9.0fx\n", "bytes allocated", nb, wb, (wb > 0 ? nb / wb : nb)
    printf "%-22s %16.0f %16.0f %9.1fx\n", "peak heap (bytes)", np, wp, (wp > 0 ? np / wp : np)
}'
echo
echo "What the profiler advised for naive.c (memkit run's report, $out/naive.report):"
sed -n '/^Advice:/,$p' "$out/naive.report"
echo
echo "memkit diff, naive.c -> wordfreq.c ($out/diff.txt):"
sed -n '/^ *before/,/^Sites:/p' "$out/diff.txt"
echo "The sites that changed most (each with its innermost frame; full stacks in $out/diff.txt):"
awk '/^#[0-9]+:/ { head = $0; want = 1; next } want && /^    [^ ]/ && !/^    (total|at t-gmax)/ { sub(/^ +/, ""); printf "  %-44s %s\n", head, $0; want = 0 }' "$out/diff.txt"
echo
echo "HTML reports (open them in a browser; each is one self-contained file):"
echo "    $out/naive.html"
echo "    $out/wordfreq.html"
echo "    $out/diff.html   (differential flame graph: naive.c -> wordfreq.c)"
echo
echo "The DHAT files are $out/naive.json and $out/wordfreq.json. To browse them, open"
echo "/usr/libexec/valgrind/dh_view.html (from Debian's valgrind package) in a browser and load one"
echo "with its 'Load...' button; or render one again here with: $B/memkit report $out/naive.json"
