#!/usr/bin/env python3
"""dhatcheck.py - checks DHAT JSON files for the analyzer's suite.

  dhatcheck.py valid FILE [TB TBK GB GBK EB EBK]
      FILE is a DHAT file valgrind's viewer loads (docs/PROFILER.md; fields, unique stacks, unique frame strings,
      ftbl[0] == "[root]", indices in range, numbers < 2^53, tbk >= mbk ...) and, when given,
      its program points add up to the totals.
  dhatcheck.py compare MEMKIT.json VALGRIND.json [SOURCE]
      totals (tb/tbk, gb/gbk, eb/ebk) equal, and per site, matched by the innermost program frame
      (function + line of the innermost frame in the file SOURCE, e.g. basic.c; without SOURCE the
      innermost frame below the allocator's), the same figures.
Prints one line per problem and exits 1 when there is one; exits 3 when the totals agree and the
only differences are sites whose memkit stack never reached the program (the stack walk stopped in
a library), which the caller reports as a known limitation rather than a wrong count.
"""
import json
import re
import sys

LIMIT = 2 ** 53
ALLOC = {"malloc", "calloc", "realloc", "memalign", "aligned_alloc", "posix_memalign", "valloc",
         "reallocarray", "operator new", "operator new[]"}


def fail(msg):
    print(msg)
    sys.exit(1)


def valid(path, want):
    d = json.load(open(path))
    for k in ["dhatFileVersion", "mode", "verb", "bklt", "bkacc", "tu", "Mtu", "tuth", "cmd", "pid", "te",
              "tg", "pps", "ftbl"]:
        if k not in d:
            fail("%s: missing top-level %s" % (path, k))
    if d["dhatFileVersion"] != 2 or d["bklt"] is not True or d["bkacc"] is not False:
        fail("%s: wrong version/bklt/bkacc" % path)
    ftbl = d["ftbl"]
    if not ftbl or ftbl[0] != "[root]":
        fail("%s: ftbl[0] is not [root]" % path)
    if len(set(ftbl)) != len(ftbl):
        fail("%s: repeated frame strings in ftbl" % path)
    seen = set()
    sums = [0] * 6
    for i, pp in enumerate(d["pps"]):
        for k in ["tb", "tbk", "tl", "mb", "mbk", "gb", "gbk", "eb", "ebk", "fs"]:
            if k not in pp:
                fail("%s: pp %d lacks %s" % (path, i, k))
        for k, v in pp.items():
            if isinstance(v, int) and not 0 <= v < LIMIT:
                fail("%s: pp %d: %s out of range" % (path, i, k))
        fs = tuple(pp["fs"])
        if fs in seen:
            fail("%s: repeated location %s" % (path, fs))
        seen.add(fs)
        if any(not 1 <= x < len(ftbl) for x in fs):
            fail("%s: pp %d refers outside ftbl" % (path, i))
        if pp["tbk"] < pp["mbk"] or pp["tb"] < pp["mb"]:
            fail("%s: pp %d has mb > tb" % (path, i))
        for j, k in enumerate(["tb", "tbk", "gb", "gbk", "eb", "ebk"]):
            sums[j] += pp[k]
    used = {x for pp in d["pps"] for x in pp["fs"]}
    if len(used) != len(ftbl) - 1:
        fail("%s: %d frames in ftbl are not used" % (path, len(ftbl) - 1 - len(used)))
    if want and sums != want:
        fail("%s: sums %s, expected %s" % (path, sums, want))


def frame_key(s):
    m = re.match(r"0x[0-9A-Fa-f]+: (.*?) \((?:in )?(.*)\)$", s)
    if not m:
        return None
    fn = m.group(1).split(".")[0]
    fl = re.search(r"([^/ ]+):(\d+)$", m.group(2))
    return (fn, int(fl.group(2)) if fl else 0)


def site_key(d, pp, source=None):
    if source:
        for x in pp["fs"]:
            k = frame_key(d["ftbl"][x])
            if k and re.search(r"[ /(]%s:\d+\)$" % re.escape(source), d["ftbl"][x]):
                return k
        return ("?", 0)
    for x in pp["fs"]:
        k = frame_key(d["ftbl"][x])
        if not k or k[0] in ALLOC or k[0].startswith("_") or "vg_replace" in d["ftbl"][x]:
            continue
        return k
    return ("?", 0)


def by_site(d, source=None):
    out = {}
    for pp in d["pps"]:
        k = site_key(d, pp, source)
        acc = out.setdefault(k, [0] * 6)
        for j, f in enumerate(["tb", "tbk", "gb", "gbk", "eb", "ebk"]):
            acc[j] += pp[f]
    return out


def compare(mine, theirs, source=None):
    a, b = json.load(open(mine)), json.load(open(theirs))
    bad = 0
    unwound = 0
    ta = [sum(pp[f] for pp in a["pps"]) for f in ["tb", "tbk", "gb", "gbk", "eb", "ebk"]]
    tb = [sum(pp[f] for pp in b["pps"]) for f in ["tb", "tbk", "gb", "gbk", "eb", "ebk"]]
    if ta != tb:
        print("totals differ: memkit %s, valgrind %s (tb tbk gb gbk eb ebk)" % (ta, tb))
        bad = 1
    sa, sb = by_site(a, source), by_site(b, source)
    missing = sa.get(("?", 0))
    for k in sorted(set(sa) | set(sb), key=str):
        if sa.get(k) != sb.get(k):
            print("site %s:%d differs: memkit %s, valgrind %s" % (k[0], k[1], sa.get(k), sb.get(k)))
            if k == ("?", 0) or (missing and k not in sa):
                unwound = 1
            else:
                bad = 1
    if not bad and unwound:
        # The sites memkit could not place must account for exactly what valgrind placed elsewhere.
        extra = [sum(v[j] for k, v in sb.items() if k not in sa) for j in range(6)]
        if extra == missing:
            print("memkit's stacks for %d bytes in %d blocks stop before reaching %s (stack walk)" %
                  (missing[0], missing[1], source or "the program"))
            sys.exit(3)
        bad = 1
    sys.exit(bad)


if __name__ == "__main__":
    if sys.argv[1] == "valid":
        valid(sys.argv[2], [int(x) for x in sys.argv[3:9]])
    elif sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
