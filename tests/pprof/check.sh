#!/bin/sh
# check.sh - `--format pprof` read by a real pprof client: Go's `go tool pprof` (Debian's golang-go).
# The samples' sums equal the text report's totals, the top function is the text report's top site's,
# mappings carry the binaries' build-ids, inlined calls are lines of one location, hostile frame
# names survive. Without go, one SKIP line. Runs after `make MODE=rel all`.
cd "$(dirname "$0")/../.." || exit 2
TOP=$(pwd)
MK=${MEMKIT_BIN:-$TOP/build/rel/memkit}
T=$(mktemp -d "${TMPDIR:-/tmp}/memkit-pprof.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$TOP/tests/lib.sh"
suite pprof
check() { name=$1; shift; if "$@" >"$T/out" 2>&1; then ok "$name"; else bad "$name" "$T/out"; fi; }
[ -x "$MK" ] || { bad "pprof: $MK missing (run make MODE=rel all)"; finish; }
if ! command -v go >/dev/null; then
    skip_suite "pprof: go is not installed (Debian's golang-go provides go tool pprof)"
fi
export HOME=${HOME:-$T} GOCACHE=$T/gocache GOFLAGS=-mod=mod PPROF_TMPDIR=$T/pprof-tmp
B=$TOP/build/rel/examples/wordfreq
[ -x "$B/naive" ] || { bad "pprof: examples/wordfreq not built"; finish; }
cd "$T" || exit 2
"$B/gen" 1 >words.txt
"$MK" run -o naive.json --format dhat,text,pprof -- "$B/naive" words.txt >/dev/null 2>run.err
check "memkit run --format pprof prints the file's name" grep -q "^memkit: wrote naive.pb.gz (go tool pprof" run.err
check "the file is gzip" sh -c "gzip -t naive.pb.gz"
"$MK" report --format pprof naive.json >report.pb.gz
check "memkit report --format pprof exits 0" test $? -eq 0

# Sums of each sample column of `go tool pprof -raw`, in the order of the sample types.
sums() { go tool pprof -raw "$1" 2>"$T/go.err" | awk '
    /^Samples:/ { s = 1; next } s == 1 { print; s = 2; next }
    s == 2 && /:/ { split($0, a, ":"); n = split(a[1], v, " "); for (i = 1; i <= n; i++) t[i] += v[i]; next }
    s == 2 { s = 3 } END { printf "%.0f %.0f %.0f %.0f\n", t[1], t[2], t[3], t[4] }'; }
text() { "$MK" report "$1" | sed -n "s/^$2 *\([0-9,]*\) bytes in \([0-9,]*\) blocks.*/\2 \1/p" | tr -d ,; }
want="$(text naive.json Total:) $(text naive.json 'At t-end:')"
for f in naive.pb.gz report.pb.gz; do
    got=$(sums $f | tail -n 1)
    check "$f: go tool pprof -raw reads it" sh -c "go tool pprof -raw $f >/dev/null"
    check "$f: sample types alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes" sh -c \
        "go tool pprof -raw $f | grep -q '^alloc_objects/count alloc_space/bytes\[dflt\] inuse_objects/count inuse_space/bytes\$'"
    check "$f: sums (blocks, bytes, live blocks, live bytes) equal the text report's totals ($want)" test "$got" = "$want"
done
# The top function: the text report's #1 site (by total bytes) is the top of -top by flat bytes.
top_text=$("$MK" report --top 1 naive.json | awk '/^#1:/ { f = 1 } f && /^    0x/ { print; exit }' | sed -E 's/^ *0x[0-9A-F]+: ([^ (]+).*/\1/')
top_go=$(go tool pprof -top -sample_index=alloc_space naive.pb.gz 2>/dev/null | awk 'f && NF >= 6 { print $6; exit } /flat%/ { f = 1 }')
check "the same top function as the text report ($top_text)" test -n "$top_text" -a "$top_text" = "$top_go"
# Mappings: the program's and libc's, with their build-ids.
id=$(readelf -n "$B/naive" | sed -n 's/.*Build ID: *//p')
for f in naive.pb.gz report.pb.gz; do
    check "$f: the program's mapping carries its path and build-id ($id)" sh -c "go tool pprof -raw $f | grep -A20 '^Mappings' | grep -q '$B/naive $id'"
done
check "functions with file and line" sh -c "go tool pprof -raw naive.pb.gz | grep -Eq '^ +[0-9]+: 0x[0-9a-f]+ M=[0-9]+ count_word naive.c:[0-9]+'"
check "inlined frames: lines of one location (count_word inlined into main)" sh -c \
    "go tool pprof -raw naive.pb.gz | grep -A1 -E ' count_word naive.c:[0-9]+ s=0' | grep -Eq '^ {8,}main naive.c:[0-9]+'"
# Hostile names survive the trip (pprof is binary: no escaping, only lengths).
python3 "$TOP/tests/html/mkdhat.py" hostile hostile.json
"$MK" report --format pprof hostile.json >hostile.pb.gz
check "hostile names: go tool pprof reads the file" sh -c "go tool pprof -raw hostile.pb.gz >hostile.raw"
check "hostile names: '</script>' and quotes come back as they were" sh -c \
    "grep -qF 'evil</script><script>window.__mk_pwned=1</script>' hostile.raw && grep -qF \"quote\\\"s 'and' \\\\back\\\\slash\" hostile.raw"
check "hostile names: the totals" test "$(sums hostile.pb.gz | tail -n 1)" = "$(text hostile.json Total:) $(text hostile.json 'At t-end:')"
finish
