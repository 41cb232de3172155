#!/bin/sh
# count_stream.sh [MEMKIT] [ROUNDS] - `memkit count` on a pipe (streamed through its 1 MiB buffer)
# against the same file mapped, and `grep -F -o | wc -l` on the pipe, interleaved rounds, medians.
# Inputs under bench/build/: 200 MB of "abcdefgh\n" (a match every 9 bytes, straddling every buffer
# edge) and 42 MB of words from a small vocabulary. Needles: "abc" (cannot overlap itself), "that"
# (can: its matches are walked after a clean cut), and "gh\nabcdefgh" (overlapping matches end to
# end, so no cut is clean and every match is walked). Prints one line per contender: median s.
MEMKIT=${1:-build/rel/memkit}
ROUNDS=${2:-7}
D=bench/build
mkdir -p "$D"
[ -s "$D/yes200.txt" ] || yes abcdefgh | head -c 200000000 > "$D/yes200.txt"
[ -s "$D/words42.txt" ] || awk 'BEGIN { srand(5); split("aa aab ab abab ba aaaa b abcab cab then that memory mapped tomato", w, " ");
    for (l = 0; l < 4000000; l++) { s = ""; for (i = 0; i < 1 + int(rand() * 4); i++) s = s (i ? " " : "") w[1 + int(rand() * 14)]; print s } }' > "$D/words42.txt"
NL='
'
run() { # run NAME: the command of contender NAME
    case $1 in
    yes-abc-pipe) cat "$D/yes200.txt" | "$MEMKIT" count abc - ;;
    yes-abc-mapped) "$MEMKIT" count abc "$D/yes200.txt" ;;
    yes-abc-grep) cat "$D/yes200.txt" | grep -F -o abc | wc -l ;;
    yes-periodic-pipe) cat "$D/yes200.txt" | "$MEMKIT" count "gh${NL}abcdefgh" - ;;
    yes-periodic-mapped) "$MEMKIT" count "gh${NL}abcdefgh" "$D/yes200.txt" ;;
    words-that-pipe) cat "$D/words42.txt" | "$MEMKIT" count that - ;;
    words-that-mapped) "$MEMKIT" count that "$D/words42.txt" ;;
    words-that-grep) cat "$D/words42.txt" | grep -F -o that | wc -l ;;
    esac
}
NAMES="yes-abc-pipe yes-abc-mapped yes-abc-grep yes-periodic-pipe yes-periodic-mapped words-that-pipe words-that-mapped words-that-grep"
out=$(mktemp)
for r in $(seq "$ROUNDS"); do
    for c in $NAMES; do
        s=$(date +%s.%N); n=$(run "$c"); e=$(date +%s.%N)
        echo "$c $(echo "$e - $s" | bc) $n" >>"$out"
    done
done
for c in $NAMES; do
    med=$(grep "^$c " "$out" | awk '{print $2}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    counts=$(grep "^$c " "$out" | awk '{print $3}' | sort -u | tr '\n' ' ')
    printf '%-22s %8.3f s   count %s\n' "$c" "$med" "$counts"
done
rm -f "$out"
