#!/usr/bin/env python3
"""run.py - P1-P5 profiler overhead: each workload natively, under the recorder (LD_PRELOAD, exact
and --sample 512K), under `memkit run` when this memkit has it, under heaptrack and under valgrind
--tool=dhat, in interleaved rounds. Each round runs native first and last and the other contenders
in between in a shuffled order, and each contender is compared with the mean of that round's two
native runs: this VM's speed drifts by up to 1.5x over tens of seconds, and bracketing keeps the
drift out of the ratios. Prints a Markdown table per workload: median wall time, min-max, the median
of the per-round wall-time ratios against native, and the same ratio for CPU time (user + sys).
Two floor rows show what interposition costs before any recording: an interposer that only
forwards malloc and free, and the recorder's hooks with its backend switched off (counting only).
heaptrack and DHAT are 20-60x slower, so they run only in the first --slow-rounds rounds. A missing
tool is skipped with a note.

The threaded and real-program rows (MT1, MT2, MT64, PY, GXX, XZ) are the recorder's cost on
threads and on programs built by Debian: bench/prof/mt.c with 1, 2 (some frees of the other
thread's blocks) and 64 threads; Debian's python3 with PYTHONMALLOC=malloc (pymalloc off, so every
object is a malloc) on bench/prof/interp.py; g++'s cc1plus -O2 on a file written by bench/prof/gen_cpp.py;
xz -T2 on a text file written by w6_gen. A program that is not installed skips its row with a note.
--skip drops contenders by key: empty, counting, exact, sampled, run, heaptrack, dhat.

usage: run.py --top TOP --bin DIR [--rounds 5] [--slow-rounds 1] [--only p1,mt2] [--skip dhat,run]
              [--out FILE]"""
import argparse, json, os, random, resource, shutil, statistics, subprocess, sys, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("--top", required=True)
ap.add_argument("--bin", required=True)
ap.add_argument("--rounds", type=int, default=5)
ap.add_argument("--slow-rounds", type=int, default=1)
ap.add_argument("--only", default="")
ap.add_argument("--skip", default="")
ap.add_argument("--out", default="")
ap.add_argument("--before", default="", help="an older libmemkit-prof.so: adds its exact and sampled rows, for before/after tables")
a = ap.parse_args()
top, bindir = os.path.abspath(a.top), os.path.abspath(a.bin)
lib = os.path.join(top, "build/rel/libmemkit-prof.so")
memkit = os.path.join(top, "build/rel/memkit")
tmp = tempfile.mkdtemp(prefix="mkbench.")
# The recorder keeps its state in a shared file on tmpfs, as under `memkit run` (MEMKIT_STATE).
statedir = tempfile.mkdtemp(prefix="mkbench-state.", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
python = subprocess.run(["python3", "-c", "import sys; print(sys.executable)"], capture_output=True, text=True).stdout.strip()

# The compiler row runs g++'s compiler proper itself: the g++ driver's children are profiled by memkit
# (LD_PRELOAD is inherited) but not by heaptrack, which would compare different work.
cc1plus = subprocess.run(["g++", "-print-prog-name=cc1plus"], capture_output=True, text=True).stdout.strip() \
    if shutil.which("g++") else "cc1plus"
workloads = [
    ("P1", "churn, -O2 -g (no frame pointers)", [os.path.join(bindir, "p1")]),
    ("P1-fp", "churn, -O2 -g -fno-omit-frame-pointer", [os.path.join(bindir, "p1fp")]),
    ("P2", "grow by realloc doubling", [os.path.join(bindir, "p2")]),
    ("P3", "5M strdup'd words, half kept", [os.path.join(bindir, "p3")]),
    ("P4", "two threads, cross-thread frees", [os.path.join(bindir, "p4")]),
    ("P5", "python3 builds and serializes a big JSON document", [python, os.path.join(top, "bench/prof/p5.py")]),
    ("T2", "2 threads x 4M malloc/free pairs", [os.path.join(bindir, "pt"), "2", "4000000"]),
    ("T64", "64 threads x 200k malloc/free pairs on this machine's cores", [os.path.join(bindir, "pt"), "64", "200000"]),
    ("MT1", "bench/prof/mt.c, 1 thread x 40M malloc/free pairs (16 live blocks, 16-271 B)",
     [os.path.join(bindir, "mt"), "1", "40000000", "0"]),
    ("MT2", "bench/prof/mt.c, 2 threads x 20M pairs, every 8th free through a shared mailbox (often the other thread's block)",
     [os.path.join(bindir, "mt"), "2", "20000000", "8"]),
    ("MT64", "bench/prof/mt.c, 64 threads x 1M pairs on %d cores" % os.cpu_count(),
     [os.path.join(bindir, "mt"), "64", "1000000", "0"]),
    ("PY", "Debian's python3, PYTHONMALLOC=malloc, bench/prof/interp.py 40000",
     ["/usr/bin/python3", os.path.join(top, "bench/prof/interp.py"), "40000"], {"PYTHONMALLOC": "malloc"}),
    ("GXX", "Debian's g++ compiler proper (cc1plus) -O2 on a generated 12-function C++ file (bench/prof/gen_cpp.py)",
     [cc1plus, "-quiet", "-O2", "-imultiarch", "x86_64-linux-gnu", "-D_GNU_SOURCE", os.path.join(bindir, "gxx-input-12.cpp"),
      "-o", "/dev/null"]),
    ("XZ", "Debian's xz -T2 -0 on a 32 MiB generated text file (w6_gen)",
     ["xz", "-T2", "-0", "-c", os.path.join(bindir, "xz-input.txt")]),
]
workloads = [w if len(w) == 4 else (*w, {}) for w in workloads]
if a.only:
    keep = set(a.only.upper().split(","))
    workloads = [w for w in workloads if w[0].upper() in keep]

notes = []
# Programs this machine may not have, and the inputs the real-program rows need (made once).
kept = []
for w in workloads:
    prog = w[2][0]
    if not (os.path.exists(prog) if os.path.isabs(prog) else shutil.which(prog)):
        notes.append("%s: %s is not installed (or not built): its row is skipped." % (w[0], prog))
        continue
    kept.append(w)
workloads = kept
# 12 functions: heaptrack 1.4's interpreter dies of std::bad_alloc on a 25-function file (cc1plus
# then dies of SIGPIPE), so the row stays small enough for every contender.
gxx_input, xz_input = os.path.join(bindir, "gxx-input-12.cpp"), os.path.join(bindir, "xz-input.txt")
if any(w[0] == "GXX" for w in workloads) and not os.path.exists(gxx_input):
    subprocess.run([sys.executable, os.path.join(top, "bench/prof/gen_cpp.py"), gxx_input, "12"], check=True)
if any(w[0] == "XZ" for w in workloads) and (not os.path.exists(xz_input) or os.path.getsize(xz_input) != 32 << 20):
    subprocess.run([os.path.join(bindir, "w6_gen"), xz_input, str(32 << 20)], check=True, stdout=subprocess.DEVNULL)
skip = set(a.skip.lower().split(",")) - {""}
def have_memkit_run():
    if not os.path.exists(memkit):
        return False
    r = subprocess.run([memkit, "run", "-o", os.path.join(tmp, "probe.json"), "--", "/bin/true"], capture_output=True)
    return r.returncode == 0

contenders = [("native", False, lambda cmd: (cmd, {}))]
empty = os.path.join(bindir, "empty-interposer.so")
if os.path.exists(empty) and "empty" not in skip:
    contenders.append(("empty interposer (floor)", False, lambda cmd: (cmd, {"LD_PRELOAD": empty})))
if "counting" not in skip:
    contenders.append(("recorder's hooks, counting only", False,
                       lambda cmd: (cmd, {"LD_PRELOAD": lib, "MEMKIT_ROOT_PID": "1"})))
if "exact" not in skip:
    contenders.append(("memkit recorder, exact", False,
                       lambda cmd: (cmd, {"LD_PRELOAD": lib, "MEMKIT_OUT": os.path.join(tmp, "r.%p.raw"), "MEMKIT_STATE": statedir})))
if "sampled" not in skip:
    contenders.append(("memkit recorder, --sample 512K", False,
                       lambda cmd: (cmd, {"LD_PRELOAD": lib, "MEMKIT_OUT": os.path.join(tmp, "r.%p.raw"), "MEMKIT_SAMPLE": "524288",
                                          "MEMKIT_STATE": statedir})))
if a.before:
    before_lib = os.path.abspath(a.before)
    contenders.append(("before: recorder, exact", False,
                       lambda cmd: (cmd, {"LD_PRELOAD": before_lib, "MEMKIT_OUT": os.path.join(tmp, "r.%p.raw")})))
    contenders.append(("before: recorder, --sample 512K", False,
                       lambda cmd: (cmd, {"LD_PRELOAD": before_lib, "MEMKIT_OUT": os.path.join(tmp, "r.%p.raw"), "MEMKIT_SAMPLE": "524288"})))
if "run" in skip:
    pass
elif have_memkit_run():
    contenders.append(("memkit run", False, lambda cmd: ([memkit, "run", "-o", os.path.join(tmp, "m.%p.json"), "--", *cmd], {})))
else:
    notes.append("`memkit run` is not in this build (the analyzer lands separately): its row is skipped; the recorder rows are the recording cost it adds.")
if "heaptrack" in skip:
    pass
elif shutil.which("heaptrack"):
    contenders.append(("heaptrack", True, lambda cmd: (["heaptrack", "-o", os.path.join(tmp, "h"), *cmd], {})))
else:
    notes.append("heaptrack is not installed: skipped.")
if "dhat" in skip:
    pass
elif shutil.which("valgrind"):
    contenders.append(("valgrind --tool=dhat", True,
                       lambda cmd: (["valgrind", "--tool=dhat", "--dhat-out-file=" + os.path.join(tmp, "d.json"), *cmd], {})))
else:
    notes.append("valgrind is not installed: skipped.")


def run_once(argv, env):
    e = dict(os.environ)
    e.update(env)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(argv, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    for d in (tmp, statedir):
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
    return (wall, cpu) if r.returncode == 0 else (None, None)


out = []
shown = ["--rounds", str(a.rounds), "--slow-rounds", str(a.slow_rounds)] + (["--only", a.only] if a.only else []) + \
        (["--skip", a.skip] if a.skip else [])
out.append("Command: `python3 bench/prof/run.py --top . --bin bench/build %s` (`make bench` runs P1-P5 and the "
           "MT/PY/GXX/XZ rows with the defaults). Machine: %d cores, load average %.1f at the start (the machine is "
           "shared)." % (" ".join(shown), os.cpu_count(), os.getloadavg()[0]))
out.append("")
rng = random.Random(1)
for name, desc, cmd, wenv in workloads:
    res = {c[0]: [] for c in contenders}
    for rnd in range(a.rounds):
        others = contenders[1:]
        rng.shuffle(others)
        before = run_once(cmd, wenv)
        for cname, slow, mk in others:
            if slow and rnd >= a.slow_rounds:
                res[cname].append((None, None))
                continue
            argv, env = mk(cmd)
            res[cname].append(run_once(argv, dict(wenv, **env)))
        after = run_once(cmd, wenv)
        ok = before[0] is not None and after[0] is not None
        res["native"].append(((before[0] + after[0]) / 2, (before[1] + after[1]) / 2) if ok else (None, None))
        print(f"{name}: round {rnd + 1}/{a.rounds} done", file=sys.stderr)
    out.append(f"### {name}: {desc}")
    out.append("")
    out.append("| contender | wall median (s) | min-max (s) | wall ratio to native | CPU ratio to native | rounds |")
    out.append("|---|---:|---:|---:|---:|---:|")
    nat = res["native"]
    for cname, _, _ in contenders:
        rows = res[cname]
        walls = [w for w, _ in rows if w is not None]
        if not walls:
            out.append(f"| {cname} | failed or skipped | | | | 0 |")
            continue
        wr = [w / nat[i][0] for i, (w, c) in enumerate(rows) if w is not None and nat[i][0]]
        cr = [c / nat[i][1] for i, (w, c) in enumerate(rows) if w is not None and nat[i][1]]
        out.append("| %s | %.3f | %.3f-%.3f | %.2fx | %.2fx | %d |" % (
            cname, statistics.median(walls), min(walls), max(walls),
            statistics.median(wr) if wr else 0, statistics.median(cr) if cr else 0, len(walls)))
    out.append("")

# The recorder's own memory per live block, on P3 (2.5M blocks live at the peak).
if any(w[0] == "P3" for w in workloads):
    rawcheck = os.path.join(bindir, "rawcheck")
    e = dict(os.environ, LD_PRELOAD=lib, MEMKIT_OUT=os.path.join(tmp, "mem.raw"))
    subprocess.run([os.path.join(bindir, "p3")], env=e, stdout=subprocess.DEVNULL)
    j = subprocess.run([rawcheck, os.path.join(tmp, "mem.raw")], capture_output=True, text=True)
    if j.returncode == 0:
        p = json.loads(j.stdout)
        t = p["totals"]
        out.append("Recorder memory on P3 (exact mode): %d bytes mapped (tables, site arena, resident site-table "
                   "pages) for %d blocks live at the peak and %d sites: %.1f bytes per live block, site table included."
                   % (t["recorder_bytes"], t["gbk"], len(p["sites"]), t["recorder_bytes"] / max(1, t["gbk"])))
        out.append("")
    # Sampled mode: the shadow's resident pages replace the live table for unsampled blocks.
    e = dict(e, MEMKIT_SAMPLE="524288", MEMKIT_OUT=os.path.join(tmp, "mems.raw"))
    subprocess.run([os.path.join(bindir, "p3")], env=e, stdout=subprocess.DEVNULL)
    j = subprocess.run([rawcheck, os.path.join(tmp, "mems.raw")], capture_output=True, text=True)
    if j.returncode == 0:
        t = json.loads(j.stdout)["totals"]
        out.append("Recorder memory on P3 with `--sample 512K`: %d bytes (the same, with the shadow's resident "
                   "pages instead of live-table entries for unsampled blocks): %.1f bytes per live block."
                   % (t["recorder_bytes"], t["recorder_bytes"] / max(1, t["gbk"])))
        out.append("")
out.append("Load average at the end: %.1f." % os.getloadavg()[0])
out.append("")
for n in notes:
    out.append("- " + n)
shutil.rmtree(tmp, ignore_errors=True)
shutil.rmtree(statedir, ignore_errors=True)
text = "\n".join(out) + "\n"
print(text)
if a.out:
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    open(a.out, "w").write(text)
