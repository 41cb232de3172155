"""p5.py - P5 a real program: python3 builds a large JSON document (nested dicts and lists of
strings and numbers) and serializes it. Usage: python3 p5.py [records]."""
import json
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
doc = {"records": []}
for i in range(n):
    doc["records"].append({
        "id": i,
        "name": "user-%d" % i,
        "tags": ["t%d" % (i % 7), "g%d" % (i % 13)],
        "score": i * 0.5,
        "nested": {"a": [i, i + 1, i + 2], "b": str(i)},
    })
s = json.dumps(doc)
print(len(s))
