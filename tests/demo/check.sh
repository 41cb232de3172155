#!/bin/sh
# check.sh - `make demo`'s script on a small input: both word counters agree, the summary table
# shows fewer allocations for the memkit version, and the naive version gets the advice the demo
# is about (reserve, reuse or an arena). Runs after `make MODE=rel all`.
cd "$(dirname "$0")/../.." || exit 2
. tests/lib.sh
suite demo
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
MEMKIT_DEMO_MB=2 MEMKIT_DEMO_OUT=$tmp examples/wordfreq/demo.sh build/rel >"$tmp/out" 2>&1
status=$?
check() {
    if grep -q -- "$2" "$tmp/out"; then ok "$1"; else bad "$1: no '$2'"; fi
}
[ $status -eq 0 ] && ok "demo.sh exits 0" || { bad "demo.sh exited $status"; cat "$tmp/out"; }
check "the two programs agree" "Both programs print the same top 20"
check "summary table" "allocations"
check "advice: reserve" "reserve capacity up front"
check "advice: reuse or arena" "mk_arena"
check "where the DHAT file is" "dh_view.html"
check "memkit diff of the two versions" "Total blocks:"
check "the HTML report of the naive version" "naive.html"
check "the HTML report of the memkit version" "wordfreq.html"
check "the diff's HTML page" "diff.html"
for f in naive.html wordfreq.html diff.html; do
    [ -s "$tmp/$f" ] && ok "$f written" || bad "$f not written"
done
# The memkit version makes far fewer allocations: the table's ratio column is large.
ratio=$(awk '/^allocations/ { print $NF }' "$tmp/out" | tr -d x)
if [ -n "$ratio" ] && [ "${ratio%%.*}" -ge 100 ]; then ok "allocations ratio ${ratio}x >= 100x"
else bad "allocations ratio '$ratio'"; fi
cmp -s "$tmp/naive.top20" "$tmp/wordfreq.top20" && [ -s "$tmp/naive.top20" ] \
    && ok "identical top 20 files" || bad "top 20 files differ"
finish
