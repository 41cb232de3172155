#!/usr/bin/env python3
"""analyzer_compare.py - two builds of the analyzer side by side on the same big profiles.

   python3 analyzer_compare.py BEFORE_MEMKIT AFTER_MEMKIT [ROUNDS]      (from bench/)

Profiles are synthetic (tests/analyzer/mkraw.py): 10k and 100k sites of 32 random frames across
the before binary, libc and libdw (real return addresses, so libdw does real work), and the DHAT
JSON file of the 100k one (written by BEFORE; it exercises the DHAT reader). Each round runs
`memkit report --format text,folded,dhat` on every profile with both binaries, alternating which
goes first; the table gives the medians of wall and CPU time (user+sys), the median of the
per-round CPU ratios after/before, and the peak RSS of each. The outputs of the two binaries are
compared byte for byte first (the per-site mb line's label aside: "peak:" became "at its last
global-peak event:"): a difference is reported and stops the run.
"""
import itertools
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
MKRAW = os.path.join(TOP, "tests/analyzer/mkraw.py")
ARGS = ["report", "--top", "0", "--format", "text,folded,dhat"]


def libs(exe):
    out = subprocess.run(["ldd", exe], capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[1] == "=>" and ("libc.so" in f[0] or "libdw.so" in f[0]):
            found[f[0]] = f[2]
    return [found[k] for k in sorted(found)]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    before, after = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    tmp = tempfile.mkdtemp(prefix="memkit-cmp-")
    paths = []
    for n in (10000, 100000):
        p = os.path.join(tmp, "p%dk.raw" % (n // 1000))
        subprocess.run([sys.executable, MKRAW, "--synthetic", str(n), "32", p, before] + libs(before), check=True)
        paths.append(p)
    js = os.path.join(tmp, "p100k.json")
    with open(js, "w") as f:
        subprocess.run([before, "report", "--format", "dhat", paths[-1]], stdout=f, check=True)
    paths.append(js)
    label = re.compile(rb"^    (peak|at its last global-peak event): ")
    for p in paths:  # through files, line by line: a big parent would inflate the children's peak RSS
        outs = []
        for exe in (before, after):
            outs.append(os.path.join(tmp, "out.%d" % len(outs)))
            with open(outs[-1], "wb") as f:
                subprocess.run([exe] + ARGS + [p], stdout=f, check=True)
        with open(outs[0], "rb") as fa, open(outs[1], "rb") as fb:
            for la, lb in itertools.zip_longest(fa, fb):
                if la is None or lb is None or label.sub(b"    mb: ", la) != label.sub(b"    mb: ", lb):
                    sys.exit("outputs differ on %s" % p)
        for o in outs:
            os.unlink(o)
    bins = [("before", before), ("after", after)]
    res = {(p, b): {"wall": [], "cpu": [], "rss": 0} for p in paths for b, _ in bins}
    for r in range(rounds):
        for p in paths:
            for name, exe in (bins if r % 2 == 0 else bins[::-1]):
                t0 = time.perf_counter()
                proc = subprocess.Popen([exe] + ARGS + [p], stdout=subprocess.DEVNULL)
                _, status, ru = os.wait4(proc.pid, 0)
                if status:
                    sys.exit("%s failed on %s" % (exe, p))
                d = res[(p, name)]
                d["wall"].append(time.perf_counter() - t0)
                d["cpu"].append(ru.ru_utime + ru.ru_stime)
                d["rss"] = max(d["rss"], ru.ru_maxrss / 1024)
    print("| profile | size | wall before | wall after | CPU before | CPU after | CPU after/before (median of rounds) | peak RSS before | peak RSS after |")
    print("|---|---|---|---|---|---|---|---|---|")
    for p in paths:
        a, b = res[(p, "before")], res[(p, "after")]
        ratio = statistics.median(y / x for x, y in zip(a["cpu"], b["cpu"]))
        print("| %s | %.1f MB | %.3f s | %.3f s | %.3f s | %.3f s | %.2f | %.0f MB | %.0f MB |" % (
            os.path.basename(p), os.path.getsize(p) / 1e6, statistics.median(a["wall"]), statistics.median(b["wall"]),
            statistics.median(a["cpu"]), statistics.median(b["cpu"]), ratio, a["rss"], b["rss"]))


if __name__ == "__main__":
    main()
