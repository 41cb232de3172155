# analyzer.mk - the profiler's analyzer: raw profile -> text, folded and DHAT outputs (no peers:
# the figure to meet is P1's profile in under a second).
BENCH_RUNS += python3 analyzer_speed.py 5 $(BB)/results/analyzer.md;
