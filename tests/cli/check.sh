#!/bin/sh
# check.sh - `memkit count` against `grep -F -o NEEDLE FILE | wc -l` on generated files, standard
# input, pipes, several files, errors and exit status; then run_cases.sh (where `memkit run` and
# `memkit report` outputs cannot go). Ends with "cli: N passed, N failed". Run from the top of the tree.
# MEMKIT names the binary (default build/rel/memkit, built by make check).

cd "$(dirname "$0")/../.." || exit 2
. tests/lib.sh
suite cli
MEMKIT=${MEMKIT:-build/rel/memkit}
export LC_ALL=C
tmp=$(mktemp -d) || exit 2
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

# expect_eq WHAT GOT WANT
expect_eq() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi; }

if [ ! -x "$MEMKIT" ]; then
    bad "cli: $MEMKIT is not built"
    finish
fi

# Generated text: words from a small vocabulary (so needles occur often, overlap and straddle
# lines), with and without a final newline, plus edge files.
awk 'BEGIN { srand(7); split("aa aab ab abab ba the then memory map mapped aaaa b", w, " ");
             for (l = 0; l < 3000; l++) { s = ""; for (i = 0; i < 1 + int(rand() * 14); i++)
                 s = s (i ? " " : "") w[1 + int(rand() * 12)]; print s } }' > "$tmp/words.txt"
printf 'aaaaaaaaaa' > "$tmp/as.txt"                  # no newline, periodic
printf 'needle at the end: needle' > "$tmp/end.txt"
: > "$tmp/empty.txt"
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "x"; printf "needle\n" }' > "$tmp/page.txt"  # match across 4 KiB pages
awk 'BEGIN { srand(11); for (l = 0; l < 9000; l++) { s = ""; for (i = 0; i < 32; i++)
             s = s sprintf("%02x", int(rand() * 256)); print s } }' > "$tmp/hex.txt"

for f in words.txt as.txt end.txt empty.txt page.txt hex.txt; do
    for n in a aa aab ab abab "the " then "memory map" "map mapped" aaaa b needle xxxxneedle e0 00 0a ff 1 \
             "a b" "mapped the memory"; do
        got=$("$MEMKIT" count "$n" "$tmp/$f")
        st=$?
        want=$(grep -F -o -- "$n" "$tmp/$f" | wc -l | tr -d ' ')
        expect_eq "count '$n' $f" "$got/$st" "$want/0"
    done
done

# A long needle (300 bytes) cut from a long line.
awk 'BEGIN { srand(3); for (i = 0; i < 2000; i++) printf "%c", 97 + int(rand() * 3); print "" }' > "$tmp/long.txt"
long=$(cut -c 101-400 "$tmp/long.txt")
expect_eq "300-byte needle" "$("$MEMKIT" count "$long" "$tmp/long.txt")" "$(grep -F -o -- "$long" "$tmp/long.txt" | wc -l | tr -d ' ')"

# Standard input: '-', no FILE, and a pipe.
want=$(grep -F -o the "$tmp/words.txt" | wc -l | tr -d ' ')
expect_eq "stdin redirected, -" "$("$MEMKIT" count the - < "$tmp/words.txt")" "$want"
expect_eq "stdin redirected, no FILE" "$("$MEMKIT" count the < "$tmp/words.txt")" "$want"
expect_eq "stdin pipe" "$(cat "$tmp/words.txt" | "$MEMKIT" count the -)" "$want"

# Several files: FILE:COUNT lines, in order.
got=$("$MEMKIT" count aa "$tmp/as.txt" "$tmp/empty.txt" | tr '\n' ' ')
expect_eq "several files" "$got" "$tmp/as.txt:5 $tmp/empty.txt:0 "

# A needle starting with '-' after --.
printf -- '--x-- --x--\n' > "$tmp/dash.txt"
expect_eq "needle after --" "$("$MEMKIT" count -- --x "$tmp/dash.txt")" 2

# Errors: a message naming the file, the other files still counted, exit status 2.
out=$("$MEMKIT" count aa "$tmp/missing.txt" "$tmp/as.txt" 2>"$tmp/err")
st=$?
expect_eq "missing file: status" "$st" 2
expect_eq "missing file: others counted" "$out" "$tmp/as.txt:5"
grep -q "missing.txt: No such file or directory" "$tmp/err" && ok || bad "missing file message: $(cat "$tmp/err")"

"$MEMKIT" count aa "$tmp" >/dev/null 2>"$tmp/err"
st=$?
expect_eq "directory: status" "$st" 2
grep -q "$tmp: is a directory" "$tmp/err" && ok || bad "directory message: $(cat "$tmp/err")"

# Unreadable file: as root, check as nobody when possible.
printf 'aa' > "$tmp/locked.txt"
chmod 000 "$tmp/locked.txt"
chmod 755 "$tmp"
if [ "$(id -u)" -ne 0 ]; then
    "$MEMKIT" count aa "$tmp/locked.txt" >/dev/null 2>"$tmp/err"; st=$?
    expect_eq "unreadable: status" "$st" 2
    grep -q "locked.txt: Permission denied" "$tmp/err" && ok || bad "unreadable message: $(cat "$tmp/err")"
elif command -v setpriv >/dev/null 2>&1; then
    abs=$(cd "$(dirname "$MEMKIT")" && pwd)/$(basename "$MEMKIT")
    setpriv --reuid=65534 --regid=65534 --clear-groups "$abs" count aa "$tmp/locked.txt" >/dev/null 2>"$tmp/err"; st=$?
    expect_eq "unreadable: status" "$st" 2
    grep -q "locked.txt: Permission denied" "$tmp/err" && ok || bad "unreadable message: $(cat "$tmp/err")"
else
    echo "  skip unreadable file (root without setpriv)"
fi

# Usage errors.
"$MEMKIT" count >/dev/null 2>&1; expect_eq "no needle: status" $? 2
"$MEMKIT" count "" "$tmp/as.txt" >/dev/null 2>&1; expect_eq "empty needle: status" $? 2
"$MEMKIT" count --bogus aa "$tmp/as.txt" >/dev/null 2>&1; expect_eq "unknown option: status" $? 2
"$MEMKIT" count --help | grep -q "usage: memkit count" && ok || bad "--help"
expect_eq "--help status" "$("$MEMKIT" count --help >/dev/null; echo $?)" 0

# /proc files have st_size 0 but contents.
got=$("$MEMKIT" count "Name:" /proc/self/status)
expect_eq "/proc file" "$got" 1

# Pipes and devices are streamed through a 1 MiB buffer: matches that straddle its edges must be
# counted as in the mapped file, for needles that can overlap themselves ("aa", "abab", "aab"+"aa")
# and ones that cannot. About 6 MB of words, so each needle crosses several edges.
awk 'BEGIN { srand(5); split("aa aab ab abab ba aaaa b abcab cab", w, " ");
             for (l = 0; l < 400000; l++) { s = ""; for (i = 0; i < 1 + int(rand() * 4); i++)
                 s = s (i ? " " : "") w[1 + int(rand() * 10)]; print s } }' > "$tmp/big.txt"
for n in a aa aaa ab abab aab "b a" abcab "ab aa" "aaaa b" "aa aab ab"; do
    want=$(grep -F -o -- "$n" "$tmp/big.txt" | wc -l | tr -d ' ')
    expect_eq "pipe '$n' (buffer edges)" "$(cat "$tmp/big.txt" | "$MEMKIT" count "$n" -)" "$want"
    expect_eq "mapped '$n'" "$("$MEMKIT" count "$n" "$tmp/big.txt")" "$want"
done
# A periodic run longer than the buffer, where no cut point is free of a straddling match.
head -c 3000001 /dev/zero | tr '\0' a > "$tmp/as3m.txt"
for n in aa aaa aaaaaaa; do
    expect_eq "pipe '$n' over 3 MB of a" "$(cat "$tmp/as3m.txt" | "$MEMKIT" count "$n" -)" "$(awk -v l=${#n} 'BEGIN { print int(3000001 / l) }')"
done
expect_eq "a device that ends (/dev/null)" "$("$MEMKIT" count abc /dev/null)" 0
# Memory stays bounded on a pipe whatever its length: 200 MB of input, under 32 MB of peak RSS
# (reading it whole took 200 MB). Measured with getrusage on the waited memkit.
if command -v python3 >/dev/null; then
    rss=$(yes abcdefgh | head -c 200000000 | python3 -c 'import resource, subprocess, sys
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE)
print(p.stdout.decode().strip(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$MEMKIT" count abc -)
    expect_eq "200 MB pipe: the count" "${rss% *}" 22222222
    if [ "${rss#* }" -lt 32768 ]; then ok; else bad "200 MB pipe: peak RSS ${rss#* } KB, want < 32768"; fi
fi

. tests/cli/run_cases.sh

finish
