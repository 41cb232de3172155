#!/usr/bin/env python3
"""a2lcheck.py DHAT BINARY: memkit's frames for every address of BINARY in a DHAT file, against
`addr2line -i -f -C` on the same address (the call instruction, address - 1).

For each address, the chain of frames memkit shows (innermost inlined call first) must have the
file:line of every frame addr2line prints, and the function name of every inlined frame (the last
frame's name comes from the symbol table, where identical functions folded together share one
address and either name is right). Prints the differences; exit status 1 when there is one, 2 when
the file has no address in BINARY."""
import json, os, re, subprocess, sys

def main():
    dhat, binary = sys.argv[1], sys.argv[2]
    d = json.load(open(dhat))
    ftbl = d["ftbl"]
    path = os.path.realpath(binary)
    nm = subprocess.run(["nm", binary], capture_output=True, text=True).stdout
    main_off = next(int(l.split()[0], 16) for l in nm.splitlines() if l.endswith(" T main"))
    mains = [int(m.group(1), 16) for f in ftbl for m in [re.match(r"0x([0-9A-F]+): main \(", f)] if m]
    if not mains:
        print("no frame of main in", dhat)
        return 2
    bias = (mains[0] - main_off) & ~0xFFF
    chains = {}
    for pp in d["pps"]:
        run, prev = [], None
        for i in pp["fs"] + [None]:
            m = re.match(r"0x([0-9A-F]+): (.*)", ftbl[i]) if i is not None else None
            a = int(m.group(1), 16) if m else None
            if a != prev and prev is not None:
                chains.setdefault(prev, run)
                run = []
            if m:
                run.append(m.group(2))
            prev = a
    size = os.path.getsize(binary)
    mine = {a: c for a, c in chains.items() if bias <= a < bias + size and all(path in f or ".rs:" in f or "(" in f for f in c)}
    if not mine:
        print("no address of", binary, "in", dhat)
        return 2
    bad = 0
    for a in sorted(mine):
        out = subprocess.run(["addr2line", "-i", "-f", "-C", "-e", binary, "%x" % (a - 1 - bias)],
                             capture_output=True, text=True).stdout.splitlines()
        want = []
        for fn, loc in zip(out[0::2], out[1::2]):
            loc = re.sub(r" \(discriminator \d+\)", "", os.path.basename(loc))
            want.append((re.sub(r"\[[0-9a-f]+\]", "", fn), None if loc.endswith(":?") else loc))
        got = []
        for f in mine[a]:
            m = re.match(r"(.*) \((.*)\)$", f)
            fn, loc = (m.group(1), m.group(2)) if m else (f, None)
            got.append((fn, None if loc is None or loc.startswith("in ") else loc))
        same = len(want) == len(got) and all(w[1] == g[1] for w, g in zip(want, got)) and \
            all(w[0] == g[0] for w, g in zip(want[:-1], got[:-1]))
        if not same:
            bad += 1
            print("0x%X:" % a)
            for w in want:
                print("   addr2line: %s (%s)" % w)
            for g in got:
                print("   memkit:    %s (%s)" % g)
    print("%d addresses in %s, %d differ from addr2line -i" % (len(mine), os.path.basename(binary), bad))
    return 1 if bad else 0

sys.exit(main())
