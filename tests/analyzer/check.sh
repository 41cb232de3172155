#!/bin/sh
# check.sh - the analyzer's suite: `memkit run` and `memkit report` as a user would try them.
#
# Part 1 needs no recorder: raw profiles written by mkraw.py point at real call sites of
# progs/basic.c, so symbolization, merging, the DHAT writer, the reader and the command line are
# tested for real. Part 2 runs programs under the recorder and compares with valgrind's DHAT and
# loads the file into valgrind's dh_view.html in headless Chromium; each part that lacks a tool (or
# the recorder) says SKIP in one line. Runs after `make MODE=rel all` (build/rel/memkit exists).
cd "$(dirname "$0")/../.." || exit 2
TOP=$(pwd)
MK=${MEMKIT_BIN:-$TOP/build/rel/memkit} # MEMKIT_BIN=build/asan/memkit runs the suite under ASan
HERE=$TOP/tests/analyzer
T=$(mktemp -d "${TMPDIR:-/tmp}/memkit-analyzer.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$TOP/tests/lib.sh"
suite analyzer
check() { # check NAME COMMAND...: passes when the command succeeds; its output is shown on failure
    name=$1; shift
    if "$@" >"$T/out" 2>&1; then ok "$name"; else bad "$name" "$T/out"; fi
}
has() { grep -qF -- "$2" "$1"; }
# An ASan-built memkit (MEMKIT_BIN=build/asan/memkit) refuses to start under LD_PRELOAD, and preloads
# an ASan-built recorder into uninstrumented programs: the tests that need that are skipped then.
NOPRELOAD=
ldd "$MK" 2>/dev/null | grep -q libasan && NOPRELOAD="an ASan memkit and LD_PRELOAD do not mix"
preload() { # preload NAME COMMAND...: check, unless preloading is impossible here
    if [ -n "$NOPRELOAD" ]; then skip "$1 ($NOPRELOAD)"; else check "$@"; fi
}
line_of() { grep -n "SITE:$1 " "$HERE/progs/basic.c" | cut -d: -f1; }

[ -x "$MK" ] || { bad "analyzer: build/rel/memkit missing (run make MODE=rel all)"; finish; }
command -v python3 >/dev/null || skip_suite "analyzer: python3 is needed"

# The test program, built as users build: -O2 -g, PIE.
$CC -O2 -g -o "$T/basic" "$HERE/progs/basic.c" || { echo "analyzer: cannot build progs/basic.c"; exit 1; }
for p in "$HERE"/progs/*.c; do
    n=$(basename "$p" .c)
    [ "$n" = basic ] || $CC -O2 -g -o "$T/$n" "$p" -lpthread || bad "build progs/$n.c"
done

# ---- Part 1: synthetic raw profiles -------------------------------------------------------------
cat >"$T/spec.json" <<JSON
{"pid": 777, "te": 2000, "tg": 900, "cmd": ["./basic", "a \"quoted\" arg\\\\with\\nnewline"],
 "modules": [{"path": "$T/basic", "bias": 93824992231424}],
 "sites": [
  {"frames": ["rec+0x10", "rec+0x20", "make_buf>malloc", "main>make_buf#0"], "tb": 1000, "tbk": 10, "tl": 50,
   "mb": 100, "mbk": 1, "temporary": 10, "short_lived": 10, "min_size": 100, "max_size": 100},
  {"frames": ["rec+0x30", "make_buf>malloc", "main>make_buf#0"], "tb": 100, "tbk": 1, "tl": 5, "mb": 100, "mbk": 1,
   "temporary": 1, "min_size": 100, "max_size": 100},
  {"frames": ["make_zeroed>calloc", "main>make_zeroed"], "tb": 200, "tbk": 1, "tl": 100, "mb": 200, "mbk": 1,
   "gb": 200, "gbk": 1, "kind": 1, "min_size": 200, "max_size": 200},
  {"frames": ["via_inline>malloc", "main>via_inline"], "tb": 64, "tbk": 1, "tl": 100, "mb": 64, "mbk": 1,
   "gb": 64, "gbk": 1, "min_size": 64, "max_size": 64},
  {"frames": ["grow>realloc", "main>grow"], "tb": 2032, "tbk": 7, "tl": 100, "mb": 1024, "mbk": 1, "gb": 1024,
   "gbk": 1, "reallocs": 7, "max_chain": 6, "kind": 2, "min_size": 16, "max_size": 1024, "small": 1},
  {"frames": ["make_buf>malloc", "main>make_buf#1"], "tb": 333, "tbk": 1, "tl": 10, "mb": 333, "mbk": 1, "gb": 333,
   "gbk": 1, "eb": 333, "ebk": 1, "min_size": 333, "max_size": 333}
 ],
 "totals": {"tb": 3729, "tbk": 21, "gb": 1621, "gbk": 4, "eb": 333, "ebk": 1, "frees": 20, "reallocs": 7, "threads": 1}}
JSON
python3 "$HERE/mkraw.py" "$T/spec.json" "$T/a.raw" || { bad "mkraw.py writes a raw profile"; }

"$MK" report --top 0 "$T/a.raw" >"$T/a.txt" 2>"$T/a.err"
check "report of a raw profile succeeds" test $? -eq 0
check "text report opens with DHAT's totals" sh -c "grep -q '^Total:     3,729 bytes in 21 blocks\$' '$T/a.txt' &&
    grep -q '^At t-gmax: 1,621 bytes in 4 blocks\$' '$T/a.txt' && grep -q '^At t-end:  333 bytes in 1 blocks\$' '$T/a.txt'"
check "recorder frames are dropped" sh -c "! grep -q 'libmemkit-prof' '$T/a.txt' && ! grep -q '???' '$T/a.txt'"
check "sites whose stacks became equal are merged" grep -q '^#2: 1,100 bytes (29.5%) in 11 blocks' "$T/a.txt"
check "5 sites after merging" grep -q '^All 5 of 5 sites by total bytes:' "$T/a.txt"
check "function and line of the allocation call" grep -q ": make_buf (basic.c:$(line_of make_buf))\$" "$T/a.txt"
check "function and line of the caller (return address - 1)" grep -q ": main (basic.c:$(line_of main_leak))\$" "$T/a.txt"
check "DWARF names, not clone symbols (make_zeroed.constprop.0)" grep -q ": make_zeroed (basic.c:$(line_of make_zeroed))\$" "$T/a.txt"
check "inlined frames: the inline function, then its caller at the call line" sh -c "
    grep -A1 ': inlined_alloc (basic.c:$(line_of inlined_alloc))\$' '$T/a.txt' | grep -q ': via_inline (basic.c:$(line_of via_inline_call))\$'"
check "recorder figures per site (temporary, reallocs, chain, sizes)" sh -c "
    grep -q 'temporary: 11 blocks (100.0%); short-lived (< 10 µs): 10; reallocs: 0' '$T/a.txt' &&
    grep -q 'reallocs: 7 (at most 6 per block)' '$T/a.txt' && grep -q 'sizes: 16 to 1,024 bytes; 1 blocks of at most 24' '$T/a.txt'"
check "the command line is shown" has "$T/a.txt" 'heap profile of `./basic a "quoted" arg\with'

"$MK" report --format dhat "$T/a.raw" >"$T/a.json" 2>"$T/out"
check "DHAT file is valid per DHAT-FORMAT.md and adds up" python3 "$HERE/dhatcheck.py" valid "$T/a.json" 3729 21 1621 4 333 1
check "DHAT cmd survives JSON escaping" python3 -c "
import json,sys; d=json.load(open('$T/a.json')); sys.exit(d['cmd'] != './basic a \"quoted\" arg\\\\with\\nnewline')"
check "DHAT frame strings follow the convention" python3 -c "
import json,re,sys; d=json.load(open('$T/a.json'))
sys.exit(not all(re.match(r'0x[0-9A-F]+: \S+ \((basic.c:\d+|in .*)\)$', f) for f in d['ftbl'][1:]))"
"$MK" report --top 0 "$T/a.json" >"$T/b.txt" 2>&1
check "a saved DHAT file renders the same report again" cmp "$T/a.txt" "$T/b.txt"
"$MK" report --format dhat "$T/a.json" >"$T/b.json" 2>&1
check "DHAT -> model -> DHAT is stable" cmp "$T/a.json" "$T/b.json"

"$MK" report --format folded "$T/a.raw" >"$T/a.folded" 2>&1
check "folded: one line per stack, outermost first, merged by function" sh -c "
    grep -qx 'main;make_buf 1433' '$T/a.folded' && grep -qx 'main;via_inline;inlined_alloc 64' '$T/a.folded' &&
    [ \$(wc -l <'$T/a.folded') -eq 4 ]"
"$MK" report --sort blocks --top 1 "$T/a.raw" >"$T/s.txt" 2>&1
check "--sort blocks --top 1" sh -c "grep -q '^Top 1 of 5 sites by total blocks' '$T/s.txt' && grep -q '^#1: 1,100 bytes' '$T/s.txt' && ! grep -q '^#2' '$T/s.txt'"
"$MK" report --sort leaks "$T/a.raw" >"$T/s.txt" 2>&1
check "--sort leaks" grep -q '^#1: 333 bytes' "$T/s.txt"
"$MK" report --sort peak "$T/a.raw" >"$T/s.txt" 2>&1
check "--sort peak" grep -q '^#1: 2,032 bytes' "$T/s.txt"
"$MK" report --sort temporary "$T/a.raw" >"$T/s.txt" 2>&1
check "--sort temporary" grep -q '^#1: 1,100 bytes' "$T/s.txt"
"$MK" report --format text,folded,dhat "$T/a.raw" >"$T/all.txt" 2>&1
check "--format with all three" sh -c "grep -q '^Total:' '$T/all.txt' && grep -q '^main;grow 2032' '$T/all.txt' && grep -q dhatFileVersion '$T/all.txt'"

# C++: names demangled as valgrind shows them, parentheses and all, in text and folded output.
if command -v g++ >/dev/null && g++ -O2 -g -o "$T/widget" "$HERE/progs/widget.cpp"; then
    cat >"$T/cxx.json" <<JSON
{"pid": 778, "cmd": ["./widget"], "modules": [{"path": "$T/widget", "bias": 93824992231424}],
 "sites": [{"frames": ["_ZN6Widget4makeEi>_Znwm", "main>_ZN6Widget4makeEi"], "tb": 8, "tbk": 1, "mb": 8, "mbk": 1},
           {"frames": ["_ZN6Widget4makeEi>_Znam", "main>_ZN6Widget4makeEi"], "tb": 44, "tbk": 1, "mb": 44, "mbk": 1}],
 "totals": {"tb": 52, "tbk": 2}}
JSON
    python3 "$HERE/mkraw.py" "$T/cxx.json" "$T/cxx.raw"
    "$MK" report --format text,folded "$T/cxx.raw" >"$T/cxx.txt" 2>&1
    wl() { grep -n "SITE:$1\$" "$HERE/progs/widget.cpp" | cut -d: -f1; }
    check "C++ frames demangled: Widget::make(int) at its lines" sh -c "
        grep -q ': Widget::make(int) (widget.cpp:$(wl widget_new))\$' '$T/cxx.txt' &&
        grep -q ': Widget::make(int) (widget.cpp:$(wl widget_array))\$' '$T/cxx.txt' && grep -q ': main (widget.cpp:$(wl widget_main))\$' '$T/cxx.txt'"
    check "folded keeps a C++ name whole (its parentheses are not the location)" grep -qx 'main;Widget::make(int) 52' "$T/cxx.txt"
else
    skip "C++ demangling (no g++)"
fi

# A module rebuilt since the profile (its build-id differs) is left unsymbolized, with a warning.
sed 's/"bias": 93824992231424}/"bias": 93824992231424, "build_id": "wrong"}/' "$T/spec.json" >"$T/spec2.json"
python3 "$HERE/mkraw.py" "$T/spec2.json" "$T/w.raw"
"$MK" report "$T/w.raw" >"$T/w.txt" 2>"$T/w.err"
check "changed binary: warned, not misnamed" sh -c "grep -q 'build-id differs' '$T/w.err' && ! grep -q make_buf '$T/w.txt' && grep -q '(in $T/basic)' '$T/w.txt'"

# Bad input: a clear one-line error naming the path, exit status 1.
: >"$T/empty"
echo 'hello' >"$T/notjson"
echo '{"a": [1, 2]}' >"$T/notdhat.json"
head -c 300 "$T/a.raw" >"$T/cut.raw"
head -c 300 "$T/a.json" >"$T/cut.json"
for f in "$T/missing.json:No such file" "$T:is a directory" "$T/empty:empty" "$T/notjson:not a memkit or DHAT profile" \
         "$T/notdhat.json:not a DHAT profile" "$T/cut.raw:" "$T/cut.json:"; do
    path=${f%%:*} want=${f#*:}
    "$MK" report "$path" >"$T/o" 2>"$T/e"
    st=$?
    check "bad profile $(basename "$path") -> exit 1, one line naming it${want:+ ($want)}" sh -c "
        [ $st -eq 1 ] && [ ! -s '$T/o' ] && [ \$(wc -l <'$T/e') -eq 1 ] && grep -qF -- '$path' '$T/e' && grep -qF -- '$want' '$T/e'"
done

# Numbers in a DHAT file are integer counts of at most 2^53 - 1 (the most a profile holds): a
# fraction, an exponent or a larger count is refused in one line naming the field, never truncated.
dhat_edit() { # dhat_edit OUT PYTHON-STATEMENT: a.json with one edit (d is the parsed file)
    python3 -c "
import json; d=json.load(open('$T/a.json')); $2; open('$1', 'w').write(json.dumps(d).replace('\"BIG\"', '18446744073709551615').replace('\"EXP\"', '1e3'))"
}
dhat_edit "$T/frac.json" "d['pps'][0]['tb'] = 1.5"
dhat_edit "$T/expo.json" "d['pps'][0]['mb'] = 'EXP'"
dhat_edit "$T/big.json" "d['mkTotals']['tb'] = 'BIG'"
dhat_edit "$T/2p53.json" "d['pps'][0]['tb'] = 2**53"
for f in "frac.json:\"tb\" must be a non-negative integer, not 1.5" "expo.json:\"mb\" must be a non-negative integer, not 1e3" \
         "big.json:\"tb\" is 18446744073709551615, more than a profile can hold" "2p53.json:more than a profile can hold (at most 9007199254740991)"; do
    path=$T/${f%%:*} want=${f#*:}
    "$MK" report "$path" >"$T/o" 2>"$T/e"
    st=$?
    check "bad DHAT number in ${f%%:*} -> exit 1, one line ($want)" sh -c "
        [ $st -eq 1 ] && [ ! -s '$T/o' ] && [ \$(wc -l <'$T/e') -eq 1 ] && grep -qF -- '$path' '$T/e' && grep -qF -- '$want' '$T/e'"
done
dhat_edit "$T/max.json" "d['pps'][0]['tb'] = 2**53 - 1; d['mkTotals']['tb'] = 2**53 - 1"
"$MK" report "$T/max.json" >"$T/o" 2>&1
check "the largest count, 2^53 - 1, is accepted" grep -q '^Total:     9,007,199,254,740,991 bytes' "$T/o"
# A key repeated in a program point: the last one counts, as for any JSON reader ("fs" included).
fs40=$(python3 -c "print(','.join(['1'] * 40))")
printf '{"dhatFileVersion":2,"pps":[{"tb":5,"tbk":1,"fs":[1],"fs":[%s]}],"ftbl":["[root]","0x1: f (f.c:1)"]}' "$fs40" >"$T/dupfs.json"
"$MK" report "$T/dupfs.json" >"$T/o" 2>&1
check "a repeated fs key replaces the first (40 frames, not 41)" sh -c "[ \$(grep -c '^    0x1: f (f.c:1)\$' '$T/o') -eq 40 ]"
check "a site's mb is named for what it is, not its peak" sh -c "
    grep -q '^    at its last global-peak event: 1,024 bytes in 1 blocks; at t-gmax: 1,024 bytes' '$T/a.txt' && ! grep -q '^    peak:' '$T/a.txt'"

# Options: --help everywhere, one-line errors.
for c in run report; do
    "$MK" $c --help >"$T/o" 2>&1
    check "memkit $c --help" sh -c "[ $? -eq 0 ] && grep -q '^usage: memkit $c' '$T/o'"
    "$MK" $c --bogus x >"$T/o" 2>&1
    check "memkit $c --bogus: one-line error, exit 2" sh -c "[ $? -eq 2 ] && [ \$(wc -l <'$T/o') -eq 1 ] && grep -q bogus '$T/o'"
done
for o in "--sort size" "--top -1" "--format xml"; do
    "$MK" report $o "$T/a.raw" >"$T/o" 2>&1
    check "memkit report $o: one-line error" sh -c "[ $? -eq 2 ] && [ \$(wc -l <'$T/o') -eq 1 ]"
done
for o in "--depth 0" "--depth 100000" "--depth 129" "--sample 12Q" "--sample -1" "--sample 18446744073709551616" "--sample 17179869184G" "--format"; do
    "$MK" run $o -- true >"$T/o" 2>&1
    check "memkit run $o: one-line error" sh -c "[ $? -eq 2 ] && [ \$(wc -l <'$T/o') -eq 1 ]"
done
(cd "$T" && "$MK" run --depth 128 -o "$T/d128.json" -- true >"$T/o" 2>&1; echo $? >"$T/st")
"$MK" run --depth 129 -- true >"$T/o129" 2>&1
check "run --depth 129: refused, naming the recorder's limit" grep -q 'from 1 to 128' "$T/o129"
preload "run --depth 128: the recorder keeps 128" sh -c "[ \$(cat '$T/st') -eq 0 ] && grep -q '\"mkDepth\":128' '$T/d128.json'"
"$MK" report >"$T/o" 2>&1
check "memkit report without a file" sh -c "[ $? -eq 2 ] && [ \$(wc -l <'$T/o') -eq 1 ]"

# memkit run: like a shell for programs that cannot start, passes the program's fate through.
(cd "$T" && "$MK" run -- ./no-such-program >"$T/o" 2>&1; echo $? >"$T/st")
check "run: missing program -> 127, 'command not found'" sh -c "[ \$(cat '$T/st') -eq 127 ] && grep -q '^memkit: ./no-such-program: command not found\$' '$T/o' && [ \$(wc -l <'$T/o') -eq 1 ]"
printf 'x' >"$T/noexec"
chmod 644 "$T/noexec"
(cd "$T" && "$MK" run -- ./noexec >"$T/o" 2>&1; echo $? >"$T/st")
check "run: not executable -> 126" sh -c "[ \$(cat '$T/st') -eq 126 ] && grep -q 'Permission denied' '$T/o'"
(cd "$T" && "$MK" run -o "$T/x.json" -- sh -c 'exit 3' >"$T/o" 2>&1; echo $? >"$T/st")
preload "run: exit status passed through" test "$(cat "$T/st")" -eq 3
(cd "$T" && "$MK" run -o "$T/x.json" -- sh -c 'kill -TERM $$' >"$T/o" 2>&1; echo $? >"$T/st")
preload "run: death by a signal passed through (memkit dies of SIGTERM too)" test "$(cat "$T/st")" -eq 143
mkdir "$T/tmpd"
(cd "$T" && TMPDIR="$T/tmpd" "$MK" run -o "$T/x.json" -- sh -c 'exit 0' >"$T/o" 2>&1)
check "run: its private directory under \$TMPDIR is removed afterwards" sh -c "[ -z \"\$(ls -A '$T/tmpd')\" ]"
if $CC -static -O2 -o "$T/static" "$HERE/progs/basic.c" 2>/dev/null; then
    (cd "$T" && "$MK" run -o "$T/st.json" -- ./static >"$T/o" 2>&1; echo $? >"$T/st")
    check "run: a static program -> one line saying no profile, its status kept" sh -c "
        [ \$(cat '$T/st') -eq 0 ] && grep -q '^memkit: no profile: ./static wrote none (statically linked' '$T/o' && [ ! -e '$T/st.json' ]"
else
    skip "run: static program (no static libc)"
fi

# valgrind's own viewer, in headless Chromium (playwright-core from npm, Debian's chromium).
VIEWER=
if command -v node >/dev/null && [ -x /usr/bin/chromium ] && [ -f /usr/libexec/valgrind/dh_view.html ]; then
    if [ ! -d "$HERE/node_modules/playwright-core" ] && command -v npm >/dev/null; then
        (cd "$HERE" && npm install --no-audit --no-fund >/dev/null 2>&1)
    fi
    if [ -d "$HERE/node_modules/playwright-core" ]; then VIEWER=yes; else VIEWER="npm install of playwright-core failed"; fi
else
    VIEWER="needs node, /usr/bin/chromium and /usr/libexec/valgrind/dh_view.html"
fi
viewer() { # viewer NAME FILE: the viewer's Total: line equals the file's sums, and no Error shows
    if [ "$VIEWER" != yes ]; then skip "$1 ($VIEWER)"; return; fi
    want=$(python3 -c "
import json; d=json.load(open('$2'))
print(sum(p['tb'] for p in d['pps']), sum(p['tbk'] for p in d['pps']))")
    check "$1" node "$HERE/viewer.js" "$2" $want
}
viewer "dh_view.html loads the file: Total: 3,729 bytes in 21 blocks, no Error" "$T/a.json"
# The negative control: a repeated stack is what the viewer rejects, and the test notices.
python3 -c "
import json; d=json.load(open('$T/a.json')); d['pps'].append(dict(d['pps'][0])); json.dump(d, open('$T/dup.json', 'w'))"
if [ "$VIEWER" = yes ]; then
    check "viewer test fails on a file with a repeated location" sh -c "! node '$HERE/viewer.js' '$T/dup.json' 1 1 >'$T/v' 2>&1 && grep -q 'repeated location' '$T/v'"
fi
# A file written by valgrind's DHAT renders too, with valgrind's totals.
if command -v valgrind >/dev/null; then
    (cd "$T" && valgrind --tool=dhat --dhat-out-file="$T/vg.json" ./basic >/dev/null 2>"$T/vg.err")
    "$MK" report "$T/vg.json" >"$T/vg.txt" 2>&1
    check "a valgrind DHAT file renders with valgrind's own totals" sh -c "
        for w in 'Total:    ' 'At t-gmax:' 'At t-end: '; do
            a=\$(grep \"== \$w\" '$T/vg.err' | sed 's/.*: *//'); b=\$(grep \"^\$w\" '$T/vg.txt' | sed 's/.*: *//')
            [ -n \"\$a\" ] && [ \"\$a\" = \"\$b\" ] || { echo \"\$w valgrind '\$a' memkit '\$b'\"; exit 1; }
        done"
    "$MK" report --format dhat "$T/vg.json" >"$T/vg2.json" 2>&1
    check "the DHAT comparison agrees on a valgrind file and memkit's rewrite of it" python3 "$HERE/dhatcheck.py" compare "$T/vg2.json" "$T/vg.json"
    (cd "$T" && valgrind --tool=dhat --dhat-out-file="$T/vgp.json" ./peaks >/dev/null 2>&1)
    check "the DHAT comparison notices different profiles" sh -c "! python3 '$HERE/dhatcheck.py' compare '$T/vg.json' '$T/vgp.json'"
else
    skip "valgrind DHAT file through memkit report (valgrind not installed)"
fi

# memkit run's plumbing, with a stand-in recorder next to a copy of memkit (it echoes the
# environment memkit set into the totals of the raw profile it writes at exit).
mkdir -p "$T/bin"
cp "$MK" "$T/bin/memkit"
if $CC -shared -fPIC -O2 -o "$T/bin/libmemkit-prof.so" "$HERE/fakerec.c"; then
    FK=$T/bin/memkit
    (cd "$T" && "$FK" run -o "$T/fk.%p.json" --depth 7 --sample 2K -- ./forker >"$T/o" 2>&1; echo $? >"$T/st")
    check "run: the recorder's environment (depth, sample with K, root pid), %p, status 0" sh -c "
        [ \$(cat '$T/st') -eq 0 ] && grep -q '^Total:     7 bytes in 2,048 blocks' '$T/o' && grep -q '^Frees:     1,.*threads that allocated: 0' '$T/o' &&
        grep -q 'Sampled:   stacks for about one block per 2,048 bytes' '$T/o' && [ \$(ls '$T'/fk.*.json | wc -l) -eq 1 ] &&
        ls '$T'/fk.*.json | grep -qE 'fk\.[0-9]+\.json\$'"
    (cd "$T" && "$FK" run -o "$T/ff.json" --follow-fork --format dhat,text,folded -- ./forker >"$T/o" 2>&1; echo $? >"$T/st")
    check "run --follow-fork: the child's profile too, root first, the child's file gets .<pid>" sh -c "
        [ \$(cat '$T/st') -eq 0 ] && [ \$(grep -c '^Total:' '$T/o') -eq 2 ] && grep -m1 '^Frees:' '$T/o' | grep -q '^Frees:     1,' &&
        [ -f '$T/ff.json' ] && [ \$(ls '$T'/ff.json.* | grep -cE 'ff\.json\.[0-9]+\$') -eq 1 ] && [ -f '$T/ff.folded' ]"
    (cd "$T" && LD_PRELOAD=libm.so.6 "$FK" run --format text -- sh -c 'echo "$LD_PRELOAD"' >"$T/o" 2>"$T/e")
    preload "run: the recorder is prepended to an existing LD_PRELOAD" grep -qx "$T/bin/libmemkit-prof.so:libm.so.6" "$T/o"
    (cd "$T" && "$FK" run --format text -- sh -c 'kill -KILL $$' >"$T/o" 2>&1; echo $? >"$T/st")
    check "run: killed by SIGKILL -> one line saying so, memkit dies of SIGKILL too" sh -c "
        [ \$(cat '$T/st') -eq 137 ] && [ \$(grep -c '^memkit' '$T/o') -eq 1 ] && grep -q '^memkit: no profile: sh was killed by signal 9' '$T/o'"
    (cd "$T" && "$FK" run -o "$T/nodir/x.json" -- ./basic >"$T/o" 2>&1; echo $? >"$T/st")
    check "run: an unwritable output -> an error naming it before the run, status 2" sh -c "[ \$(cat '$T/st') -eq 2 ] && grep -q 'cannot write the profile to $T/nodir/x.json' '$T/o' && ! grep -q '^Total:' '$T/o'"
else
    bad "build the stand-in recorder tests/analyzer/fakerec.c"
fi

# ---- Part 2: with the recorder ------------------------------------------------------------------
(cd "$T" && "$MK" run --format dhat -o "$T/r.%p.json" -- ./basic >"$T/o" 2>&1)
RUNJSON=$(ls "$T"/r.*.json 2>/dev/null | head -n 1)
if [ -n "$NOPRELOAD" ]; then
    skip "recorder tests ($NOPRELOAD)"
elif [ -z "$RUNJSON" ]; then
    skip "recorder tests: memkit run wrote no profile (is libmemkit-prof.so the recorder yet?): $(head -n 1 "$T/o")"
else
    check "run: %p expands to the pid" sh -c "basename '$RUNJSON' | grep -qE '^r\.[0-9]+\.json\$'"
    check "run: the DHAT file is valid" python3 "$HERE/dhatcheck.py" valid "$RUNJSON"
    (cd "$T" && "$MK" run -- ./basic >"$T/o" 2>"$T/e")
    check "run: default output memkit.<pid>.json in the current directory, text on stderr" sh -c "
        ls '$T'/memkit.*.json >/dev/null 2>&1 && grep -q '^Total:' '$T/e' && [ ! -s '$T/o' ]"
    (cd "$T" && "$MK" run --format text -- ./basic 2>&1 | grep -E '^(Total|At t-)' >"$T/exact")
    (cd "$T" && "$MK" run --format text --sample 64 -- ./basic 2>&1 >/dev/null | tee "$T/sampled" | grep -E '^(Total|At t-)' >"$T/sampled.tot")
    check "run --sample 64: the report says so, and the totals stay exact" sh -c "
        grep -q '^Sampled:   stacks for about one block per 64 bytes' '$T/sampled' && [ -s '$T/exact' ] && cmp '$T/exact' '$T/sampled.tot'"
    mkdir -p "$T/inst/bin" "$T/inst/lib/memkit"
    cp "$MK" "$T/inst/bin/" && cp "$(dirname "$MK")/libmemkit-prof.so" "$T/inst/lib/memkit/"
    (cd "$T" && "$T/inst/bin/memkit" run --format dhat -o "$T/inst.json" -- ./basic >"$T/o" 2>&1)
    check "run: installed layout, the recorder found in ../lib/memkit/" python3 "$HERE/dhatcheck.py" valid "$T/inst.json"
    (cd "$T" && "$MK" run --format folded -o "$T/f.%p.folded" -- ./basic >"$T/o" 2>&1)
    check "run: --format folded alone" sh -c "grep -qE '(^|;)make_buf [0-9]+\$' '$T'/f.*.folded && ! ls '$T'/f.*.json 2>/dev/null"
    for src in "$HERE"/progs/*.c; do
        n=$(basename "$src" .c)
        [ "$n" = forker ] && continue # forks: its own test below
        (cd "$T" && "$MK" run --format dhat -o "$T/$n.mk.json" -- "./$n" >"$T/o" 2>&1)
        check "run: $n gives a valid DHAT file" python3 "$HERE/dhatcheck.py" valid "$T/$n.mk.json"
        if command -v valgrind >/dev/null; then
            (cd "$T" && valgrind --tool=dhat --dhat-out-file="$T/$n.vg.json" "./$n" >/dev/null 2>&1)
            python3 "$HERE/dhatcheck.py" compare "$T/$n.mk.json" "$T/$n.vg.json" "$n.c" >"$T/cmp" 2>&1
            case $? in
            0) ok "DHAT truth: $n, totals and per-site figures equal valgrind's" ;;
            3) skip "DHAT truth: $n per site (totals equal): $(tail -n 1 "$T/cmp"); a stack-walk limit, not a count" ;;
            *) bad "DHAT truth: $n, totals and per-site figures equal valgrind's" "$T/cmp" ;;
            esac
        else
            skip "DHAT truth: $n (valgrind not installed)"
        fi
    done
    (cd "$T" && "$MK" run --follow-fork --format dhat,text -o "$T/ff.%p.json" -- ./forker >"$T/o" 2>&1)
    cl=$(grep -n 'SITE:child ' "$HERE/progs/forker.c" | cut -d: -f1)
    check "run --follow-fork: one DHAT file per process, the root's report first, the child's with its own site" sh -c "
        [ \$(ls '$T'/ff.*.json | wc -l) -eq 2 ] && [ \$(grep -l 'forker.c:$cl)' '$T'/ff.*.json | wc -l) -eq 1 ] &&
        [ \$(grep -c '^Total:' '$T/o') -eq 2 ] && grep -m1 '^Total:' '$T/o' | grep -q '^Total:     1,111 bytes in 1 blocks'"
    (cd "$T" && "$MK" run --format dhat -o "$T/nf.%p.json" -- ./forker >"$T/o" 2>&1)
    check "run without --follow-fork: one file, the parent's" sh -c "[ \$(ls '$T'/nf.*.json | wc -l) -eq 1 ]"
    viewer "dh_view.html loads a real run's file" "$T/basic.mk.json"
fi

. "$HERE/toolchains.sh"

finish
