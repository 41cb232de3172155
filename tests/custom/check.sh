#!/bin/sh
# check.sh - custom allocators under memkit run: builds custom.c against libmemkit.a, runs it under
# the recorder with and without annotations (memkit/prof.h), checks the custom sites' figures, the
# totals' difference, the text report's marks and the DHAT file's mkFn. Ends with
# "custom: N passed, N failed". Run after `make MODE=rel all`.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/rel/custom-tests
mkdir -p "$out"
for f in libmemkit-prof.so libmemkit.a memkit; do
    if [ ! -f "$top/build/rel/$f" ]; then
        echo "custom: build/rel/$f is missing: run make MODE=rel all first"
        echo "custom: 0 passed, 1 failed"
        exit 1
    fi
done
CC=${CC:-gcc}
if ! $CC -O2 -g -I"$top/include" -I"$top/src/analyzer" -o "$out/rawcheck" "$top/tests/prof/rawcheck.c" \
        "$top/src/analyzer/rawread.c" "$top/build/rel/libmemkit.a" ||
   ! $CC -O1 -g -fno-omit-frame-pointer -I"$top/include" -o "$out/custom" "$top/tests/custom/custom.c" \
        "$top/build/rel/libmemkit.a" -pthread ||
   ! $CC -O1 -g -no-pie -fno-omit-frame-pointer -I"$top/include" -o "$out/custom_nopie" \
        "$top/tests/custom/custom.c" "$top/build/rel/libmemkit.a" -pthread; then
    echo "custom: 0 passed, 1 failed (the test programs did not build)"
    exit 1
fi
exec python3 "$top/tests/custom/check.py" "$top/build/rel" "$out"
