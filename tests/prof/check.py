#!/usr/bin/env python3
"""check.py - the recorder's tests (run by check.sh): each program of progs/ runs under the
preloaded recorder and its raw profile (dumped as JSON by rawcheck) is checked against counts known
in advance; where valgrind is installed, totals and per-site figures are compared with DHAT's."""
import glob, json, os, shutil, subprocess, sys, tempfile

LIB, BIN = sys.argv[1], sys.argv[2]
passed = failed = 0
work = tempfile.mkdtemp(prefix="mkprof.")


def ok(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def run(prog, env=None, args=(), tag=None, preload=True, timeout=120):
    """Runs prog under the recorder in a fresh directory; returns (rc, stdout, [profiles])."""
    d = os.path.join(work, tag or prog)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    e = dict(os.environ)
    for k in list(e):
        if k.startswith("MEMKIT_"):
            del e[k]
    if preload:
        e["LD_PRELOAD"] = LIB
        e["MEMKIT_OUT"] = os.path.join(d, "p.%p.raw")
    e.update(env or {})
    r = subprocess.run([os.path.join(BIN, prog), *args], cwd=d, env=e, capture_output=True, timeout=timeout)
    profs = []
    for f in sorted(glob.glob(os.path.join(d, "p.*.raw"))):
        j = subprocess.run([os.path.join(BIN, "rawcheck"), f], capture_output=True, text=True)
        profs.append(json.loads(j.stdout) if j.returncode == 0 else {"error": j.stderr})
    return r.returncode, r.stdout.decode(errors="replace"), profs, d


def sites(p, size):
    return [s for s in p["sites"] if s["min_size"] == size and s["max_size"] == size]


def total(ss, key):
    return sum(s[key] for s in ss)


def sym(frame):
    """Function name of a frame [addr, module, rel] via addr2line."""
    r = subprocess.run(["addr2line", "-f", "-e", frame[1], hex(frame[2])], capture_output=True, text=True)
    return r.stdout.split("\n")[0] if r.returncode == 0 else "?"


def consistent(name, p, threads=False):
    """Totals = sum over sites. t-gmax figures only for one thread: with threads the global peak
    and the sites' snapshots of it are not taken atomically (documented)."""
    t = p["totals"]
    keys = ("tb", "tbk", "eb", "ebk") + (() if threads else ("gb", "gbk"))
    ok(f"{name}: totals agree with the sites (exact mode)", all(t[k] == total(p["sites"], k) for k in keys), str(t))
    ok(f"{name}: tbk >= mbk and tb >= mb on every site",
       all(s["tbk"] >= s["mbk"] and s["tb"] >= s["mb"] for s in p["sites"]))


def only(name, profs):
    ok(f"{name}: one profile written", len(profs) == 1 and "error" not in profs[0], str(profs)[:300])
    return profs[0] if profs and "error" not in profs[0] else None


# ---- one thread, known counts ----
rc, _, profs, _ = run("basic")
p = only("basic", profs)
if p:
    t = p["totals"]
    ok("basic: totals", (t["tb"], t["tbk"], t["gb"], t["gbk"], t["eb"], t["ebk"]) == (1607, 14, 1600, 13, 200, 1), str(t))
    a, b, c = sites(p, 100), sites(p, 200), sites(p, 7)
    ok("basic: site A", total(a, "tbk") == 10 and total(a, "eb") == 0 and total(a, "gbk") == 10)
    ok("basic: site B", total(b, "tb") == 600 and total(b, "ebk") == 1 and total(b, "gb") == 600)
    ok("basic: site C temporary and small", total(c, "temporary") == 1 and total(c, "small") == 1)
    ok("basic: frame 0 is the program's caller of malloc", a and sym(a[0]["frames"][0]) == "site_a",
       a and sym(a[0]["frames"][0]))
    ok("basic: one thread, header pid, argv", t["threads"] == 1 and p["pid"] > 0 and p["argv"][-1].endswith("basic"))
    ok("basic: tg <= te", p["tg"] <= p["te"])
    ok("basic: modules with build ids", any(m["path"].endswith("/basic") and m["build_id_len"] == 20 for m in p["modules"]))
    ok("basic: recorder memory reported", 0 < t["recorder_bytes"] < 64 << 20, str(t["recorder_bytes"]))
    consistent("basic", p)
    baseline_unknown = t["unknown_frees"]
else:
    baseline_unknown = 0

rc, _, profs, _ = run("realloc")
p = only("realloc", profs)
if p:
    g = [s for s in p["sites"] if s["max_size"] == 80]
    ok("realloc: chain site", len(g) == 1 and (g[0]["tb"], g[0]["tbk"], g[0]["eb"], g[0]["reallocs"], g[0]["max_chain"], g[0]["kind"]) == (180, 5, 0, 4, 4, 0), str(g))
    l = sites(p, 50)
    ok("realloc: realloc(NULL) site", len(l) == 1 and (l[0]["tb"], l[0]["eb"], l[0]["kind"]) == (50, 50, 2), str(l))
    r = [s for s in p["sites"] if s["max_size"] == 132]
    ok("realloc: reallocarray site", len(r) == 1 and (r[0]["tb"], r[0]["tbk"], r[0]["eb"]) == (198, 2, 0), str(r))
    t = p["totals"]
    ok("realloc: totals", (t["tb"], t["tbk"], t["eb"], t["ebk"], t["reallocs"]) == (488, 9, 50, 1, 5), str(t))  # realloc(p, 0) counts as a free
    z = sites(p, 60)
    ok("realloc: realloc(p, 0) frees p", len(z) == 1 and (z[0]["tb"], z[0]["tbk"], z[0]["eb"]) == (60, 1, 0), str(z))
    consistent("realloc", p)

# ---- the walk memo: one pc and sp, two call chains ----
for prog in ("memo", "memo_nofp"):
    rc, _, profs, _ = run(prog)
    p = only(prog, profs)
    if p:
        s = sites(p, 24)
        by = {}
        for x in s:
            names = [sym(f) for f in x["frames"]]
            key = "f" if "via_f" in names else "g" if "via_g" in names else "?"
            by[key] = by.get(key, 0) + x["tbk"]
        ok(f"{prog}: same pc and sp from two callers, two sites with their own counts",
           by == {"f": 300, "g": 600}, str(by))

# ---- sampling keeps every total exact (the shadow path and the live-table path) ----
# stress is not deterministic (its threads race), but it prints what it allocated: the totals less
# that (the threads' own blocks from glibc) must be the same sampled as exact.
def program_part(prog, out, t):
    if prog != "stress":
        return t
    nb, nby = (int(x) for x in out.split())
    return dict(t, tb=t["tb"] - nby, tbk=t["tbk"] - nb, frees=t["frees"] + t["reallocs"] - nb, reallocs=0)

for prog in ("realloc", "allfuncs", "basic", "stress"):
    rc, out, profs, _ = run(prog, tag=prog + "-exact", timeout=300)
    base = program_part(prog, out, profs[0]["totals"]) if len(profs) == 1 and "error" not in profs[0] else None
    for extra, label in (({}, "shadow"), ({"MEMKIT_NO_SHADOW": "1"}, "table")):
        rc, out, profs, _ = run(prog, env={"MEMKIT_SAMPLE": "1024", **extra}, tag=f"{prog}-sampled-{label}", timeout=300)
        p = only(f"{prog} sampled ({label})", profs)
        if p and base:
            keys = ("tb", "tbk", "eb", "ebk", "frees") + (() if prog == "stress" else ("gb", "gbk"))
            t = program_part(prog, out, p["totals"])
            ok(f"{prog} sampled ({label}): totals equal the exact run's",
               all(t[k] == base[k] for k in keys), f"sampled {t} exact {base}")

# Sampling across fork: the child inherits the shadow as it inherits the tables.
runs = {}
for label, extra in (("exact", {}), ("sampled", {"MEMKIT_SAMPLE": "1024"})):
    rc, out, profs, _ = run("forks", env={"MEMKIT_FOLLOW_FORK": "1", **extra}, tag="forks-follow-" + label)
    if len(profs) == 2 and all("error" not in q for q in profs):
        runs[label] = sorted((q["flags"] & 2, tuple(q["totals"][k] for k in ("tb", "tbk", "gb", "gbk", "eb", "ebk", "frees")))
                             for q in profs)
ok("fork --follow-fork, sampled: parent's and child's totals equal the exact run's",
   len(runs) == 2 and runs["exact"] == runs["sampled"], str(runs))

# ---- threads and cross-thread frees ----
rc, _, profs, _ = run("threads")
p = only("threads", profs)
if p:
    s = [x for x in p["sites"] if x["min_size"] == 64 and x["max_size"] == 67]
    ok("threads: the threads' site", len(s) == 1 and (s[0]["tbk"], s[0]["tb"], s[0]["eb"], s[0]["ebk"]) == (4000, 262000, 670, 10),
       str(s)[:300])
    t = p["totals"]
    ok("threads: totals exact", t["threads"] >= 4 and t["frees"] >= 3990 and t["ebk"] == total(p["sites"], "ebk"), str(t))
    consistent("threads", p, threads=True)

rc, out, profs, _ = run("stress", timeout=300)
p = only("stress", profs)
if p:
    nb, nby = (int(x) for x in out.split())
    # Sites whose allocating call is in the program itself (pthread_create's own blocks, reached
    # through glibc by the CFI unwinder, are not the program's count).
    ss = [s for s in p["sites"] if s["max_size"] <= 700 and s["frames"] and s["frames"][0][1].endswith("/stress")]
    ok("stress: 4 threads, cross-thread frees and reallocs: blocks and bytes exact",
       (total(ss, "tbk"), total(ss, "tb")) == (nb, nby), f"{(total(ss, 'tbk'), total(ss, 'tb'))} vs {(nb, nby)}")
    ok("stress: nothing live at the end", total(ss, "ebk") == 0 and p["totals"]["ebk"] == total(p["sites"], "ebk"), str(p["totals"]))
    consistent("stress", p, threads=True)

rc, out, profs, _ = run("iface")
ok("mk__count_iface: counts, process sums, peak, watch", rc == 0 and "FAIL" not in out and out.count("ok ") == 11, out)

# ---- fork ----
rc, out, profs, _ = run("forks", tag="forks")
ok("fork: exit status passes", rc == 0)
ok("fork: without --follow-fork only the parent writes", len(profs) == 1, str(len(profs)))
if profs and "error" not in profs[0]:
    p = profs[0]
    ok("fork: parent's counts", total(sites(p, 300), "tbk") == 5 and total(sites(p, 300), "eb") == 0
       and total(sites(p, 500), "eb") == 500 and not sites(p, 400), str(p["totals"]))
    ok("fork: parent's file is the parent's", p["pid"] != int(out.strip() or 0) and not p["flags"] & 2)
rc, out, profs, _ = run("forks", env={"MEMKIT_FOLLOW_FORK": "1"}, tag="forks-follow")
ok("fork --follow-fork: two profiles", len(profs) == 2, str(len(profs)))
if len(profs) == 2:
    child = [q for q in profs if q["pid"] == int(out.strip() or 0)]
    parent = [q for q in profs if q["pid"] != int(out.strip() or 0)]
    if child and parent:
        c, q = child[0], parent[0]
        ok("fork --follow-fork: child flagged, ppid is the parent", c["flags"] & 2 and c["ppid"] == q["pid"])
        ok("fork --follow-fork: child's counts", total(sites(c, 400), "tb") == 2800 and total(sites(c, 400), "eb") == 2800
           and total(sites(c, 300), "eb") == 900, str(c["totals"]))
        ok("fork --follow-fork: parent unchanged", total(sites(q, 500), "eb") == 500 and not sites(q, 400))
    else:
        ok("fork --follow-fork: pids", False, out)

# ---- C++ ----
rc, _, profs, _ = run("cxx")
p = only("cxx", profs)
if p:
    ok("cxx: new[]/delete[]", total(sites(p, 44), "tbk") == 1 and total(sites(p, 44), "eb") == 0)
    ok("cxx: new/delete", total(sites(p, 40), "tbk") == 3 and total(sites(p, 40), "eb") == 40)
    v = [s for s in p["sites"] if s["min_size"] == 4 and s["max_size"] == 32]
    ok("cxx: vector growth", len(v) == 1 and (v[0]["tb"], v[0]["tbk"], v[0]["eb"]) == (60, 4, 32), str(v))
    ok("cxx: libstdc++'s pool freed by __gnu_cxx::__freeres before t-end", p["totals"]["eb"] == 40 + 24 + 32, str(p["totals"]))
    consistent("cxx", p)

# ---- _exit, unknown frees, every function ----
rc, _, profs, _ = run("exit_")
ok("_exit: status passes", rc == 3, str(rc))
p = only("_exit", profs)
if p:
    t = p["totals"]
    ok("_exit: profile written from _exit", (t["tb"], t["tbk"], t["eb"], t["ebk"]) == (777, 5, 333, 3), str(t))

rc, _, profs, _ = run("foreign")
p = only("foreign", profs)
if p:
    t = p["totals"]
    ok("foreign: frees of unseen blocks change nothing", (t["tb"], t["tbk"], t["eb"]) == (154, 2, 0), str(t))
    ok("foreign: and are counted", t["unknown_frees"] - baseline_unknown == 4, str(t["unknown_frees"]))

rc, out, profs, _ = run("allfuncs")
rc0, out0, _, _ = run("allfuncs", preload=False, tag="allfuncs-native")
ok("allfuncs: glibc's results and errno unchanged", rc == rc0 and out == out0, "\n" + out + "---- native\n" + out0)
p = only("allfuncs", profs)
if p:
    kinds = {101: 0, 15: 1, 103: 2, 104: 2, 105: 3, 106: 3, 107: 3, 108: 4, 109: 4, 1: 0}
    for size, kind in kinds.items():
        s = sites(p, size)
        ok(f"allfuncs: block of {size}", len(s) == 1 and s[0]["eb"] == size and s[0]["kind"] == kind, str(s)[:200])
    ok("allfuncs: realloc(p, 0) freed p", total(sites(p, 200), "eb") == 0 and total(sites(p, 200), "tbk") == 1)
    t = p["totals"]
    ok("allfuncs: t-end", (t["eb"], t["ebk"]) == (sum(kinds), len(kinds)), str(t))

# ---- signals, fatal signals ----
rc, _, profs, _ = run("sig", timeout=300)
ok("sig: allocating signal handler does not deadlock", rc == 0)
p = only("sig", profs)
if p:
    ok("sig: counts consistent", p["totals"]["eb"] == 0 and p["totals"]["ebk"] == 0, str(p["totals"]))

rc, _, profs, d = run("crash")
ok("crash: killed by the signal", rc == -6, str(rc))
ok("crash: no profile and no temporary file", not os.listdir(d), str(os.listdir(d)))

# ---- environment ----
rc, _, profs, _ = run("basic", env={"MEMKIT_DEPTH": "2"}, tag="depth2")
p = only("depth 2", profs)
if p:
    ok("MEMKIT_DEPTH=2 bounds stacks", p["depth"] == 2 and all(len(s["frames"]) <= 2 for s in p["sites"]))
rc, _, profs, _ = run("basic", env={"MEMKIT_DEPTH": "999"}, tag="depth999")
ok("MEMKIT_DEPTH clamps to 128", profs and profs[0].get("depth") == 128)
for v, sampled in (("512K", True), ("1gb", True), ("36893488147419103233", False), ("17179869185G", False), ("12Q", False)):
    rc, _, profs, _ = run("basic", env={"MEMKIT_SAMPLE": v}, tag="sample-" + v)
    ok(f"MEMKIT_SAMPLE={v}: {'sampled' if sampled else 'not a byte count (or too large): exact'}",
       len(profs) == 1 and bool(profs[0]["flags"] & 1) == sampled, str(profs and profs[0]["flags"]))
rc, _, profs, _ = run("basic", env={"MEMKIT_ROOT_PID": "1"}, tag="notroot")
ok("MEMKIT_ROOT_PID: another process records nothing", rc == 0 and not profs)
rc, _, profs, _ = run("basic", env={"MEMKIT_ROOT_PID": "1", "MEMKIT_FOLLOW_FORK": "1"}, tag="notroot-follow")
ok("MEMKIT_ROOT_PID + MEMKIT_FOLLOW_FORK: a descendant records", len(profs) == 1 and profs[0]["flags"] & 2)

rc, _, profs, _ = run("chdir_", env={"MEMKIT_OUT": "rel.%p.raw"}, tag="chdir")
d = os.path.join(work, "chdir")
names = [f for f in os.listdir(d) if f.startswith("rel.") and f.endswith(".raw")]
ok("MEMKIT_OUT relative to the starting directory, even after chdir", rc == 0 and len(names) == 1, str(os.listdir(d)))

# ---- sampling ----
rc, _, profs, _ = run("basic", env={"MEMKIT_SAMPLE": "4096"}, tag="sampled")
p = only("sampled", profs)
if p:
    t = p["totals"]
    ok("sampling: totals stay exact", (t["tb"], t["tbk"], t["gb"], t["gbk"], t["eb"], t["ebk"]) == (1607, 14, 1600, 13, 200, 1), str(t))
    ok("sampling: flagged", p["flags"] & 1 and p["sample"] == 4096)
rc, _, profs, _ = run("many", env={"MEMKIT_SAMPLE": "4096"}, tag="many-sampled")
p = only("many sampled", profs)
if p:
    s = [x for x in p["sites"] if x["max_size"] == 32]
    est = total(s, "tbk")
    ok("sampling: per-site estimate unbiased (within 15%)", 85000 <= est <= 115000, str(est))
    ok("sampling: totals exact", p["totals"]["tbk"] >= 100000 and p["totals"]["eb"] == total(sites(p, 48), "eb") * 0 + p["totals"]["eb"])

# ---- DHAT ----
# ---- dlopen/dlclose churn: stacks stay whole, the recorder's memory stays bounded ----
def churn(cycles):
    rc, out, profs, _ = run("dlchurn", args=(str(cycles), os.path.join(BIN, "libchurn.so")), tag=f"dlchurn-{cycles}", timeout=600)
    return rc, only(f"dlchurn {cycles} cycles", profs)


def churn_stacks(name, p):
    """The library's blocks (100 bytes) share one site whose stack is the library's two frames,
    then main; the last cycle's (101 bytes) has the library's two, then last_cycle and main; the
    program's own block after the churn (777 bytes) has own_alloc, then main."""
    names = lambda s: [sym(f) for f in s["frames"]]
    lib, last, own = sites(p, 100), sites(p, 101), sites(p, 777)
    ok(f"{name}: the library's blocks share one site", len(lib) == 1, str([names(s) for s in lib]))
    ok(f"{name}: every library block's stack reaches main",
       lib and all(len(s["frames"]) >= 3 and names(s)[2] == "main" for s in lib), str([names(s) for s in lib]))
    ok(f"{name}: the last cycle's stack: the library, last_cycle, main",
       len(last) == 1 and names(last[0])[2:4] == ["last_cycle", "main"], str([names(s) for s in last]))
    ok(f"{name}: the program's own block after the churn: own_alloc, main",
       len(own) == 1 and names(own[0])[:2] == ["own_alloc", "main"], str([names(s) for s in own]))


rc, small = churn(200)
rc2, big = churn(2000)
ok("dlchurn: the program ran", rc == 0 and rc2 == 0, f"{rc} {rc2}")
if small and big:
    churn_stacks("dlchurn 2000", big)
    ok("dlchurn: totals", big["totals"]["tbk"] - small["totals"]["tbk"] >= 1800, str(big["totals"]))
    grow = big["totals"]["recorder_bytes"] - small["totals"]["recorder_bytes"]
    ok("dlchurn: the recorder's memory does not grow with the cycles (2000 vs 200)", grow <= 64 << 10, str(grow))


def dhat_pair(prog):
    """Runs prog under the recorder and under valgrind's DHAT: (DHAT's file, memkit's profile), or
    None when valgrind is missing or either run failed (reported)."""
    if not shutil.which("valgrind"):
        print(f"skip DHAT comparison of {prog}: valgrind is not installed (1 skipped)")
        return None
    rc, _, profs, d = run(prog, tag=prog + "-vs-dhat")
    out = os.path.join(d, "dhat.json")
    r = subprocess.run(["valgrind", "--tool=dhat", f"--dhat-out-file={out}", os.path.join(BIN, prog)], cwd=d, capture_output=True)
    if r.returncode != rc or not os.path.exists(out) or len(profs) != 1:
        ok(f"{prog} vs DHAT: both ran", False, r.stderr.decode()[-500:])
        return None
    dh, p = json.load(open(out)), profs[0]
    return dh, p


def dhat_compare(prog):
    both = dhat_pair(prog)
    if not both:
        return
    dh, p = both
    keys = ("tb", "tbk", "gb", "gbk", "eb", "ebk")
    dt = {k: sum(pp[k] for pp in dh["pps"]) for k in keys}
    ok(f"{prog} vs DHAT: totals equal", all(dt[k] == p["totals"][k] for k in keys), f"dhat {dt} memkit {p['totals']}")
    # Per site: the multisets of per-site figures must be equal. (Matching by address would need
    # the same stacks on both sides; a frame-pointer walk loses frames through code built without
    # them, e.g. operator new, where valgrind's unwinder does not.)
    fig = keys + ("mb", "mbk")
    mine = sorted(tuple(s[k] for k in fig) for s in p["sites"])
    theirs = sorted(tuple(pp[k] for k in fig) for pp in dh["pps"])
    ok(f"{prog} vs DHAT: per-site figures equal ({len(mine)} sites)", mine == theirs,
       f"\nmemkit {mine}\ndhat   {theirs}")


for prog in ("basic", "realloc", "cxx", "exit_"):  # not foreign: valgrind replaces __libc_malloc too
    dhat_compare(prog)


def dhat_compare_threads(prog, nthreads):
    """The recorder's one observer effect: its own TLS segment makes glibc's per-thread DTV (calloc'ed
    by pthread_create's allocate_dtv) one 16-byte slot longer, so each created thread's DTV block is
    16 bytes bigger than under valgrind. Everything else must be equal."""
    both = dhat_pair(prog)
    if not both:
        return
    dh, p = both
    # t-gmax figures are left out: with several threads the instant of the peak depends on how
    # the threads interleave, and valgrind runs them one at a time.
    fig = ("tb", "tbk", "eb", "ebk")
    mine = sorted(tuple(s[k] for k in fig) for s in p["sites"])
    theirs = sorted(tuple(pp[k] for k in fig) for pp in dh["pps"])
    only_mine = [m for m in mine if m not in theirs]
    only_theirs = [t for t in theirs if t not in mine]
    # The DTV site: nthreads blocks, each 16 bytes bigger under the recorder, freed at join.
    dtv = (len(only_mine) == 1 and len(only_theirs) == 1 and
           only_mine[0][0] - only_theirs[0][0] == 16 * nthreads and only_mine[0][1] == only_theirs[0][1] == nthreads)
    ok(f"{prog} vs DHAT: every site equal but the DTVs, {nthreads} x 16 bytes bigger (the recorder's TLS slot)", dtv,
       f"\nonly memkit {only_mine}\nonly dhat   {only_theirs}")
    tb = sum(pp["tb"] for pp in dh["pps"])
    ok(f"{prog} vs DHAT: total bytes differ by exactly {16 * nthreads}", p["totals"]["tb"] - tb == 16 * nthreads,
       f"dhat {tb} memkit {p['totals']['tb']}")


dhat_compare_threads("threads", 4)

shutil.rmtree(work, ignore_errors=True)
print(f"prof: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
