#!/bin/sh
# check.sh - the report's Advice section on programs that each show one pattern, and on one that
# shows none (which must get no advice). Runs after `make MODE=rel all`.
cd "$(dirname "$0")/../.." || exit 2
B=build/rel
pass=0 fail=0
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# expect PROG PATTERN [PATTERN...]: each pattern must appear in the Advice section.
# refuse PROG PATTERN: the pattern must not appear in it.
advice() {
    [ -f "$tmp/$1.advice" ] && return 0
    gcc -O2 -g -o "$tmp/$1" "tests/advice/progs/$1.c" || return 1
    $B/memkit run -o "$tmp/$1.json" --format dhat,text -- "$tmp/$1" >/dev/null 2>"$tmp/$1.report"
    sed -n '/^Advice:/,$p' "$tmp/$1.report" >"$tmp/$1.advice"
}
expect() {
    prog=$1; shift
    advice "$prog" || { echo "FAIL $prog: did not build"; fail=$((fail + 1)); return; }
    for pat in "$@"; do
        if grep -q -- "$pat" "$tmp/$prog.advice"; then echo "ok   $prog: advice mentions '$pat'"; pass=$((pass + 1))
        else echo "FAIL $prog: no '$pat' in:"; cat "$tmp/$prog.advice"; fail=$((fail + 1)); fi
    done
}
refuse() {
    advice "$1" || { echo "FAIL $1: did not build"; fail=$((fail + 1)); return; }
    if grep -q -- "$2" "$tmp/$1.advice"; then echo "FAIL $1: unexpected '$2' in:"; cat "$tmp/$1.advice"; fail=$((fail + 1))
    else echo "ok   $1: no '$2'"; pass=$((pass + 1)); fi
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
if $B/memkit report "$tmp/chain.json" 2>&1 | grep -q "reserve capacity up front"; then echo "ok   report: advice from the saved file"; pass=$((pass + 1))
else echo "FAIL report: no advice from the saved file"; fail=$((fail + 1)); fi

echo "advice: $pass passed, $fail failed"
[ $fail -eq 0 ]
