#!/bin/sh
# check.sh - `memkit diff`: real runs of examples/wordfreq (the same program twice: every site
# matches although ASLR moved every address; naive vs memkit version: the allocations drop site by
# site, paired by function names and by job), made-up profiles for the matching passes, valgrind's
# file against memkit's, folded and HTML output (in Chromium), --fail-if-grew and
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

# ---- the loose passes on the demo: the same functions allocate less, site by site ----
check "demo: sites paired by function names and by job, counted" grep -Eq "^Sites: .* matched by stack, [1-9][0-9]* by function names \(~\), [1-9][0-9]* by job \(~~\), " demo.txt
check "demo: report's qsort matched by function names, its lines moved" sh -c "grep -q '\[~ same functions\]' demo.txt && grep -Eq '^    report \(naive\.c:[0-9]+ -> wordfreq\.c:[0-9]+\)$' demo.txt"
# every count_word site of naive.c is paired with one of wordfreq.c's and shows its drop
python3 - demo.txt naive.json <<'PY' >jobs.out 2>&1
import json, re, sys
text = open(sys.argv[1]).read()
blocks = re.split(r"\n(?=#\d+: )", text)
jobs = [b for b in blocks if "[~~ same job: count_word <- main]" in b.splitlines()[0]]
naive = [p for p in json.load(open(sys.argv[2]))["pps"] if any("count_word (naive.c:" in json.load(open(sys.argv[2]))["ftbl"][f] for f in p["fs"])]
ok = len(jobs) == len(naive) and len(jobs) >= 3
for b in jobs:
    m = re.search(r"total: ([\d,]+) -> ([\d,]+) bytes, ([\d,]+) -> ([\d,]+) blocks", b)
    tb0, tb1, bk0, bk1 = (int(x.replace(",", "")) for x in m.groups())
    head = b.splitlines()[0]
    ok &= tb1 < tb0 and bk1 < bk0 and head.startswith("#%s: -" % head[1:head.index(":")])
    ok &= "    after:\n" in b and "count_word (wordfreq.c:" in b.split("    after:\n")[1]
print("count_word sites paired: %d of naive's %d" % (len(jobs), len(naive)))
sys.exit(0 if ok else 1)
PY
check "demo: each of naive's count_word sites paired by job with one of wordfreq's, fewer bytes and blocks ($(head -1 jobs.out))" test $? -eq 0
check "demo: read_file's growing buffer is gone (wordfreq maps the file)" grep -q "^#1: -[0-9,]* bytes (-100.0%) \[gone\]" demo.txt

# ---- the passes on made-up profiles: exact first, each site at most once, largest first ----
python3 - "$TOP/tests/html" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import mkdhat
def prof(path, cmd, sites):
    ftbl = ["[root]"]
    pps = []
    for tb, tbk, frames in sites:
        fs = []
        for f in frames:
            if f not in ftbl: ftbl.append(f)
            fs.append(ftbl.index(f))
        pps.append(mkdhat.pp(tb, tbk, 0, 0, 0, 0, fs))
    head = mkdhat.header(cmd, 1000, 500)
    head["mkTotals"] = {"tb": sum(s[0] for s in sites), "tbk": sum(s[1] for s in sites), "gb": 0, "gbk": 0, "eb": 0,
                        "ebk": 0, "frees": 0, "unknownFrees": 0, "reallocs": 0, "threads": 1, "recorderBytes": 0}
    mkdhat.write(path, head, pps, ftbl)
F = lambda name, loc: "0x4010%02x: %s (%s)" % (len(name) + len(loc), name, loc)
# exact wins: f at a.c:1 exists in both; f at a.c:2 (larger) must not take its place
prof("ex-b.json", "./p", [(1000, 10, [F("f", "a.c:1"), F("main", "a.c:9")]), (5000, 50, [F("f", "a.c:2"), F("main", "a.c:9")])])
prof("ex-a.json", "./p", [(100, 1, [F("f", "a.c:1"), F("main", "a.c:9")])])
# at most once, largest first: three before sites, two after sites, one function stack
prof("once-b.json", "./p", [(200, 2, [F("g", "b.c:2"), F("main", "b.c:9")]), (300, 3, [F("g", "b.c:3"), F("main", "b.c:9")]),
                            (100, 1, [F("g", "b.c:1"), F("main", "b.c:9")])])
prof("once-a.json", "./p", [(7, 1, [F("g", "b.c:12"), F("main", "b.c:19")]), (30, 1, [F("g", "b.c:13"), F("main", "b.c:19")])])
# the same sites in the other order
prof("once-b2.json", "./p", [(100, 1, [F("g", "b.c:1"), F("main", "b.c:9")]), (300, 3, [F("g", "b.c:3"), F("main", "b.c:9")]),
                             (200, 2, [F("g", "b.c:2"), F("main", "b.c:9")])])
# the job: other allocating functions under the same function of main
prof("job-b.json", "./p", [(9000, 90, [F("h", "c.c:5"), F("work", "c.c:20"), F("main", "c.c:30")])])
prof("job-a.json", "./p", [(90, 1, [F("k", "lib.c:7"), F("inner", "c.c:40"), F("work", "c.c:21"), F("main", "c.c:31")]),
                           (50, 1, [F("h", "c.c:5"), F("other", "c.c:50"), F("main", "c.c:31")])])
PY
"$MK" diff --top 0 ex-b.json ex-a.json >ex.txt 2>&1
check "exact pass wins: f (a.c:1) matched by stack, the larger f (a.c:2) gone, nothing loose" sh -c "grep -q '; 1 matched by stack, 1 gone, 0 new' ex.txt && ! grep -q '~' ex.txt && grep -A3 '^#1: -5,000 bytes (-100.0%) \[gone\]' ex.txt | grep -q 'f (a.c:2)' && grep -A3 '^#2: -900 bytes (-90.0%)\$' ex.txt | grep -q '^    f (a.c:1)\$'"
"$MK" diff --top 0 once-b.json once-a.json >once.txt 2>&1
check "each site matched at most once: 2 by function names, 1 gone" grep -q "; 0 matched by stack, 2 by function names (~), 1 gone, 0 new" once.txt
check "largest first: 300 -> 30 and 200 -> 7 paired, 100 gone" sh -c "grep -q '^    total: 300 -> 30 bytes' once.txt && grep -q '^    total: 200 -> 7 bytes' once.txt && grep -q '^    total: 100 -> 0 bytes' once.txt && grep -q '^    g (b.c:3 -> b.c:13)\$' once.txt"
"$MK" diff --top 0 once-b2.json once-a.json 2>&1 | sed 's/once-b2/once-b/' >once2.txt
check "the pairing does not depend on the sites' order in the file" cmp -s once.txt once2.txt
"$MK" diff --format folded once-b.json once-a.json >once.folded 2>/dev/null
check "folded after loose matching: the columns still add up (600 37)" test "$(awk '{ b += $(NF-1); a += $NF } END { print b, a }' once.folded)" = "600 37"
"$MK" diff --top 0 job-b.json job-a.json >job.txt 2>&1
check "a job match is marked ~~ and names the job; the other site stays new" sh -c "grep -q '^#1: -8,910 bytes (-99.0%) \[~~ same job: work <- main\]\$' job.txt && grep -q '; 0 matched by stack, 1 by job (~~), 0 gone, 1 new' job.txt && grep -q '^      k (lib.c:7)\$' job.txt"
"$MK" diff --format folded job-b.json job-a.json >job.folded 2>/dev/null
check "folded: a job match keeps each run's bytes at its own stack" sh -c "grep -qx 'main;work;h 9000 0' job.folded && grep -qx 'main;work;inner;k 0 90' job.folded"

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
