# lib.sh - what every tests/*/check.sh shares: the pass/fail/skip tally with its closing line (the
# line tests/run.sh adds up), and the compilers the suites build their programs with.
#
#   . "$top/tests/lib.sh"; suite NAME     first: names the suite in the closing line
#   ok [MSG]          a check passed (prints "ok   MSG" when there is a message)
#   bad MSG [FILE]    a check failed: prints "FAIL MSG" and, when FILE exists, its first 40 lines
#   skip MSG          a check that cannot run here: prints "SKIP MSG"
#   tally P F [S]     adds the counts a sub-program reported
#   finish            prints "NAME: N passed, N failed[, N skipped]"; exits 1 if anything failed
#   skip_suite MSG    the whole suite cannot run here: one SKIP line, then finish
#
# CC and CXX are the compilers (make exports them; gcc and g++ when run by hand).
CC=${CC:-gcc}
CXX=${CXX:-g++}
mk_suite=${mk_suite:-$(basename "$(dirname "$0")")}
mk_passed=0 mk_failed=0 mk_skipped=0

suite() { mk_suite=$1; }
ok() {
    mk_passed=$((mk_passed + 1))
    [ $# -gt 0 ] && echo "ok   $*"
    return 0
}
bad() {
    mk_failed=$((mk_failed + 1))
    echo "FAIL $1"
    [ -n "${2:-}" ] && [ -f "$2" ] && sed 's/^/     | /' "$2" | head -40
    return 0
}
skip() {
    mk_skipped=$((mk_skipped + 1))
    echo "SKIP $*"
}
tally() {
    mk_passed=$((mk_passed + ${1:-0})) mk_failed=$((mk_failed + ${2:-0})) mk_skipped=$((mk_skipped + ${3:-0}))
}
finish() {
    if [ "$mk_skipped" -gt 0 ]; then
        echo "$mk_suite: $mk_passed passed, $mk_failed failed, $mk_skipped skipped"
    else
        echo "$mk_suite: $mk_passed passed, $mk_failed failed"
    fi
    [ "$mk_failed" -eq 0 ]
    exit
}
skip_suite() {
    skip "$*"
    finish
}
