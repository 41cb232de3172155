"""interp.py - an allocation-heavy script for the interpreter row of bench/prof/run.py, run as
`PYTHONMALLOC=malloc python3 interp.py [n]` so that every object is its own malloc (pymalloc off).
Builds records (dicts, tuples, formatted strings, small lists), indexes them, sorts and groups them,
and drops most of them again; prints a checksum."""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
index = {}
total = 0
for rnd in range(3):
    recs = []
    for i in range(n):
        key = "k%d-%d" % (i % 5003, rnd)
        rec = {"id": i, "key": key, "tags": [key[:3], str(i % 17)], "pos": (i, i * 2)}
        recs.append(rec)
        index.setdefault(key, []).append(i)
    recs.sort(key=lambda r: (r["key"], -r["id"]))
    groups = {}
    for r in recs:
        groups.setdefault(r["tags"][1], []).append(r["key"].upper())
    total += sum(len(v) for v in groups.values()) + len(recs[n // 2]["key"])
    del recs, groups
print(total + len(index))
