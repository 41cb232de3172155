#!/usr/bin/env python3
"""check.py - custom allocators' blocks (memkit/prof.h) in memkit run's profile (run by check.sh).

custom.c reports, when run with "annotate": 100 arena blocks of 24 bytes (freed by a reset), 10 of
40 bytes (live at exit), 8 pool blocks of 64 bytes (one freed, seven by a pool reset), 5 blocks of
100 bytes (freed), one of 1 MiB (freed; live at the peak) and 20 mk_pool objects of 48 bytes (5
freed, the rest by mk_pool_reset); a claim of 2^48 bytes is ignored. "plain" makes the same mallocs and
reports nothing. Every figure below is known in advance from those counts."""
import glob, json, os, shutil, subprocess, sys, tempfile

REL, BIN = sys.argv[1], sys.argv[2]
LIB = os.path.join(REL, "libmemkit-prof.so")
MEMKIT = os.path.join(REL, "memkit")
FN_CUSTOM = 5
passed = failed = 0
work = tempfile.mkdtemp(prefix="mkcustom.")


def ok(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def env(extra=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith("MEMKIT_")}
    e.update(extra or {})
    return e


def raw_run(prog, mode, extra=None):
    d = os.path.join(work, f"{prog}-{mode}-{len(os.listdir(work))}")
    os.makedirs(d)
    e = env({"LD_PRELOAD": LIB, "MEMKIT_OUT": os.path.join(d, "p.%p.raw"), **(extra or {})})
    r = subprocess.run([os.path.join(BIN, prog), mode], cwd=d, env=e, capture_output=True, text=True, timeout=120)
    files = glob.glob(os.path.join(d, "p.*.raw"))
    if r.returncode != 0 or len(files) != 1:
        return r.stdout, None
    j = subprocess.run([os.path.join(BIN, "rawcheck"), files[0]], capture_output=True, text=True)
    return r.stdout, json.loads(j.stdout) if j.returncode == 0 else None


def by_size(p, size, kind=FN_CUSTOM):
    ss = [s for s in p["sites"] if s["kind"] == kind and s["min_size"] == size and s["max_size"] == size]
    return {k: sum(s[k] for s in ss) for k in ("tb", "tbk", "eb", "ebk", "gb", "gbk")}


EXPECT = {  # size: (blocks, bytes, blocks live at exit)
    24: (100, 2400, 0),
    40: (10, 400, 10),
    64: (8, 512, 0),
    100: (5, 500, 0),
    1 << 20: (1, 1 << 20, 0),
    48: (20, 960, 0),
}
ALL_K = sum(v[0] for v in EXPECT.values())
ALL_B = sum(v[1] for v in EXPECT.values())


def check_pair(prog, extra=None, tag=""):
    name = prog + tag
    out, a = raw_run(prog, "annotate", extra)
    ok(f"{name}: annotated run writes a profile, mk_arena_annotate is on", a is not None and "annotate=1" in out,
       out)
    # The pool part: 8 blocks of 64 and the slab's malloc (4096), all given back, as the counting
    # API sees them under memkit run.
    ok(f"{name}: the counting API counts the pool's blocks", "region=9,4608,9,4608" in out, out)
    pout, p = raw_run(prog, "plain", extra)
    ok(f"{name}: plain run writes a profile", p is not None)
    ok(f"{name}: the counting API counts only the slab without annotations", "region=1,4096,1,4096" in pout, pout)
    if a is None or p is None:
        return
    sampled = bool(extra)
    ok(f"{name}: plain run has no custom site", all(s["kind"] != FN_CUSTOM for s in p["sites"]))
    ta, tp = a["totals"], p["totals"]
    # Custom blocks are heap blocks in the totals (as valgrind's MALLOCLIKE_BLOCK and heaptrack).
    ok(f"{name}: totals grow by exactly the custom blocks",
       ta["tb"] - tp["tb"] == ALL_B and ta["tbk"] - tp["tbk"] == ALL_K, f"{ta} {tp}")
    ok(f"{name}: frees grow by the custom frees and resets",
       ta["frees"] - tp["frees"] == ALL_K - 10, f"{ta['frees']} {tp['frees']}")
    ok(f"{name}: t-end live grows by the 10 arena blocks kept",
       ta["eb"] - tp["eb"] == 400 and ta["ebk"] - tp["ebk"] == 10, f"{ta} {tp}")
    ok(f"{name}: the 1 MiB custom block is in t-gmax",
       ta["gb"] >= (1 << 20) and tp["gb"] < (1 << 20) and ta["gb"] - tp["gb"] <= (1 << 20) + 4096, f"{ta} {tp}")
    ok(f"{name}: t-gmax before t-end", a["tg"] <= a["te"])
    ok(f"{name}: no unknown frees", ta["unknown_frees"] == 0 and not (a["flags"] & 4), str(ta))
    if sampled:
        return
    for size, (k, b, ek) in EXPECT.items():
        f = by_size(a, size)
        ok(f"{name}: custom sites of {size}-byte blocks: {k} blocks, {b} bytes, {ek} live at exit",
           f["tbk"] == k and f["tb"] == b and f["ebk"] == ek and f["eb"] == ek * size, str(f))
    big = by_size(a, 1 << 20)
    ok(f"{name}: the 1 MiB site holds it at t-gmax", big["gb"] == 1 << 20 and big["gbk"] == 1, str(big))
    t = a["totals"]
    ok(f"{name}: totals agree with the sites",
       all(t[k] == sum(s[k] for s in a["sites"]) for k in ("tb", "tbk", "eb", "ebk", "gb", "gbk")), str(t))


check_pair("custom")
check_pair("custom_nopie")
check_pair("custom", {"MEMKIT_SAMPLE": "4096"}, " (sampled)")

_, t = raw_run("custom", "threads")
ok("threads: a profile", t is not None)
if t:
    f = by_size(t, 32)
    ok("threads: 4 pools of 1000 blocks of 32 bytes, all given back", f["tbk"] == 4000 and f["tb"] == 128000
       and f["ebk"] == 0 and f["eb"] == 0, str(f))
    ok("threads: totals' t-end and frees", t["totals"]["ebk"] == sum(s["ebk"] for s in t["sites"])
       and t["totals"]["frees"] == t["totals"]["tbk"] - t["totals"]["ebk"], str(t["totals"]))

# memkit run: the text report marks the custom sites and says what the totals hold; the DHAT file
# carries mkFn.
d = os.path.join(work, "cli")
os.makedirs(d)
r = subprocess.run([MEMKIT, "run", "-o", os.path.join(d, "c.json"), "--top", "100", "--",
                    os.path.join(BIN, "custom"), "annotate"], cwd=d, env=env(), capture_output=True, text=True,
                   timeout=120)
ok("memkit run: exits 0", r.returncode == 0, r.stderr[-500:])
text = r.stderr
line = f"Custom:    {ALL_K} custom allocator blocks ({ALL_B:,} bytes), also inside the heap blocks of their arenas"
ok("memkit run: the text report counts the custom blocks", line in text, text[:800])
try:
    j = json.load(open(os.path.join(d, "c.json")))
    kinds = [pp.get("mkFn") for pp in j["pps"]]
    cus = [pp for pp in j["pps"] if pp.get("mkFn") == FN_CUSTOM]
    ok("memkit run: the DHAT file marks custom sites with mkFn", sum(pp["tbk"] for pp in cus) == ALL_K, str(kinds))
    ok("memkit run: DHAT t-end figures of the custom sites", sum(pp["eb"] for pp in cus) == 400)
    marks = text.count("    custom allocator: blocks reported through memkit/prof.h\n")
    ok("memkit run: the text report marks each custom site, and only those", marks == len(cus) > 0,
       f"{marks} marks, {len(cus)} custom sites")
except (OSError, ValueError, KeyError) as e:
    ok("memkit run: the DHAT file loads", False, str(e))
r = subprocess.run([MEMKIT, "run", "-o", os.path.join(d, "p.json"), "--", os.path.join(BIN, "custom"), "plain"],
                   cwd=d, env=env(), capture_output=True, text=True, timeout=120)
ok("memkit run: without annotations no custom line or mark",
   r.returncode == 0 and "Custom:" not in r.stderr and "memkit/prof.h" not in r.stderr, r.stderr[:500])
r = subprocess.run([MEMKIT, "report", os.path.join(d, "c.json")], cwd=d, env=env(), capture_output=True, text=True)
ok("memkit report: the DHAT file's report keeps the custom line", r.returncode == 0 and line in r.stdout + r.stderr,
   (r.stdout + r.stderr)[:500])

shutil.rmtree(work, ignore_errors=True)
print(f"custom: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
