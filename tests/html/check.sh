#!/bin/sh
# check.sh - the HTML report (`--format html`) in a real browser: Debian's Chromium driven by
# playwright-core (tests/analyzer's node setup), through page.js. Real profiles (memkit run on
# examples/wordfreq and tests/analyzer/progs/basic.c, valgrind's DHAT on the latter), a hand-made
# profile with hostile frame names and a timeline (mkdhat.py hostile), one with no sites, and a big
# one (10,000 sites, 50,000 frames). Screenshots stay in build/html-test/. Parts that lack node,
# Chromium or valgrind print a SKIP line. Runs after `make MODE=rel all`.
cd "$(dirname "$0")/../.." || exit 2
TOP=$(pwd)
MK=${MEMKIT_BIN:-$TOP/build/rel/memkit}
HERE=$TOP/tests/html
SHOTS=$TOP/build/html-test
T=$(mktemp -d "${TMPDIR:-/tmp}/memkit-html.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$TOP/tests/lib.sh"
suite html
check() { name=$1; shift; if "$@" >"$T/out" 2>&1; then ok "$name"; else bad "$name" "$T/out"; fi; }
[ -x "$MK" ] || { bad "html: $MK missing (run make MODE=rel all)"; finish; }
command -v python3 >/dev/null || skip_suite "html: python3 is needed"
mkdir -p "$SHOTS"

# The browser: node, playwright-core (installed into tests/analyzer like that suite does), chromium.
BROWSER=
NM=$TOP/tests/analyzer/node_modules
if command -v node >/dev/null && [ -x /usr/bin/chromium ]; then
    if [ ! -d "$NM/playwright-core" ] && command -v npm >/dev/null; then
        (cd "$TOP/tests/analyzer" && npm install --no-audit --no-fund >/dev/null 2>&1)
    fi
    [ -d "$NM/playwright-core" ] && BROWSER=yes || BROWSER="npm install of playwright-core failed"
else
    BROWSER="needs node and /usr/bin/chromium"
fi
# page NAME SPEC-JSON: page.js's own ok/FAIL lines are counted one by one.
page() {
    if [ "$BROWSER" != yes ]; then skip "$1 ($BROWSER)"; return; fi
    printf '%s\n' "$2" >"$T/spec.json"
    NODE_PATH=$NM node "$HERE/page.js" "$T/spec.json" >"$T/page.out" 2>&1
    while IFS= read -r l; do
        case $l in
        "ok   "*) tally 1 0; echo "ok   $1: ${l#ok   }" ;;
        "FAIL "*) tally 0 1; echo "FAIL $1: ${l#FAIL }" ;;
        *) echo "     $l" ;;
        esac
    done <"$T/page.out"
    grep -q '^ok ' "$T/page.out" || { tally 0 1; echo "FAIL $1: page.js reported nothing"; }
}
# The text report's totals lines, as JSON strings for page.js ("Total: ... blocks", ...).
totals_json() {
    "$MK" report "$1" | sed -n '/^Total:/p; /^At t-gmax:/p; /^At t-end:/p; /^Frees:/p' |
        python3 -c 'import json, sys; print(json.dumps([l.rstrip("\n") for l in sys.stdin]))'
}
# The stacked areas a page's chart should draw: its top 8 sites of the detailed points, and the rest.
layers() { python3 "$HERE/timeline.py" --layers "$1"; }
utf8_ok() { python3 -c "open('$1', 'rb').read().decode('utf-8')"; }

# ---- a real run: memkit run --format html writes the page beside the DHAT file ----
$CC -O2 -g -o "$T/basic" "$TOP/tests/analyzer/progs/basic.c" || { bad "build progs/basic.c"; finish; }
B=$TOP/build/rel/examples/wordfreq
if [ -x "$B/naive" ] && [ -x "$B/gen" ]; then
    "$B/gen" 1 >"$T/words.txt"
    (cd "$T" && "$MK" run -o naive.json --format dhat,html,text -- "$B/naive" words.txt >/dev/null 2>run.err)
    check "memkit run --format html exits with the program's status" test $? -eq 0
    check "memkit run prints the page's name" grep -q "^memkit: wrote naive.html (open it in a browser)" "$T/run.err"
    check "the page is beside the DHAT file" test -s "$T/naive.html"
    "$MK" report --format html "$T/naive.json" >"$T/report.html"
    check "memkit report --format html exits 0" test $? -eq 0
    check "the page is one file: no src= or href= leaving it" sh -c "! grep -Eq '(src|href)=\"(https?:|//|file:)' '$T/report.html'"
    check "the page forbids every request (Content-Security-Policy default-src 'none')" grep -q "default-src 'none'" "$T/report.html"
    # A timeline is drawn exactly when the recorder wrote one into the file.
    has_tl=$(python3 -c "import json; print('true' if 'mkTimeline' in json.load(open('$T/naive.json')) else 'false')")
    page "naive.c's report" "{\"file\": \"$T/report.html\", \"screenshot\": \"$SHOTS/report.png\", \"interact\": true,
        \"search\": \"count_word\", \"timeline\": $has_tl, \"advice\": true, \"totals\": $(totals_json "$T/naive.json"),
        \"text\": [\"Program: \", \"naive words.txt\"], \"expectFrames\": [\"main\", \"count_word\"]}"
else
    skip "memkit run --format html (examples/wordfreq not built)"
fi

# ---- the heap over time comes from the model: a run without dhat, and a recorder's state file ----
if [ -x "$B/naive" ] && [ -x "$B/gen" ]; then
    (cd "$T" && "$MK" run -o nodhat.json --format html,text -- "$B/naive" words.txt >/dev/null 2>nodhat.err)
    check "memkit run --format html (no dhat) writes the page alone" sh -c "test -s '$T/nodhat.html' && test ! -e '$T/nodhat.json'"
    check "memkit run --format html (no dhat): the page carries the run's timeline and detailed points" \
        python3 "$HERE/timeline.py" "$T/nodhat.html"
    nodhat_totals=$(sed -n '/^Total:/p; /^At t-gmax:/p; /^At t-end:/p; /^Frees:/p' "$T/nodhat.err" |
        python3 -c 'import json, sys; print(json.dumps([l.rstrip("\n") for l in sys.stdin]))')
    page "memkit run --format html without dhat" "{\"file\": \"$T/nodhat.html\", \"timeline\": true,
        \"stacked\": $(layers "$T/nodhat.html"), \"totals\": $nodhat_totals, \"text\": [\"exited with status 0\"]}"
    mkdir -m 700 "$T/state"
    (cd "$T" && MEMKIT_STATE="$T/state" MEMKIT_OUT="$T/state/raw.%p" LD_PRELOAD="$TOP/build/rel/libmemkit-prof.so" \
        "$B/naive" words.txt >/dev/null)
    st=$(ls "$T/state"/state.* 2>/dev/null | head -n 1)
    check "the recorder left a state file" test -n "$st"
    "$MK" report --format html "$st" >"$T/state.html" 2>"$T/err"
    check "memkit report --format html of a state file exits 0" test $? -eq 0
    "$MK" report --format dhat "$st" >"$T/state.json" 2>>"$T/err"
    check "state file: the page's timeline, detailed points, state size and ending are the DHAT file's" \
        python3 "$HERE/timeline.py" "$T/state.html" "$T/state.json"
    page "a state file's report" "{\"file\": \"$T/state.html\", \"timeline\": true, \"stacked\": $(layers "$T/state.html"),
        \"totals\": $(totals_json "$T/state.json"), \"text\": [\"exited with status 0\"]}"
else
    skip "the heap over time from the model (examples/wordfreq not built)"
fi

# ---- hostile frame names, a timeline with detailed points, how the program ended ----
python3 "$HERE/mkdhat.py" hostile "$T/hostile.json"
"$MK" report --format html "$T/hostile.json" >"$T/hostile.html" 2>"$T/err"
check "hostile names: the report is written" test $? -eq 0
check "hostile names: the page is valid UTF-8 (invalid bytes replaced)" utf8_ok "$T/hostile.html"
check "hostile names: only the page's own two </script> tags" test "$(grep -o '</script>' "$T/hostile.html" | wc -l)" -eq 2
check "hostile names: '<' inside the data is \\u003c" grep -q 'evil\\u003c/script\\u003e\\u003cscript\\u003ewindow.__mk_pwned' "$T/hostile.html"
check "hostile names: the 10,000-character template name is kept whole" sh -c "grep -o 'std::map\\\\u003cstd::vector[^\"]*find' '$T/hostile.html' | awk '{ exit !(length(\$0) > 9900) }'"
page "hostile names and a timeline" "{\"file\": \"$T/hostile.html\", \"screenshot\": \"$SHOTS/hostile.png\", \"interact\": true,
    \"search\": \"evil\", \"searchShare\": $(python3 -c 'print(5000/12200)'), \"timeline\": true, \"stacked\": 5,
    \"totals\": $(totals_json "$T/hostile.json"), \"text\": [\"killed by signal 9 (Killed)\", \"./evil --flag=\\\"</script>\\\"\"],
    \"expectFrames\": [\"evil</script><script>window.__mk_pwned=1</script>\", \"quote\\\"s 'and' \\\\back\\\\slash\",
                       \"bad\\ufffd\\ufffdutf8\\ufffd\", \"<img src=x onerror=\\\"window.__mk_pwned=1\\\"> <!-- \\u2028 &\"]}"

# ---- a profile with no sites: one line on stderr, a page that says so ----
python3 "$HERE/mkdhat.py" empty "$T/empty.json"
"$MK" report --format html "$T/empty.json" >"$T/empty.html" 2>"$T/err"
check "no sites: the page is still written (exit 0)" test $? -eq 0
check "no sites: one line says so" sh -c "test \$(wc -l <'$T/err') -eq 1 && grep -q 'has no allocation sites' '$T/err'"
page "a profile with no sites" "{\"file\": \"$T/empty.html\", \"notes\": [\"no allocation sites\"], \"timeline\": false,
    \"totals\": $(totals_json "$T/empty.json")}"

# ---- a DHAT file written by valgrind: no timeline, no extras, and the page says so ----
if command -v valgrind >/dev/null; then
    (cd "$T" && valgrind --tool=dhat --dhat-out-file="$T/vg.json" ./basic >/dev/null 2>"$T/vg.err")
    "$MK" report --format html "$T/vg.json" >"$T/vg.html"
    check "valgrind's file: the page is written" test $? -eq 0
    page "valgrind's DHAT file" "{\"file\": \"$T/vg.html\", \"screenshot\": \"$SHOTS/valgrind.png\", \"interact\": true,
        \"search\": \"main\", \"timeline\": false, \"totals\": $(totals_json "$T/vg.json"),
        \"notes\": [\"no timeline\", \"not written by memkit's recorder\", \"How the program ended is not recorded\"]}"
else
    skip "valgrind's DHAT file (valgrind not installed)"
fi

# ---- big: 10,000 sites over 50,000 distinct frames (timing: bench/html_speed.sh) ----
python3 "$HERE/mkdhat.py" big "$T/big.json"
"$MK" report --format html "$T/big.json" >"$T/big.html"
check "big profile: the page is written" test $? -eq 0
size=$(wc -c <"$T/big.html")
check "big profile: the page is under 10 MB ($size bytes)" test "$size" -lt 10000000
page "big profile (10,000 sites, 50,000 frames)" "{\"file\": \"$T/big.html\", \"screenshot\": \"$SHOTS/big.png\",
    \"totals\": $(totals_json "$T/big.json"), \"timeline\": true}"
finish
