#!/usr/bin/env python3
"""mkraw.py - writes raw profiles (src/format/raw.h) for the analyzer's tests, without the recorder.

Frames point at real call sites of real binaries, so symbolization is tested for real:
  mkraw.py spec.json out.raw        a profile described by a JSON spec (see check.sh)
  mkraw.py --synthetic N DEPTH out.raw BINARY...
                                    N sites of DEPTH random return addresses inside the code of
                                    the BINARYs (benchmarks: a big profile of few or many sites)

A frame in a spec is "FUNC>TARGET#K": the return address after the K-th (default 0) call from
function FUNC (a .constprop/.isra suffix is ignored) to a function whose name contains TARGET, in
the first module; "rec+OFF": an address in a fake recorder module; "0xHEX": a literal address.
"""
import json
import random
import re
import struct
import subprocess
import sys

HEADER, CMD, MODULE, SITE, TOTALS, END = 1, 2, 3, 4, 5, 6
SITE_FIELDS = ["tb", "tbk", "tl", "mb", "mbk", "gb", "gbk", "eb", "ebk", "temporary", "short_lived",
               "reallocs", "max_chain", "min_size", "max_size", "small"]
TOTAL_FIELDS = ["tb", "tbk", "gb", "gbk", "eb", "ebk", "frees", "unknown_frees", "reallocs", "threads",
                "recorder_bytes"]
REC_START, REC_END = 0x7F0000000000, 0x7F0000100000
REC_PATH = "/opt/memkit/lib/memkit/libmemkit-prof.so"


def record(tag, payload):
    pad = (-len(payload)) % 8
    return struct.pack("<II", tag, len(payload)) + payload + b"\0" * pad


def load_ranges(path):
    """(lowest, highest) vaddr of PT_LOAD segments, and the build-id bytes."""
    out = subprocess.run(["readelf", "-lWn", path], capture_output=True, text=True, check=True).stdout
    lo, hi = None, 0
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            vaddr, memsz = int(f[2], 16), int(f[5], 16)
            lo = vaddr if lo is None else min(lo, vaddr)
            hi = max(hi, vaddr + memsz)
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    return lo, hi, bytes.fromhex(m.group(1)) if m else b""


def call_sites(path):
    """{func: [(target, return address vaddr)]} from the disassembly."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", path], capture_output=True, text=True,
                         check=True).stdout
    sites, func, pending = {}, None, None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:", line)
        if m:
            func = m.group(1).split(".")[0]
            pending = None
            continue
        m = re.match(r"^\s+([0-9a-f]+):\s+(\S+)\s*(.*)$", line)
        if not m or func is None:
            continue
        addr = int(m.group(1), 16)
        if pending is not None:
            sites.setdefault(func, []).append((pending, addr))
            pending = None
        if m.group(2).startswith("call"):
            t = re.search(r"<([^>]+)>", m.group(3))
            pending = t.group(1) if t else "?"
    return sites


def module_record(path, start, end, bias, build_id):
    p = path.encode() + b"\0"
    return record(MODULE, struct.pack("<QQQII40s", start, end, bias, len(build_id), len(p), build_id) + p)


def write(out, hdr, argv, modules, sites, totals):
    data = record(HEADER, struct.pack("<8sIIQQQQQQ", b"MKPROF\x01\x00", 1, hdr.get("flags", 0), hdr["pid"],
                                      hdr.get("ppid", 1), hdr.get("sample", 0), hdr.get("depth", 32),
                                      hdr.get("te", 1000), hdr.get("tg", 500)))
    data += record(CMD, b"".join(a.encode() + b"\0" for a in argv))
    data += b"".join(modules)
    with open(out, "wb") as f:
        f.write(data)
        for s, frames in sites:
            f.write(record(SITE, struct.pack("<16QII", *[s.get(k, 0) for k in SITE_FIELDS], len(frames),
                                             s.get("kind", 0)) + struct.pack("<%dQ" % len(frames), *frames)))
        f.write(record(TOTALS, struct.pack("<11Q", *[totals.get(k, 0) for k in TOTAL_FIELDS])))
        f.write(record(END, b""))


def from_spec(spec, out):
    mods, first = [], None
    for m in spec["modules"]:
        lo, hi, bid = load_ranges(m["path"])
        bias = m.get("bias", 0)
        if m.get("build_id") == "wrong":
            bid = bytes(20)
        mods.append(module_record(m["path"], bias + lo, bias + hi, bias, bid))
        if first is None:
            first = (m["path"], bias)
    mods.append(module_record(REC_PATH, REC_START, REC_END, REC_START, b""))
    calls = call_sites(first[0])
    sites = []
    for s in spec["sites"]:
        frames = []
        for fr in s["frames"]:
            if fr.startswith("rec+"):
                frames.append(REC_START + int(fr[4:], 0))
            elif fr.startswith("0x"):
                frames.append(int(fr, 16))
            else:
                m = re.match(r"^([^>]+)>([^#]+)(?:#(\d+))?$", fr)
                func, target, k = m.group(1), m.group(2), int(m.group(3) or 0)
                hits = [ra for (t, ra) in calls.get(func, []) if target in t]
                if len(hits) <= k:
                    sys.exit("mkraw: no call %d from %s to %s in %s" % (k, func, target, first[0]))
                frames.append(first[1] + hits[k])
        sites.append((s, frames))
    write(out, spec, spec.get("cmd", ["prog"]), mods, sites, spec.get("totals", {}))


def synthetic(n, depth, out, binaries):
    rnd = random.Random(42)
    mods, spans = [], []
    bias = 0x555555554000
    for path in binaries:
        lo, hi, bid = load_ranges(path)
        mods.append(module_record(path, bias + lo, bias + hi, bias, bid))
        text = [ra for sites in call_sites(path).values() for (_, ra) in sites]
        spans.extend(bias + ra for ra in text)
        bias += (hi - lo + 0x200000) & ~0xFFF
    sites, tot = [], {k: 0 for k in TOTAL_FIELDS}
    for i in range(n):
        frames = [spans[rnd.randrange(len(spans))] for _ in range(depth)]
        tbk = rnd.randrange(1, 1000)
        size = rnd.randrange(1, 4096)
        s = {"tb": tbk * size, "tbk": tbk, "tl": tbk * 10, "mb": size, "mbk": 1, "gb": size * (i % 2),
             "gbk": i % 2, "eb": 0, "ebk": 0, "temporary": tbk // 2, "min_size": size, "max_size": size}
        for k in ("tb", "tbk", "gb", "gbk"):
            tot[k] += s[k]
        sites.append((s, frames))
    tot["frees"] = tot["tbk"]
    write(out, {"pid": 4242, "te": 10 ** 6, "tg": 5 * 10 ** 5}, ["synthetic", str(n)], mods, sites, tot)


if __name__ == "__main__":
    if sys.argv[1] == "--synthetic":
        synthetic(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5:])
    else:
        with open(sys.argv[1]) as f:
            from_spec(json.load(f), sys.argv[2])
