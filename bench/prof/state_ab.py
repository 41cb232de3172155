#!/usr/bin/env python3
"""state_ab.py - one workload, interleaved rounds: native, an older recorder ("before", a copy of
main's libmemkit-prof.so), this recorder with its state file (as under memkit run) and without.
Prints the medians of per-round CPU and wall ratios to native.

usage: state_ab.py PROG ROUNDS [SAMPLE_BYTES]   (BEFORE=path/to/old/libmemkit-prof.so)"""
import os, subprocess, sys, time, statistics, random, resource
top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
lib = os.path.join(top, "build/rel/libmemkit-prof.so"); before = os.environ.get("BEFORE", "/work/wt/s13-before.so")
os.makedirs("/dev/shm/s13t", exist_ok=True); os.makedirs("/tmp/s13t", exist_ok=True)
prog = sys.argv[1]; rounds = int(sys.argv[2]); sample = sys.argv[3] if len(sys.argv) > 3 else "0"
cfg = {"native": {}, "before": {"LD_PRELOAD": before}, "after+state": {"LD_PRELOAD": lib, "MEMKIT_STATE": "/dev/shm/s13t"},
       "after": {"LD_PRELOAD": lib}}
res = {k: [] for k in cfg}
for r in range(rounds):
    order = list(cfg); random.shuffle(order)
    for k in order:
        e = dict(os.environ, MEMKIT_OUT="/tmp/s13t/r.%p.raw", MEMKIT_SAMPLE=sample, **cfg[k])
        b = resource.getrusage(resource.RUSAGE_CHILDREN); t = time.perf_counter()
        subprocess.run([prog], env=e, stdout=subprocess.DEVNULL, check=True)
        w = time.perf_counter() - t; a = resource.getrusage(resource.RUSAGE_CHILDREN)
        res[k].append((w, a.ru_utime - b.ru_utime + a.ru_stime - b.ru_stime))
        for d in ("/dev/shm/s13t", "/tmp/s13t"):
            for f in os.listdir(d):
                if f.startswith("state.") or f.endswith(".raw"): os.unlink(os.path.join(d, f))
nat = res["native"]
for k in cfg:
    cr = statistics.median(c / nat[i][1] for i, (w, c) in enumerate(res[k]))
    wr = statistics.median(w / nat[i][0] for i, (w, c) in enumerate(res[k]))
    print(f"{os.path.basename(prog)} sample={sample} {k}: cpu ratio {cr:.3f}x wall ratio {wr:.3f}x")
print("load", os.getloadavg())
