#!/usr/bin/env python3
"""snapshot_cost.py - the cost of `memkit snapshot` on a program with 10,000 sites and a million live
blocks (bench/prof/snapbig.c) running under `memkit run`: the snapshot's wall and CPU time, the size
of the state it reads, and the program's malloc/free throughput in the 100 ms windows during a
snapshot against the windows without one (a pause would show there).

usage: snapshot_cost.py --top TOP --bin DIR [--snapshots 10]"""
import argparse, os, resource, statistics, subprocess, sys, tempfile, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--top", required=True)
ap.add_argument("--bin", required=True)
ap.add_argument("--snapshots", type=int, default=10)
a = ap.parse_args()
mk = os.path.join(os.path.abspath(a.top), "build/rel/memkit")
tmp = tempfile.mkdtemp(prefix="mksnap.")
secs = 3 + 5 * a.snapshots
p = subprocess.Popen([mk, "run", "--format", "dhat", "-o", os.path.join(tmp, "final.json"), "--",
                      os.path.join(os.path.abspath(a.bin), "snapbig"), str(secs)],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
ready = p.stdout.readline()
windows = []
def reader():
    for line in p.stdout:
        t, n = line.split()
        windows.append((time.monotonic(), int(n)))
th = threading.Thread(target=reader)
th.start()
time.sleep(1)
pid = int(subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()[0])
spans, walls, cpus = [], [], []
for k in range(a.snapshots):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    r = subprocess.run([mk, "snapshot", "-o", os.path.join(tmp, f"s{k}.json"), str(pid)], capture_output=True, text=True)
    t1 = time.monotonic()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode:
        print("snapshot failed:", r.stderr, file=sys.stderr)
        break
    spans.append((t0, t1))
    walls.append(t1 - t0)
    cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    time.sleep(0.5)
p.stdin and p.stdin.close()
subprocess.run(["kill", str(pid)])
p.wait()
th.join()
state = [l for l in open(os.path.join(tmp, "s0.json")) if "mkStateBytes" in l]
during = [n for t, n in windows if any(s0 - 0.1 <= t <= s1 + 0.1 for s0, s1 in spans)]
outside = [n for t, n in windows if not any(s0 - 0.3 <= t <= s1 + 0.3 for s0, s1 in spans)]
print("Command: `python3 bench/prof/snapshot_cost.py --top . --bin bench/build --snapshots %d` (machine: %d cores, "
      "load average %.1f)" % (a.snapshots, os.cpu_count(), os.getloadavg()[0]))
print()
print("| figure | value |")
print("|---|---:|")
print("| program | %s sites x 100 blocks live (%s) |" % ("10,000", ready.strip()))
print("| `memkit snapshot` wall time, median (min-max) | %.3f s (%.3f-%.3f) |" % (statistics.median(walls), min(walls), max(walls)))
print("| `memkit snapshot` CPU time, median | %.3f s |" % statistics.median(cpus))
print("| state read (mkStateBytes) | %s |" % (state[0].split(":")[1].strip() if state else "?"))
print("| program's pairs per 100 ms window, during a snapshot (median of %d) | %d |" % (len(during), statistics.median(during) if during else 0))
print("| the same, outside snapshots (median of %d) | %d |" % (len(outside), statistics.median(outside) if outside else 0))
