#!/bin/sh
# deps.sh - makes sure the Debian packages memkit's build (and, with --ci, its tests) need are here.
#
# Checks first (pkg-config for libraries, command -v for tools) and installs only what is missing.
# As root it runs apt-get itself; otherwise it prints the one command to run and fails.
#   scripts/deps.sh          what `make` needs: libdw/libelf for the analyzer's symbolizer, zlib
#                            for the pprof output
#   scripts/deps.sh --ci     also what `make check` uses: valgrind (DHAT comparisons), Chromium and
#                            Node.js (valgrind's dh_view.html in a headless browser), g++, and
#                            libunwind (the stack-capture tests' oracle), cmake and libgtest-dev
#                            (the counting examples' CMake and GoogleTest projects)
missing=""
need_pc() { pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }

command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
need_pc libdw libdw-dev
need_pc libelf libelf-dev
need_pc zlib zlib1g-dev              # gzip for --format pprof
if [ "${1:-}" = "--ci" ]; then
    need_cmd g++ g++
    need_cmd clang clang             # the library must also build cleanly with clang
    need_cmd valgrind valgrind
    need_cmd chromium chromium
    need_cmd node nodejs
    need_cmd npm npm
    need_pc libunwind libunwind-dev   # the oracle the stack-capture tests compare with
    need_cmd go golang-go             # `go tool pprof` reads memkit's --format pprof files
    need_cmd cmake cmake              # the CMake package's example project (tests/count)
    [ -f /usr/lib/x86_64-linux-gnu/libgtest.a ] || [ -f /usr/lib/libgtest.a ] \
        || missing="$missing libgtest-dev" # the GoogleTest example (tests/count)
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "deps.sh: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null \
        || { echo "deps.sh: apt-get install$missing failed" >&2; exit 1; }
    exit 0
fi
echo "memkit needs these Debian packages; run:" >&2
echo "    sudo apt-get install$missing" >&2
exit 1
