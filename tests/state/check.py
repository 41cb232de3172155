#!/usr/bin/env python3
"""check.py - the recorder's state (run by check.sh): every way a program can end, with exact totals
on progs/ending.c, whose allocations are known (1000 blocks of 100 bytes kept, 500 of 200 freed);
snapshots and `memkit top` of a running program; --snapshot-every and --snapshot-at; the timeline's
bounds; the growing-site advice; bad input. Killed runs synchronise on the program's "ready" line,
never on sleeps."""
import glob, json, os, resource, shutil, signal, subprocess, sys, tempfile

TOP, BIN = sys.argv[1], sys.argv[2]
MK = os.path.join(TOP, "build/rel/memkit")
LIB = os.path.join(TOP, "build/rel/libmemkit-prof.so")
PROG = os.path.join(BIN, "ending")
work = tempfile.mkdtemp(prefix="mkstate.")
passed = failed = skipped = 0


def ok(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def skip(name):
    global skipped
    skipped += 1
    print(f"SKIP {name}")


def env():
    e = {k: v for k, v in os.environ.items() if not k.startswith("MEMKIT_")}
    return e


def load(path):
    try:
        return json.load(open(path))
    except Exception as ex:
        return {"error": str(ex)}


def site(d, size):
    """The program point whose blocks are all of size bytes."""
    ss = [p for p in d.get("pps", []) if p.get("mkMin") == size and p.get("mkMax") == size]
    return ss[0] if len(ss) == 1 else None


def exact(name, d, tb=200000, tbk=1500, eb=100000, ebk=1000):
    t = d.get("mkTotals", {})
    got = (t.get("tb"), t.get("tbk"), t.get("eb"), t.get("ebk"))
    ok(f"{name}: totals exact (tb {tb}, tbk {tbk}, t-end {eb} in {ebk})", got == (tb, tbk, eb, ebk), f"got {got}")
    s = site(d, 100)
    ok(f"{name}: the 100-byte site has its 1000 blocks live at t-end", s is not None and (s["eb"], s["ebk"], s["tbk"]) == (100000, 1000, 1000),
       str(s and (s["eb"], s["ebk"], s["tbk"])))
    tl = d.get("mkTimeline", {}).get("points", [])
    ok(f"{name}: the timeline's last point is t-end ({eb} live bytes)", tl and tl[-1][1] == t.get("eb") and tl[-1][2] == t.get("ebk"),
       str(tl[-1:] if tl else None))


def run(tag, args, prog_args, stdin=subprocess.DEVNULL, extra_env=None, preexec=None):
    d = os.path.join(work, tag)
    os.makedirs(d, exist_ok=True)
    e = env()
    e.update(extra_env or {})
    out = os.path.join(d, "p.json")
    r = subprocess.run([MK, "run", "--format", "dhat,text", "-o", out, *args, "--", PROG, *prog_args], cwd=d, env=e,
                       stdin=stdin, capture_output=True, text=True, timeout=120, preexec_fn=preexec)
    return r, load(out), d


# ---- every ending ----
endings = [
    ("exit", 0, {"how": "exit", "status": 0}),
    ("_exit", 3, {"how": "_exit", "status": 3}),
    ("kill", -9, {"how": "signal", "signal": 9, "name": "Killed"}),
    ("segv", -11, {"how": "signal", "signal": 11, "name": "Segmentation fault"}),
    ("abort", -6, {"how": "signal", "signal": 6, "name": "Aborted"}),
    ("double", -6, {"how": "signal", "signal": 6, "name": "Aborted"}),
]
for how, rc, ended in endings:
    r, d, _ = run(how, [], [how])
    ok(f"{how}: memkit passes the ending through (status {rc})", r.returncode == rc, f"got {r.returncode}: {r.stderr[-300:]}")
    ok(f"{how}: mkEnded says how it ended", d.get("mkEnded") == ended, str(d.get("mkEnded")))
    if how == "double":
        exact(how, d, tb=200024, tbk=1501, eb=100000, ebk=1000)
        ok("double: glibc's message reached the user and the second free is an unknown free",
           "double free detected" in r.stderr and d["mkTotals"]["unknownFrees"] == 1, r.stderr[-300:])
    else:
        exact(how, d)
    if rc < 0:
        ok(f"{how}: memkit says it was killed and that figures are as of the last event",
           f"killed by signal {-rc} (" in r.stderr and "figures as of its last allocation event" in r.stderr, r.stderr[-300:])
        ok(f"{how}: mkStateBytes is reported", d.get("mkStateBytes", 0) > 0)

# valgrind's viewer loads the DHAT file of a killed run (headless Chromium, as tests/analyzer does).
viewer = os.path.join(TOP, "tests/analyzer/viewer.js")
if shutil.which("node") and os.path.exists("/usr/bin/chromium") and os.path.exists("/usr/libexec/valgrind/dh_view.html") \
        and os.path.isdir(os.path.join(TOP, "tests/analyzer/node_modules/playwright-core")):
    f = os.path.join(work, "kill", "p.json")
    d = load(f)
    want = [str(sum(p[k] for p in d.get("pps", []))) for k in ("tb", "tbk")]
    r = subprocess.run(["node", viewer, f, *want], capture_output=True, text=True, timeout=300)
    ok("dh_view.html loads the DHAT file of a run killed by SIGKILL", r.returncode == 0, r.stdout[-300:] + r.stderr[-300:])
else:
    skip("dh_view.html on a killed run (needs node, chromium, dh_view.html and tests/analyzer's npm install)")

# valgrind's DHAT agrees on the clean ending.
if shutil.which("valgrind"):
    vg = os.path.join(work, "vg.json")
    subprocess.run(["valgrind", "--tool=dhat", f"--dhat-out-file={vg}", PROG, "exit"], capture_output=True, timeout=300)
    v = load(vg)
    _, d, _ = run("exit-vg", [], ["exit"])
    sums = lambda j, k: sum(p[k] for p in j.get("pps", []))
    vs = tuple(sums(v, k) for k in ("tb", "tbk", "eb", "ebk"))
    ms = tuple(d["mkTotals"][k] for k in ("tb", "tbk", "eb", "ebk"))
    ok("exit: totals equal valgrind's DHAT", vs == ms, f"valgrind {vs}, memkit {ms}")
else:
    skip("exit vs valgrind's DHAT (valgrind not installed)")


def start(tag, args, prog_args=("wait",), extra_env=None):
    """memkit run in the background on a program that waits on stdin; returns (proc, pid, dir) once ready."""
    d = os.path.join(work, tag)
    os.makedirs(d, exist_ok=True)
    e = env()
    e.update(extra_env or {})
    p = subprocess.Popen([MK, "run", "--format", "dhat", "-o", os.path.join(d, "p.json"), *args, "--", PROG, *prog_args],
                         cwd=d, env=e, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    pid = int(line.split()[1]) if line.startswith("ready ") else None
    return p, pid, d, line


# ---- killed from outside: SIGKILL to the program, SIGTERM and SIGINT to memkit (forwarded) ----
for sig, target in ((signal.SIGKILL, "program"), (signal.SIGTERM, "memkit"), (signal.SIGINT, "memkit")):
    name = f"{signal.Signals(sig).name} to the {target}"
    p, pid, d, _ = start(f"outside-{sig}", [])
    if pid is None:
        ok(name + ": the program started", False)
        continue
    os.kill(pid if target == "program" else p.pid, sig)
    p.wait(timeout=120)  # stdin stays open: the program can only end by the (forwarded) signal
    _, err = p.communicate(timeout=60)
    dd = load(os.path.join(d, "p.json"))
    ok(f"{name}: memkit dies of the same signal", p.returncode == -sig, f"got {p.returncode}: {err[-300:]}")
    ok(f"{name}: mkEnded names the signal", dd.get("mkEnded", {}).get("signal") == sig, str(dd.get("mkEnded")))
    exact(name, dd)

# ---- several threads, killed ----
p, pid, d, _ = start("threads", [], ("threads",))
if pid:
    os.kill(pid, signal.SIGKILL)
    p.wait(timeout=120)
    p.communicate(timeout=60)
    dd = load(os.path.join(d, "p.json"))
    s64 = site(dd, 64) or {}
    ok("threads, SIGKILL: the threads' 64-byte blocks are all live at t-end", (s64.get("eb"), s64.get("ebk")) == (51200, 800), str(s64))
    ok("threads, SIGKILL: three threads allocated", dd.get("mkTotals", {}).get("threads") == 3, str(dd.get("mkTotals")))
    s100 = site(dd, 100) or {}
    ok("threads, SIGKILL: the main thread's blocks too", (s100.get("eb"), s100.get("ebk")) == (100000, 1000), str(s100))

# ---- --follow-fork: a child that kills itself has its own profile ----
r, d, dd = run("fork", ["--follow-fork"], ["fork"])
files = sorted(glob.glob(os.path.join(dd, "p.json*")))
child = [load(f) for f in files if not f.endswith("p.json")]
ok("fork: the parent exits 0 and memkit writes two files", r.returncode == 0 and len(files) == 2, f"{r.returncode} {files}")
if child:
    t = child[0].get("mkTotals", {})
    ok("fork: the child killed by SIGKILL keeps its 300 blocks of 32 bytes, live at t-end",
       (t.get("tb"), t.get("tbk"), t.get("eb"), t.get("ebk")) == (9600, 300, 9600, 300), str(t))
    ok("fork: memkit says the child ended before its recorder finished", "ended before its recorder finished" in r.stderr, r.stderr[-400:])
exact("fork: the parent", d)

# ---- the timeline and the growing sites ----
r, d, dd = run("grow", [], ["grow"])
tl = d.get("mkTimeline", {}).get("points", [])
ts = [q[0] for q in tl]
ok("timeline: between 2 and 1024 points", 2 <= len(tl) <= 1024, str(len(tl)))
ok("timeline: times strictly increasing", all(a < b for a, b in zip(ts, ts[1:])))
ok("timeline: bytes allocated so far never decrease", all(a[3] <= b[3] for a, b in zip(tl, tl[1:])))
ok("timeline: the last point is t-end", tl and tl[-1][0] == d.get("te") and tl[-1][1] == d["mkTotals"]["eb"], str(tl[-1:]))
det = d.get("mkDetailed", [])
ok("detailed points: at most 64, times increasing, indices into pps",
   0 < len(det) <= 64 and all(a["t"] < b["t"] for a, b in zip(det, det[1:])) and
   all(0 <= s[0] < len(d["pps"]) and s[1] > 0 for x in det for s in x["sites"]), str(len(det)))
rep = subprocess.run([MK, "report", os.path.join(dd, "p.json")], capture_output=True, text=True)
txt = rep.stdout
ok("report: a Heap over time chart with the peak marked", "Heap over time" in txt and "^" in txt, txt[:300])
grow_part = txt.split("Growing sites", 1)[1].split("Advice", 1)[0] if "Growing sites" in txt else ""
ok("report: the leaking and the caching sites are growing sites, the churn is not",
   "leak_site" in grow_part and "cache_site" in grow_part and "churn_site" not in grow_part, grow_part)
adv = txt.split("Advice:", 1)[1] if "Advice:" in txt else ""
leak_adv = adv.split("leak_site", 1)[1].split("\n- ", 1)[0] if "leak_site" in adv else ""
cache_adv = adv.split("cache_site", 1)[1].split("\n- ", 1)[0] if "cache_site" in adv else ""
ok("advice: the leaking site is called a leak, with its figures", "a leak" in leak_adv and "still live at the end" in leak_adv, leak_adv)
ok("advice: the cache is called an unbounded cache", "unbounded cache" in cache_adv and "mk_arena" in cache_adv, cache_adv)
r2, d2, _ = run("nogrow", [], ["exit"])
rep2 = subprocess.run([MK, "report", os.path.join(work, "nogrow", "p.json")], capture_output=True, text=True).stdout
ok("advice: a program that does not grow gets no growth advice", "a leak" not in rep2 and "unbounded cache" not in rep2, rep2[-400:])

# ---- snapshots and top of a running program ----
p, pid, d, ready = start("snap", [])
if pid:
    snap = os.path.join(d, "s.json")
    s = subprocess.run([MK, "snapshot", "-o", snap, str(pid)], capture_output=True, text=True)
    ok("snapshot PID: exit 0", s.returncode == 0, s.stderr)
    sd = load(snap)
    s2 = os.path.join(d, "s2.json")
    s = subprocess.run([MK, "snapshot", "-o", s2, str(p.pid)], capture_output=True, text=True)
    ok("snapshot of the memkit run process: the profile of its program", s.returncode == 0 and load(s2).get("pid") == pid, s.stderr)
    t1 = subprocess.run([MK, "top", "--once", str(pid)], capture_output=True, text=True)
    ok("top --once: one frame with the live heap and the main site", t1.returncode == 0 and t1.stdout.count("live:") == 1 and
       "main (ending.c:" in t1.stdout and "\033[" not in t1.stdout, t1.stdout + t1.stderr)
    t2 = subprocess.run([MK, "top", "-n", "2", "--top", "3", str(pid)], capture_output=True, text=True)
    ok("top -n 2: two frames, the second with a growth rate", t2.returncode == 0 and t2.stdout.count("live:") == 2 and "/s" in t2.stdout,
       t2.stdout)
    import pty, select
    m, sl = pty.openpty()
    tt = subprocess.Popen([MK, "top", str(pid)], stdin=sl, stdout=sl, stderr=sl)
    screen = b""
    while screen.count(b"live:") < 2 and tt.poll() is None:  # two refreshes, then q
        if select.select([m], [], [], 30)[0]:
            screen += os.read(m, 65536)
        else:
            break
    os.write(m, b"q")
    try:
        tt.wait(timeout=30)
    except subprocess.TimeoutExpired:
        tt.kill()
    ok("top in a terminal: it refreshes (clearing the screen) and q quits", tt.returncode == 0 and
       screen.count(b"live:") >= 2 and b"\033[H" in screen and b"q quits" in screen, repr(screen[-300:]))
    os.close(m), os.close(sl)
    out, err = p.communicate(timeout=60)  # closes the program's stdin: it exits
    fd = load(os.path.join(d, "p.json"))
    ok("snapshot: mkEnded says running", sd.get("mkEnded") == {"how": "running"}, str(sd.get("mkEnded")))
    st, ft = sd.get("mkTotals", {}), fd.get("mkTotals", {})
    ok("snapshot: totals <= the final totals", st and all(st[k] <= ft[k] for k in ("tb", "tbk", "gb", "gbk")), f"{st} {ft}")
    ok("snapshot: the kept blocks are live in it", (st.get("tb"), st.get("eb")) == (200000, 100000), str(st))
    ok("snapshot: the program's output is unchanged and it exits 0", ready + out == f"ready {pid}\n" and p.returncode == 0,
       repr(ready + out) + err[-200:])
    exact("after the snapshots, the final profile", fd)
else:
    ok("snapshot: the program started", False)

# ---- --snapshot-every and --snapshot-at ----
p, pid, d, _ = start("every", ["--snapshot-every", "100ms", "--snapshot-at", "50K,1G"])
if pid:
    lines = []
    while len([l for l in lines if "snapshot" in l]) < 2:
        l = p.stderr.readline()
        if not l:
            break
        lines.append(l)
    p.communicate(timeout=60)
    snaps = sorted(glob.glob(os.path.join(d, "p.snap*.json")))
    txt = "".join(lines)
    ok("--snapshot-every and --snapshot-at: numbered snapshot files while the program runs",
       len(snaps) >= 2 and "--snapshot-every" in txt and "--snapshot-at" in txt, txt + str(snaps))
    at = [load(f) for f in snaps]
    ok("--snapshot-at 50K: a snapshot whose peak passed 50 KiB (and none for 1G)",
       any(x.get("mkTotals", {}).get("gb", 0) >= 51200 for x in at) and txt.count("--snapshot-at") == 1, txt)
    ok("snapshots are running profiles", all(x.get("mkEnded") == {"how": "running"} for x in at))

# ---- equal peaks: the latest is kept, in the multi-threaded path and in the sampled fast path ----
for mode, args, name in (("mt", [], "multi-threaded path"), ("st", ["--sample", "1G"], "sampled fast path")):
    d = os.path.join(work, "peaks-" + mode)
    os.makedirs(d, exist_ok=True)
    f = os.path.join(d, "p.json")
    r = subprocess.run([MK, "run", "--format", "dhat", "-o", f, *args, "--", os.path.join(BIN, "peaks"), mode],
                       cwd=d, env=env(), capture_output=True, text=True)
    t = load(f).get("mkTotals", {})
    ok(f"equal peaks, {name}: t-gmax is the later peak (two blocks of 50000, not one of 100000)",
       r.returncode == 0 and t.get("gb") == t.get("eb", -1) + 100000 and t.get("gbk") == t.get("ebk", -1) + 2, str(t))
    if mode == "mt":
        two = [p for p in load(f).get("pps", []) if p.get("mkMin") == 50000]
        ok("equal peaks, multi-threaded path: the later peak's sites hold the t-gmax bytes",
           (sum(p["gb"] for p in two), sum(p["gbk"] for p in two)) == (100000, 2), str(two))

# ---- a program that allocates nothing: nothing reported that is not the program's ----
d = os.path.join(work, "empty")
os.makedirs(d, exist_ok=True)
r = subprocess.run([MK, "run", "--format", "dhat", "-o", os.path.join(d, "p.json"), "--", os.path.join(BIN, "empty")],
                   cwd=d, env=env(), capture_output=True, text=True)
t = load(os.path.join(d, "p.json")).get("mkTotals", {})
ok("empty main: no frees of unknown pointers (the recorder's own dlerror buffers are not the program's)",
   r.returncode == 0 and t.get("unknownFrees") == 0 and t.get("tbk") == 0, str(t))

# ---- bad input ----
def bad(name, argv, status, needle):
    r = subprocess.run(argv, capture_output=True, text=True)
    lines = r.stderr.strip().splitlines()
    ok(f"{name}: one line, exit {status}", r.returncode == status and len(lines) == 1 and needle in r.stderr,
       f"{r.returncode} {r.stderr!r}")

bad("--snapshot-every 10x", [MK, "run", "--snapshot-every", "10x", "--", "/bin/true"], 2, "duration")
bad("--snapshot-every 0", [MK, "run", "--snapshot-every", "0", "--", "/bin/true"], 2, "duration")
bad("--snapshot-at 1Q", [MK, "run", "--snapshot-at", "1Q", "--", "/bin/true"], 2, "sizes")
bad("--snapshot-at 1G,", [MK, "run", "--snapshot-at", "1G,", "--", "/bin/true"], 2, "sizes")
bad("snapshot abc", [MK, "snapshot", "abc"], 2, "not a process id")
bad("snapshot without a pid", [MK, "snapshot"], 2, "which process")
gone = subprocess.Popen(["/bin/true"])
gone.wait()
bad("snapshot of a pid that does not exist", [MK, "snapshot", str(gone.pid)], 1, "no process with pid")
bad("snapshot of a process not under memkit", [MK, "snapshot", str(os.getpid())], 1, "not running under memkit")
bad("top of a process not under memkit", [MK, "top", "--once", str(os.getpid())], 1, "not running under memkit")
bad("top -n 0", [MK, "top", "-n", "0", "1"], 2, "frames")
if os.geteuid() == 0:
    def as_nobody():
        os.setgid(65534)
        os.setuid(65534)
    r = subprocess.run([MK, "snapshot", str(os.getpid())], capture_output=True, text=True, preexec_fn=as_nobody)
    ok("snapshot of another user's process: one line, exit 1", r.returncode == 1 and "another user" in r.stderr, r.stderr)
else:
    r = subprocess.run([MK, "snapshot", "1"], capture_output=True, text=True)
    ok("snapshot of another user's process: one line, exit 1", r.returncode == 1 and "another user" in r.stderr, r.stderr)

# State files read by memkit report: a good one, then a newer version, truncated, corrupted.
sd = os.path.join(work, "statefile")
os.makedirs(sd, mode=0o700)
e = env()
e.update(LD_PRELOAD=LIB, MEMKIT_STATE=sd, MEMKIT_OUT=os.path.join(sd, "raw.%p"))
subprocess.run([PROG, "kill"], env=e, stdout=subprocess.DEVNULL)
states = glob.glob(os.path.join(sd, "state.*"))
if states:
    good = states[0]
    data = bytearray(open(good, "rb").read())
    r = subprocess.run([MK, "report", "--format", "dhat", good], capture_output=True, text=True)
    j = json.loads(r.stdout) if r.returncode == 0 else {}
    ok("report reads a dead program's state file, totals exact", j.get("mkTotals", {}).get("tb") == 200000, r.stderr)

    def variant(name, b, needle):
        f = os.path.join(sd, name)
        open(f, "wb").write(b)
        bad(f"state file {name}", [MK, "report", f], 1, needle)

    newer = bytearray(data)
    newer[8:12] = (99).to_bytes(4, "little")
    variant("newer", newer, "newer memkit")
    variant("truncated", data[:100], "truncated")
    variant("truncated2", data[:len(data) // 2], "truncated")
    hdr = bytearray(data)
    hdr[0x20:0x28] = (12345).to_bytes(8, "little")
    variant("badheader", hdr, "corrupt")
    # Random damage anywhere: an error line or a profile, never a crash.
    import random
    rng = random.Random(13)
    crashes = []
    for k in range(60):
        b = bytearray(data)
        for _ in range(rng.choice((1, 8, 64))):
            off = rng.randrange(0, min(len(b), 1 << 16)) if rng.random() < 0.7 else rng.randrange(0, len(b))
            b[off] = rng.randrange(256)
        f = os.path.join(sd, "fuzz")
        open(f, "wb").write(b)
        r = subprocess.run([MK, "report", f], capture_output=True, text=True)
        if r.returncode not in (0, 1) or (r.returncode == 1 and len(r.stderr.strip().splitlines()) != 1):
            crashes.append((k, r.returncode, r.stderr[-200:]))
    ok("60 randomly damaged state files: a profile or one error line, never a crash", not crashes, str(crashes[:3]))
else:
    ok("the recorder wrote a state file under MEMKIT_STATE", False, str(os.listdir(sd)))

# ---- a tmpfs that refuses memory (a file-size limit): the program is never disturbed ----
sizes = [int.from_bytes(open(s, "rb").read()[0x20:0x28], "little") for s in states[:1]]
if sizes:
    limit = sizes[0] + (16 << 20) + (32 << 10) + (64 << 10) + (16 << 10)  # globals, site array, timeline, cmd: no arena
    lim = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    r, d, _ = run("full-exit", [], ["exit"], preexec=lim)
    ok("full tmpfs, clean exit: the program exits 0, totals exact from the raw file", r.returncode == 0, r.stderr[-300:])
    exact("full tmpfs, clean exit", d) if d.get("mkTotals") else ok("full tmpfs, clean exit: a profile", False, r.stderr)
    r, d, _ = run("full-kill", [], ["kill"], preexec=lim)
    t = d.get("mkTotals", {})
    ok("full tmpfs, killed: memkit says the state could not grow, the totals stay exact",
       r.returncode == -9 and "could not grow" in r.stderr and (t.get("tb"), t.get("eb")) == (200000, 100000),
       f"{r.returncode} {t} {r.stderr[-300:]}")

shutil.rmtree(work, ignore_errors=True)
print(f"state: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
