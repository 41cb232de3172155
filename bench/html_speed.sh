#!/bin/sh
# html_speed.sh - the HTML report on a big profile: 10,000 sites over 50,000 distinct frames
# (tests/html/mkdhat.py big). Measures the file's size, `memkit report --format html`, and in
# headless Chromium (tests/html/page.js, time mode) the time from navigation to the page drawn
# and interactive, and a measure switch plus a search. Prints a markdown table of medians.
#   bench/html_speed.sh [ROUNDS] [OUT.md]
# Needs node, /usr/bin/chromium and playwright-core (tests/analyzer/node_modules); else one line.
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-5}
out=${2:-/dev/stdout}
NM=$PWD/tests/analyzer/node_modules
if ! command -v node >/dev/null || [ ! -x /usr/bin/chromium ] || [ ! -d "$NM/playwright-core" ]; then
    echo "html_speed: skipped (needs node, /usr/bin/chromium and tests/analyzer/node_modules/playwright-core)"
    exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/memkit-html-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
python3 tests/html/mkdhat.py big "$T/big.json"
printf '{"file": "%s", "time": true}\n' "$T/big.html" >"$T/spec.json"
: >"$T/rows"
i=0
while [ "$i" -lt "$rounds" ]; do
    s0=$(date +%s.%N)
    build/rel/memkit report --format html "$T/big.json" >"$T/big.html"
    s1=$(date +%s.%N)
    line=$(NODE_PATH=$NM node tests/html/page.js "$T/spec.json" | grep '^time:')
    echo "$line" | sed -E "s/^time: load\+render ([0-9]+) ms \(script ([0-9]+) ms, of which parsing and the tree ([0-9]+) ms\), measure switch \+ search ([0-9]+) ms.*/\1 \2 \3 \4/" |
        awk -v w="$(echo "$s0 $s1" | awk '{ printf "%.0f", ($2 - $1) * 1000 }')" '{ print w, $0 }' >>"$T/rows"
    i=$((i + 1))
done
size=$(wc -c <"$T/big.html")
json=$(wc -c <"$T/big.json")
load=$(cat /proc/loadavg | cut -d' ' -f1-3)
python3 - "$T/rows" "$size" "$json" "$rounds" "$load" >"$out" <<'PY'
import statistics, sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
size, json_size, rounds, load = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
cols = list(zip(*rows))
names = ["memkit report --format html", "navigation to drawn and interactive", "  of which the page's script",
         "  of which JSON.parse, frames and the tree", "measure switch + search, answered"]
print(f"10,000 sites, 50,000 distinct frames: DHAT file {json_size / 1e6:.1f} MB, HTML page {size / 1e6:.2f} MB; "
      f"{rounds} rounds, load average {load}\n")
print("| step | median | min-max |\n|---|---|---|")
for n, c in zip(names, cols):
    print(f"| {n} | {statistics.median(c):.0f} ms | {min(c)}-{max(c)} ms |")
PY
