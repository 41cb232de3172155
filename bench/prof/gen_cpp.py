"""gen_cpp.py - writes a large C++ file for the compiler row of bench/prof/run.py (g++ -O2 on it):
N functions over std::map, std::vector, std::string and a small class template, each different
enough that the compiler cannot share work between them. Usage: gen_cpp.py OUT [N]."""
import sys

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 400
w = []
w.append("#include <algorithm>\n#include <map>\n#include <string>\n#include <vector>\n")
w.append("template <typename T, int K> struct Acc {\n  std::vector<T> v;\n"
         "  void add(const T &x) { if (v.size() < K * 4) v.push_back(x); else v[v.size() % K] = x; }\n"
         "  T sum() const { T s{}; for (const T &x : v) s = s + x; return s; }\n};\n")
for i in range(n):
    w.append(f"""
long f{i}(const std::vector<std::string> &in, int seed) {{
  std::map<std::string, long> m;
  Acc<long, {i % 13 + 2}> acc;
  for (size_t j = 0; j < in.size(); j++) {{
    std::string k = in[j].substr(0, (j + {i}) % 7) + std::to_string(seed * {i + 3} + (int)j);
    m[k] += (long)k.size() * {i % 11 + 1};
    if (k.size() % {i % 5 + 2} == 0) acc.add((long)m.size());
  }}
  std::vector<std::pair<long, std::string>> by;
  for (auto &e : m) by.emplace_back(e.second, e.first);
  std::sort(by.begin(), by.end(), [](const auto &a, const auto &b) {{ return a.first > b.first || (a.first == b.first && a.second < b.second); }});
  return acc.sum() + (by.empty() ? 0 : by[0].first + (long)by.back().second.size()) + {i};
}}
""")
w.append("long all_f(const std::vector<std::string> &in) {\n  long s = 0;\n")
for i in range(n):
    w.append(f"  s += f{i}(in, {i});\n")
w.append("  return s;\n}\n")
open(out, "w").write("".join(w))
