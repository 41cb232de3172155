#!/bin/sh
# check.sh - the recorder's state file: profiles of programs that died (every kind of ending),
# snapshots of a running program, memkit top, --snapshot-every, --snapshot-at, the timeline and
# the growing-site advice, bad input. Builds tests/state/progs/ and runs check.py against
# build/rel (memkit and libmemkit-prof.so). Ends with "state: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/rel/state-tests
mkdir -p "$out"
for f in "$top/build/rel/memkit" "$top/build/rel/libmemkit-prof.so"; do
    if [ ! -f "$f" ]; then
        echo "state: $f is missing: run make MODE=rel all first"
        echo "state: 0 passed, 1 failed"
        exit 1
    fi
done
CC=${CC:-gcc}
for c in "$top"/tests/state/progs/*.c; do
    if ! $CC -O0 -g -pthread -o "$out/$(basename "$c" .c)" "$c"; then
        echo "state: 0 passed, 1 failed (the test programs did not build)"
        exit 1
    fi
done
exec python3 "$top/tests/state/check.py" "$top" "$out"
