#!/bin/sh
# check.sh - the report's Advice section on programs that each show one pattern, and on one that
# shows none (which must get no advice). Runs after `make MODE=rel all`.
cd "$(dirname "$0")/../.." || exit 2
. tests/lib.sh
suite advice
B=build/rel
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# expect PROG PATTERN [PATTERN...]: each pattern must appear in the Advice section.
# refuse PROG PATTERN: the pattern must not appear in it.
advice() {
    [ -f "$tmp/$1.advice" ] && return 0
    $CC -O2 -g -o "$tmp/$1" "tests/advice/progs/$1.c" || return 1
    $B/memkit run -o "$tmp/$1.json" --format dhat,text -- "$tmp/$1" >/dev/null 2>"$tmp/$1.report"
    sed -n '/^Advice:/,$p' "$tmp/$1.report" >"$tmp/$1.advice"
}
expect() {
    prog=$1; shift
    advice "$prog" || { bad "$prog: did not build"; return; }
    for pat in "$@"; do
        if grep -q -- "$pat" "$tmp/$prog.advice"; then ok "$prog: advice mentions '$pat'"
        else bad "$prog: no '$pat' in:"; cat "$tmp/$prog.advice"; fi
    done
}
refuse() {
    advice "$1" || { bad "$1: did not build"; return; }
    if grep -q -- "$2" "$tmp/$1.advice"; then bad "$1: unexpected '$2' in:"; cat "$tmp/$1.advice"
    else ok "$1: no '$2'"; fi
}

expect chain "reserve capacity up front" "main (chain.c:" "reallocs, up to 199 for one block"
refuse chain "mk_pool"
expect churn "reuse one buffer" "main (churn.c:" "20000 of 20000 blocks (100%) were temporary"
refuse churn "reserve capacity"
expect nodes "mk_pool" "5000 blocks, all of 40 bytes, up to 5000 live at once"
refuse nodes "temporary"
expect small "mk_string" "were 24 bytes or less"
refuse small "mk_pool"
expect none "none: no site crossed the thresholds"
refuse none "->"

# memkit report renders the same advice from the saved DHAT file (the extra figures are kept in it).
if $B/memkit report "$tmp/chain.json" 2>&1 | grep -q "reserve capacity up front"; then ok "report: advice from the saved file"
else bad "report: no advice from the saved file"; fi

finish
