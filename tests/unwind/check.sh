#!/bin/sh
# check.sh - the stack-capture suite: builds tests/unwind/unw_test.c against src/unwind in
# several variants and runs them. The oracle is libunwind's unw_backtrace (and glibc's backtrace()).
#   nofp      the test program -O2 -fomit-frame-pointer, src/unwind as the recorder builds it
#   fp        the test program -O2 -fno-omit-frame-pointer
#   nofp-all  src/unwind itself built without frame pointers as well
# The dlopen test uses two builds of unw_lib.c (without frame pointers, different frame layouts).
# Then unw_preload.c, a stand-in for the recorder, is preloaded into ls, python3 (threads) and sort
# and captures a stack on every allocation from the loader's first one on.
# Ends with "unwind: N passed, N failed"; exits non-zero on any failure.
cd "$(dirname "$0")/../.." || exit 2
. tests/lib.sh
suite unwind
out=build/unwind-tests
mkdir -p "$out"
note() { printf '%s\n' "$*"; }

if ! printf '#include <libunwind.h>\n' | $CC -E -x c - >/dev/null 2>&1; then
    skip_suite "unwind: libunwind-dev (the oracle) is not installed; the suite is skipped"
fi

base="-std=c11 -g -O2 -Wall -Wextra -Werror -pthread"
rec="$base -fPIC -fvisibility=hidden -fno-omit-frame-pointer -ftls-model=initial-exec"
lib="-std=c11 -g -O2 -Wall -Wextra -Werror -fPIC -shared -fomit-frame-pointer"

if ! $CC $lib -o "$out/libunw1.so" tests/unwind/unw_lib.c ||
   ! $CC $lib -DUNW_LIB_VARIANT=1 -o "$out/libunw2.so" tests/unwind/unw_lib.c; then
    note "unwind: building the test libraries failed"
    tally 0 1
fi

for v in nofp fp nofp-all; do
    case $v in
    nofp) tflags="-fomit-frame-pointer" uflags="$rec" ;;
    fp) tflags="-fno-omit-frame-pointer -DUNW_TEST_FP=1" uflags="$rec" ;;
    nofp-all) tflags="-fomit-frame-pointer" uflags="$base -fPIC -fvisibility=hidden -fomit-frame-pointer" ;;
    esac
    bin="$out/unw_test_$v"
    objs=
    for f in src/unwind/*.c; do
        o="$out/$(basename "$f" .c)_$v.o"
        $CC $uflags -c -o "$o" "$f" || { objs=; break; }
        objs="$objs $o"
    done
    if [ -z "$objs" ] ||
       ! $CC $base $tflags -Itests -Iinclude -o "$bin" tests/unwind/unw_test.c $objs -lunwind -ldl; then
        note "unwind[$v]: build failed"
        tally 0 1
        continue
    fi
    log=$(UNW_LIB1="$out/libunw1.so" UNW_LIB2="$out/libunw2.so" timeout 300 "$bin" 2>&1)
    status=$?
    printf '%s\n' "$log" | sed "s/^/[$v] /"
    line=$(printf '%s\n' "$log" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
    p=$(printf '%s\n' "$line" | sed -nE 's/.*[^0-9]([0-9]+) passed.*/\1/p')
    f=$(printf '%s\n' "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
    p=${p:-0} f=${f:-0}
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        note "unwind[$v]: exited with status $status"
        f=1
    fi
    tally "$p" "$f"
done
# Real programs with a capture on every allocation, from the loader's first malloc on: they must run
# as without it, and every capture must find a few frames.
if $CC $rec -shared -o "$out/libunw_preload.so" tests/unwind/unw_preload.c $(ls src/unwind/*.c | grep -v testing.c); then
    seq 20000 -1 1 > "$out/nums"
    i=0
    for prog in ls python3 sort; do
        i=$((i + 1))
        case $prog in
        ls) set -- ls -lR /usr/include ;;
        python3) set -- python3 -c 'import threading, json
ts = [threading.Thread(target=lambda: json.dumps(list(range(20000)))) for _ in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]' ;;
        sort) set -- sort -n "$out/nums" ;;
        esac
        if ! command -v "$1" >/dev/null 2>&1; then
            note "unwind[preload]: $1 not installed, skipped"
            continue
        fi
        rm -f "$out/preload.out"
        # One line per process (a program may start others): every capture found 4 frames or more.
        if UNW_PRELOAD_OUT="$out/preload.out" LD_PRELOAD="$PWD/$out/libunw_preload.so" "$@" >/dev/null 2>&1 &&
           summary=$(awk '{ c += $1; f += $2; if ($3 != $1) bad++ } END { if (NR && !bad && c > 100) print NR, c, f; else exit 1 }' "$out/preload.out"); then
            set -- $summary
            note "[preload] $prog: $1 processes, $2 captures, $3 frames: ok"
            tally 1 0
        else
            note "[preload] $1: FAIL (status or counts: $(cat "$out/preload.out" 2>/dev/null))"
            tally 0 1
        fi
    done
else
    note "unwind[preload]: build failed"
    tally 0 1
fi

finish
