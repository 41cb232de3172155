#!/usr/bin/env python3
"""timeline.py - checks the heap over time inside an HTML report's data.

    timeline.py PAGE.html [DHAT.json]
    timeline.py --layers PAGE.html

The page must carry a timeline of at least 2 points whose times increase, whose last point is at
t-end with the live bytes at t-end and the total bytes allocated (the recorder's closing point), and
detailed points naming existing sites. With DHAT.json (the same profile written as DHAT), the page's
timeline, detailed points (matched by stack, zero entries left out), state size and ending must be
the file's. Prints what differs and exits 1, or prints "ok" and exits 0. With --layers, prints how
many stacked areas the chart draws: one per site of the detailed points, at most 8, and one more
for the other sites.
"""
import json
import re
import sys


def page_data(path):
    text = open(path, encoding="utf-8").read()
    m = re.search(r'<script type="application/json" id="mk-data">(.*?)</script>', text, re.S)
    if not m:
        sys.exit(f"{path}: no mk-data element")
    return json.loads(m.group(1))


def main():
    if sys.argv[1] == "--layers":
        d = page_data(sys.argv[2])
        print(min(8, len({s for _, ss in d.get("detailed") or [] for s, _ in ss})) + 1)
        return 0
    d = page_data(sys.argv[1])
    bad = []
    tl = d.get("timeline") or []
    if len(tl) < 2:
        bad.append(f"timeline has {len(tl)} points")
    elif any(b[0] <= a[0] for a, b in zip(tl, tl[1:])):
        bad.append("timeline times do not increase")
    elif tl[-1][0] != d["te"] or tl[-1][1] != d["totals"]["eb"] or tl[-1][3] != d["totals"]["tb"]:
        bad.append(f"last point {tl[-1]} is not at t-end {d['te']} with {d['totals']['eb']} live, {d['totals']['tb']} total")
    det = d.get("detailed") or []
    if not det:
        bad.append("no detailed points")
    if any(s >= len(d["sites"]) for _, ss in det for s, _ in ss):
        bad.append("a detailed point names a site the page does not have")
    if len(sys.argv) > 2:
        j = json.load(open(sys.argv[2], encoding="utf-8"))
        if tl != j.get("mkTimeline", {}).get("points"):
            bad.append("timeline differs from the DHAT file's mkTimeline")
        stack = lambda fs, names: tuple(names[i] for i in fs)
        mine = [(t, sorted((stack(d["sites"][s][9], d["frames"]), b) for s, b in ss if b)) for t, ss in det]
        theirs = [(p["t"], sorted((stack(j["pps"][pp]["fs"], j["ftbl"]), b) for pp, b in p["sites"] if b))
                  for p in j.get("mkDetailed", [])]
        if mine != theirs:
            bad.append("detailed points differ from the DHAT file's mkDetailed")
        if d.get("stateBytes") != j.get("mkStateBytes"):
            bad.append(f"state bytes {d.get('stateBytes')} != mkStateBytes {j.get('mkStateBytes')}")
        ended = j.get("mkEnded", {})
        if ended.get("how") == "exit" and d.get("ended") != f"exited with status {ended.get('status')}":
            bad.append(f"ended {d.get('ended')!r} but mkEnded is {ended}")
    for b in bad:
        print(b)
    if not bad:
        print("ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
