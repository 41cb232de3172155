#!/usr/bin/env python3
"""mkdhat.py - writes DHAT files for the HTML, diff and pprof tests and the HTML benchmark.

  mkdhat.py hostile OUT      frame names with </script>, quotes, backslashes, invalid UTF-8, a
                             10,000-character C++ template name; plus mkTimeline, mkDetailed, mkEnded
  mkdhat.py empty OUT        a valid profile with no sites
  mkdhat.py big OUT [SITES FRAMES]  SITES sites (10,000) over FRAMES distinct frames (50,000)

Files follow valgrind's DHAT format version 2 with memkit's "mk" keys (docs/PROFILER.md); the
timeline's last point equals t-end, detailed points name program points by their index in "pps".
"""
import json
import sys


def enc(s):
    """A JSON string; bytes objects are written raw (so invalid UTF-8 reaches the reader as is)."""
    if isinstance(s, bytes):
        return b'"' + s.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return json.dumps(s, ensure_ascii=False).encode()


def write(path, head, pps, ftbl):
    out = [b"{" + b",".join(enc(k) + b":" + json.dumps(v, ensure_ascii=False).encode() for k, v in head.items())]
    out.append(b',"pps":[' + b",".join(json.dumps(p).encode() for p in pps) + b"]")
    out.append(b',"ftbl":[' + b",".join(enc(f) for f in ftbl) + b"]}\n")
    with open(path, "wb") as f:
        f.write(b"".join(out))


def header(cmd, te, tg, pid=4242):
    return {"dhatFileVersion": 2, "mode": "heap", "verb": "Allocated", "bklt": True, "bkacc": False, "tu": "µs",
            "Mtu": "s", "tuth": 10, "cmd": cmd, "pid": pid, "te": te, "tg": tg, "mkVersion": 1, "mkExtra": True}


def pp(tb, tbk, gb, gbk, eb, ebk, fs, tmp=0):
    return {"tb": tb, "tbk": tbk, "tl": tbk * 5, "mb": max(gb, eb, tb // max(tbk, 1)), "mbk": max(gbk, ebk, 1),
            "gb": gb, "gbk": gbk, "eb": eb, "ebk": ebk, "mkTmp": tmp, "mkShort": 0, "mkRe": 0, "mkChain": 0,
            "mkMin": 1, "mkMax": tb, "mkSmall": 0, "mkFn": 0, "fs": fs}


def hostile(path):
    template = "std::map<" + "std::vector<std::pair<int, char>>, " * 280
    template = template[:9990] + ">::find"
    ftbl = ["[root]",
            "0x401000: evil</script><script>window.__mk_pwned=1</script> (x.c:1)",
            "0x401010: quote\"s 'and' \\back\\slash (q.c:2)",
            b"0x401020: bad\xff\xfeutf8\xc3 (u.c:3)",
            "0x401030: " + template + " (t.cc:4)",
            "0x401040: <img src=x onerror=\"window.__mk_pwned=1\"> <!-- \u2028 & (h.c:5)",
            "0x401050: main (main.c:10)",
            "0x401060: helper (main.c:20)"]
    pps = [pp(5000, 10, 1000, 10, 0, 0, [1, 6], tmp=4),
           pp(3000, 60, 0, 0, 300, 3, [2, 7, 6]),
           pp(2000, 20, 500, 5, 0, 0, [3, 6]),
           pp(1500, 25, 0, 0, 0, 0, [4, 7, 6]),
           pp(700, 7, 100, 1, 0, 0, [5, 6])]
    head = header("./evil --flag=\"</script>\"", 9000, 4000)
    head["mkTotals"] = {"tb": 12200, "tbk": 122, "gb": 1600, "gbk": 16, "eb": 300, "ebk": 3, "frees": 119,
                        "unknownFrees": 0, "reallocs": 0, "threads": 1, "recorderBytes": 65536}
    head["mkEnded"] = {"how": "signal", "signal": 9, "name": "Killed"}
    head["mkStateBytes"] = 65536
    pts, live = [], 0
    for i in range(1, 41):
        t = i * 220
        live = 1600 if t == 4180 else int(1500 * (i / 19.0)) if i < 19 else max(300, 1500 - (i - 19) * 60)
        pts.append([t, live, live // 100, i * 300])
    pts[-1][1] = 300
    head["mkTimeline"] = {"points": pts}
    head["mkDetailed"] = [{"t": 1100, "sites": [[0, 300], [1, 100], [2, 80]]},
                          {"t": 4180, "sites": [[0, 1000], [2, 500], [4, 100]]},
                          {"t": 8800, "sites": [[1, 300]]}]
    write(path, head, pps, ftbl)


def empty(path):
    head = header("./nothing", 100, 0)
    head["mkTotals"] = {"tb": 0, "tbk": 0, "gb": 0, "gbk": 0, "eb": 0, "ebk": 0, "frees": 0, "unknownFrees": 0,
                        "reallocs": 0, "threads": 1, "recorderBytes": 4096}
    write(path, head, [], ["[root]"])


def big(path, nsites=10000, nframes=50000):
    # Each site: 4 frames of its own (innermost), then 4 frames of one of nframes/4 - nsites shared
    # groups, then main and _start: 4 * nsites + 4 * groups + 2 = nframes distinct frames.
    groups = max(1, (nframes - 2) // 4 - nsites)
    ftbl = ["[root]"]

    def frame(i, name, file, line):
        ftbl.append("0x%X: %s (%s:%d)" % (0x400000 + 16 * i, name, file, line))
        return len(ftbl) - 1

    top = [frame(0, "main", "src/main.cc", 42), frame(1, "_start", "start.S", 1)]
    shared = []
    for g in range(groups):
        shared.append([frame(2 + 4 * g + k, "app::module%d::Dispatcher<std::vector<Job%d>>::run_%d(int)" % (g % 97, g, k),
                             "src/module%d/dispatch.cc" % (g % 97), 100 + k) for k in range(4)])
    pps, tb_all, tbk_all = [], 0, 0
    for s in range(nsites):
        own = [frame(10 ** 6 + 4 * s + k, "app::Worker%d::step_%d(std::string const&)" % (s, k), "src/worker%d.cc" % (s % 311), 10 + k)
               for k in range(4)]
        tbk = 1 + (s * 7919) % 1000
        tb = tbk * (16 + (s * 104729) % 4096)
        gb = tb // 10 if s % 3 == 0 else 0
        pps.append(pp(tb, tbk, gb, 1 if gb else 0, 0, 0, own + shared[s % groups] + top, tmp=tbk // 2))
        tb_all += tb
        tbk_all += tbk
    head = header("./big-profile", 5_000_000, 2_500_000)
    gb_all = sum(p["gb"] for p in pps)
    head["mkTotals"] = {"tb": tb_all, "tbk": tbk_all, "gb": gb_all, "gbk": sum(p["gbk"] for p in pps), "eb": 0,
                        "ebk": 0, "frees": tbk_all, "unknownFrees": 0, "reallocs": 0, "threads": 4,
                        "recorderBytes": 1 << 24}
    head["mkEnded"] = {"how": "exit", "status": 0}
    pts = [[i * 5000, int(gb_all * min(1.0, i / 500.0) * (1 if i <= 500 else (1000 - i) / 500.0)), 0, 0]
           for i in range(1, 1001)]
    head["mkTimeline"] = {"points": pts}
    head["mkDetailed"] = [{"t": i * 80000, "sites": [[s, pps[s]["gb"] * min(i, 31) // 31] for s in range(0, nsites, 3) if pps[s]["gb"]][:2000]}
                          for i in range(1, 63)]
    write(path, head, pps, ftbl)


if __name__ == "__main__":
    kind, out = sys.argv[1], sys.argv[2]
    if kind == "hostile":
        hostile(out)
    elif kind == "empty":
        empty(out)
    elif kind == "big":
        big(out, *[int(a) for a in sys.argv[3:5]])
    else:
        sys.exit("mkdhat.py: hostile, empty or big")
