#!/bin/sh
# check.sh - `memkit diff`: real runs of examples/wordfreq (the same program twice: every site
# matches although ASLR moved every address; naive vs memkit version: the allocations drop site by
# site), valgrind's file against memkit's, folded and HTML output (in Chromium), --fail-if-grew and
# every kind of bad input with its exit status. Runs after `make MODE=rel all`.
cd "$(dirname "$0")/../.." || exit 2
TOP=$(pwd)
MK=${MEMKIT_BIN:-$TOP/build/rel/memkit}
T=$(mktemp -d "${TMPDIR:-/tmp}/memkit-diff.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$TOP/tests/lib.sh"
suite diff
check() { name=$1; shift; if "$@" >"$T/out" 2>&1; then ok "$name"; else bad "$name" "$T/out"; fi; }
# status NAME WANT CMD...: CMD exits with WANT and writes exactly one line to stderr (besides
# the different-programs warning)
status() {
    name=$1 want=$2; shift 2
    "$@" >"$T/so" 2>"$T/se0"
    got=$?
    grep -v 'warning: the profiles are of different programs' "$T/se0" >"$T/se"
    if [ "$got" -eq "$want" ] && [ "$(wc -l <"$T/se")" -eq 1 ]; then ok "$name (exit $want: $(cat "$T/se"))"
    else echo "exit $got, want $want; stderr:" >"$T/se2"; cat "$T/se" >>"$T/se2"; bad "$name" "$T/se2"; fi
}
[ -x "$MK" ] || { bad "diff: $MK missing (run make MODE=rel all)"; finish; }
B=$TOP/build/rel/examples/wordfreq
[ -x "$B/naive" ] || { bad "diff: examples/wordfreq not built"; finish; }
"$B/gen" 1 >"$T/words.txt"
cd "$T" || exit 2
for run in naive naive2 wordfreq; do
    prog=${run%2}
    "$MK" run -o "$run.json" --format dhat -- "$B/$prog" words.txt >/dev/null 2>&1 || bad "memkit run $prog"
done
tb() { "$MK" report "$1" | sed -n 's/^Total: *\([0-9,]*\) bytes.*/\1/p' | tr -d ,; }

# ---- the same program twice: addresses differ (ASLR), every site matches ----
"$MK" diff naive.json naive2.json >same.txt 2>same.err
check "same program twice: exit 0" test $? -eq 0
check "same program twice: no warning" test ! -s same.err
n=$(python3 -c "import json; print(len(json.load(open('naive.json'))['pps']))")
check "same program twice: all $n sites matched by stack, none new or gone" grep -q "; $n matched by stack, 0 gone, 0 new" same.txt
check "the two runs' addresses differ (so matching ignored them)" sh -c "! cmp -s naive.json naive2.json"
check "same program twice: no site changed" grep -q "No site changed" same.txt
check "totals side by side: Total bytes before, after, change" grep -Eq "^Total bytes: +[0-9,]+ +[0-9,]+ +no change$" same.txt
check "wall time when both have it" grep -Eq "^Wall time: +[0-9.]+ (µs|ms|s) " same.txt

# ---- naive vs the memkit version: the allocations drop, site by site ----
"$MK" diff --top 0 naive.json wordfreq.json >demo.txt 2>demo.err
check "naive vs memkit version: exit 0" test $? -eq 0
check "different programs: one warning line, still compared" sh -c "test \$(wc -l <demo.err) -eq 1 && grep -q 'different programs (naive and wordfreq); comparing anyway' demo.err"
check "total blocks dropped" grep -Eq "^Total blocks: .* -[0-9,]+ \(-[0-9.]+%\)$" demo.txt
check "naive's sites are listed as gone, with before and after" sh -c "grep -q '^#1: -[0-9,]* bytes (-100.0%) \[gone\]' demo.txt && grep -q 'count_word (naive.c:' demo.txt"
check "the memkit version's sites are listed as new" grep -q "\[new\]" demo.txt
check "stacks are shown without addresses" sh -c "! grep -q '^    0x' demo.txt"

# ---- folded: "stack BEFORE AFTER", the columns add up to the sites' total bytes ----
"$MK" diff --format folded naive.json wordfreq.json >d.folded 2>/dev/null
check "folded: every line is 'stack BEFORE AFTER'" sh -c "test -s d.folded && ! grep -Evq '^[^ ].* [0-9]+ [0-9]+$' d.folded"
sums=$(awk '{ b += $(NF-1); a += $NF } END { printf "%.0f %.0f\n", b, a }' d.folded)
want=$(python3 -c "
import json
print(*(sum(p['tb'] for p in json.load(open(f))['pps']) for f in ('naive.json', 'wordfreq.json')))")
check "folded: the columns add up to the sites' bytes ($want)" test "$sums" = "$want"

# ---- --fail-if-grew ----
status "--fail-if-grew 5 when bytes grew (wordfreq -> naive)" 1 "$MK" diff --fail-if-grew 5 wordfreq.json naive.json
check "the line says what grew" grep -q "total bytes grew by .*%.* more than the 5% --fail-if-grew allows" "$T/se"
python3 -c "
import json; d=json.load(open('naive.json'))
for k in ('tb', 'tbk', 'gb'): d['mkTotals'][k] //= 2
json.dump(d, open('shrunk.json', 'w'), ensure_ascii=False)"
"$MK" diff --fail-if-grew 5 naive.json shrunk.json >/dev/null 2>&1
check "--fail-if-grew 5 when bytes, blocks and t-gmax shrank: exit 0" test $? -eq 0
"$MK" diff --fail-if-grew 0 naive.json naive.json >/dev/null 2>&1
check "--fail-if-grew 0 on identical profiles: exit 0" test $? -eq 0
python3 -c "
import json; d=json.load(open('naive.json')); d['mkTotals']['gb'] = int(d['mkTotals']['gb'] * 1.2) + 1
json.dump(d, open('peak.json', 'w'), ensure_ascii=False)"
status "--fail-if-grew 10 when only the t-gmax bytes grew 20%" 1 "$MK" diff --fail-if-grew 10 naive.json peak.json
check "the line names bytes at t-gmax" grep -q "bytes at t-gmax grew by 20.0%" "$T/se"
for v in abc -1 "" 5x 1e999 nan; do
    status "--fail-if-grew '$v' is refused" 2 "$MK" diff --fail-if-grew "$v" naive.json wordfreq.json
done

# ---- bad input ----
status "one file" 2 "$MK" diff naive.json
status "no file" 2 "$MK" diff
status "three files" 2 "$MK" diff naive.json naive2.json wordfreq.json
echo "hello, not a profile" >text.txt
status "a file that is not a profile" 2 "$MK" diff text.txt naive.json
check "the line names the file" grep -q "text.txt: not a memkit or DHAT profile" "$T/se"
head -c 2000 naive.json >trunc.json
status "a truncated file" 2 "$MK" diff naive.json trunc.json
check "the line names the file and where it ended" grep -q "trunc.json: .*(at byte" "$T/se"
status "a missing file" 2 "$MK" diff naive.json missing.json
status "an unknown --format" 2 "$MK" diff --format svg naive.json wordfreq.json

# ---- valgrind's file against memkit's ----
if command -v valgrind >/dev/null; then
    $CC -O2 -g -o basic "$TOP/tests/analyzer/progs/basic.c"
    valgrind --tool=dhat --dhat-out-file=vg.json ./basic >/dev/null 2>&1
    "$MK" run -o mk.json --format dhat -- ./basic >/dev/null 2>&1
    "$MK" diff vg.json mk.json >vg.txt 2>vg.err
    check "valgrind's file vs memkit's: exit 0" test $? -eq 0
    check "valgrind's file vs memkit's: same program, no warning" test ! -s vg.err
    check "no wall time (valgrind counts instructions)" sh -c "! grep -q '^Wall time' vg.txt"
    check "every site matched across the two tools (by function and file:line)" grep -Eq "; ([0-9]+) matched by stack, 0 gone, 0 new" vg.txt
    check "valgrind's extra block (memkit's reserve) or none: totals compared" grep -q "^Total bytes:" vg.txt
else
    skip "valgrind's file vs memkit's (valgrind not installed)"
fi

# ---- the differential HTML page, in Chromium ----
python3 "$TOP/tests/html/mkdhat.py" hostile before.json
python3 -c "
import json; d=json.load(open('before.json', encoding='utf-8', errors='surrogateescape'))
d['mkTimeline']['points'] = [[t * 2, b * 3, k, tot] for t, b, k, tot in d['mkTimeline']['points']]
d['pps'][0]['tb'] *= 3; d['te'] *= 2; d['tg'] *= 2
json.dump(d, open('after.json', 'w', encoding='utf-8', errors='surrogateescape'), ensure_ascii=False)"
"$MK" diff --format html before.json after.json >diff.html 2>/dev/null
check "diff --format html: written" test -s diff.html
NM=$TOP/tests/analyzer/node_modules
if command -v node >/dev/null && [ -x /usr/bin/chromium ] && [ -d "$NM/playwright-core" ]; then
    mkdir -p "$TOP/build/html-test"
    "$MK" diff --format html naive.json wordfreq.json >demo.html 2>/dev/null
    for f in diff demo; do
        extra=
        [ $f = diff ] && extra=', "text": ["before t-gmax", "after t-gmax"]'
        printf '{"file": "%s", "screenshot": "%s", "interact": true, "diff": true, "search": "main"%s}\n' \
            "$T/$f.html" "$TOP/build/html-test/diff-$f.png" "$extra" >spec.json
        NODE_PATH=$NM node "$TOP/tests/html/page.js" spec.json >page.out 2>&1
        while IFS= read -r l; do
            case $l in
            "ok   "*) tally 1 0; echo "ok   diff page ($f): ${l#ok   }" ;;
            "FAIL "*) tally 0 1; echo "FAIL diff page ($f): ${l#FAIL }" ;;
            esac
        done <page.out
    done
else
    skip "the differential page in Chromium (needs node, /usr/bin/chromium, playwright-core: run tests/html first)"
fi

finish
