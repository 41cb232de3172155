#!/usr/bin/env python3
"""analyzer_speed.py - how long the analyzer takes to turn a raw profile into all three outputs.

   python3 analyzer_speed.py [ROUNDS] [OUT.md]      (from bench/, after `make MODE=rel all`)

Profiles are synthetic (tests/analyzer/mkraw.py), their frames real return addresses inside real
binaries, so libdw does real work: "P1-like" is 10 sites of 32 frames (what P1's 20M malloc/free
pairs from ~10 sites leave: the recorder aggregates by site, so the analyzer's cost is startup,
opening the modules' debug info and symbolizing a few hundred addresses), then 10k and 100k sites
of 32 random frames across memkit, libc and libdw (a pessimistic spread: ~18k and ~20k distinct
addresses). Each round runs every profile once, in turn (interleaved); the table gives the median
and the min-max of the wall time of `memkit report --format text,folded,dhat` and its peak RSS.
"""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
MK = os.path.join(TOP, "build/rel/memkit")
MKRAW = os.path.join(TOP, "tests/analyzer/mkraw.py")


def libs():
    out = subprocess.run(["ldd", MK], capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[1] == "=>" and ("libc.so" in f[0] or "libdw.so" in f[0]):
            found[f[0]] = f[2]
    return [found[k] for k in sorted(found)]


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    out_md = sys.argv[2] if len(sys.argv) > 2 else None
    tmp = tempfile.mkdtemp(prefix="memkit-bench-")
    prog = os.path.join(tmp, "basic")
    subprocess.run(["cc", "-O2", "-g", "-o", prog, os.path.join(TOP, "tests/analyzer/progs/basic.c")], check=True)
    cases = [("P1-like: 10 sites x 32 frames", 10, [prog] + libs() + [MK]),
             ("10k sites x 32 frames", 10000, [MK] + libs()),
             ("100k sites x 32 frames", 100000, [MK] + libs())]
    paths = []
    for name, n, bins in cases:
        p = os.path.join(tmp, "p%d.raw" % n)
        subprocess.run([sys.executable, MKRAW, "--synthetic", str(n), "32", p] + bins, check=True)
        paths.append(p)
    times = [[] for _ in cases]
    cpu = [[] for _ in cases]
    rss = [0] * len(cases)
    for r in range(rounds):
        for i, p in enumerate(paths):
            t0 = time.perf_counter()
            proc = subprocess.Popen([MK, "report", "--format", "text,folded,dhat", p], stdout=subprocess.DEVNULL)
            _, status, ru = os.wait4(proc.pid, 0)
            times[i].append(time.perf_counter() - t0)
            cpu[i].append(ru.ru_utime + ru.ru_stime)
            rss[i] = max(rss[i], ru.ru_maxrss)
            if status:
                sys.exit("memkit report failed on %s" % p)
    lines = ["## Analyzer speed", "",
             "`memkit report --format text,folded,dhat` on synthetic raw profiles (`cd bench && python3 "
             "analyzer_speed.py %d`), %d interleaved rounds; wall time, and CPU time (user+sys, less disturbed by "
             "other load on a shared machine):" % (rounds, rounds), "",
             "| profile | raw size | wall median | wall min-max | CPU median | CPU min-max | peak RSS |",
             "|---|---|---|---|---|---|---|"]
    for i, (name, n, _) in enumerate(cases):
        t = times[i]
        c = cpu[i]
        lines.append("| %s | %.1f MB | %.3f s | %.3f-%.3f s | %.3f s | %.3f-%.3f s | %.0f MB |" % (
            name, os.path.getsize(paths[i]) / 1e6, statistics.median(t), min(t), max(t), statistics.median(c),
            min(c), max(c), rss[i] / 1024))
    text = "\n".join(lines) + "\n"
    print(text)
    if out_md:
        os.makedirs(os.path.dirname(out_md), exist_ok=True)
        with open(out_md, "w") as f:
            f.write(text)
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
