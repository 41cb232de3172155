#!/bin/sh
# run.sh - runs test programs and adds up their results.
#
# Each argument is a test program (a unit test binary or a test script) that ends its output with a
# line "name: N passed, N failed". A program that exits non-zero without reporting a failure (a
# crash, a sanitizer abort, a timeout) counts as one failed test. The last line printed is the total
# in the plain form "N passed, N failed"; the exit status is non-zero when anything failed.
# MK_TEST_TIMEOUT (seconds, default 600) bounds each program.

passed=0 failed=0 skipped=0
log=$(mktemp) || exit 2
trap 'rm -f "$log"' EXIT
for t in "$@"; do
    echo "== $t"
    timeout "${MK_TEST_TIMEOUT:-600}" "$t" >"$log" 2>&1
    status=$?
    cat "$log"
    line=$(grep -E '^[^ ]*:? ?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    p=$(printf ' %s\n' "$line" | sed -nE 's/.*[^0-9]([0-9]+) passed, .*/\1/p')
    f=$(printf ' %s\n' "$line" | sed -nE 's/.*[^0-9]([0-9]+) failed.*/\1/p')
    s=$(printf ' %s\n' "$line" | sed -nE 's/.*[^0-9]([0-9]+) skipped.*/\1/p')
    p=${p:-0} f=${f:-0} s=${s:-0}
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "$t: exited with status $status without reporting a failure: counted as 1 failed"
        f=1
    fi
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done
[ "$skipped" -gt 0 ] && echo "($skipped skipped: see the lines above)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
