# html.mk - the HTML report on a 10,000-site, 50,000-frame profile in headless Chromium (no peers:
# the figure to meet is under 2 s to a drawn, interactive page, and a file under 10 MB).
BENCH_RUNS += $(TOP)/bench/html_speed.sh 5 $(BB)/results/html.md;
