# memkit - one build for the library, the profiler and the tools.
#
#   make             libmemkit.a/.so, the profiler and the memkit command (build/rel)
#   make check       every test, plain (build/dbg) and under ASan+UBSan (build/asan)
#   make demo        profile the bundled example and show the report
#   make bench       the benchmarks of bench/ against their peers
#   make install PREFIX=/usr/local DESTDIR=
#   make clean
#
# MODE selects a build directory and its flags: rel (-O2 -DNDEBUG, what users get), dbg (-O2 with
# assertions and the library's checked modes), asan (AddressSanitizer + UndefinedBehaviorSanitizer).

.DEFAULT_GOAL := all
MAKEFLAGS += --no-print-directory
ifeq ($(origin CC),default)
CC := gcc
endif
ifeq ($(origin CXX),default)
CXX := g++
endif
# The suites of make check (tests/*/check.sh) build their programs with these too.
export CC CXX
PREFIX ?= /usr/local
DESTDIR ?=
MODE ?= rel
B := build/$(MODE)
VERSION := 0.1.0

WARN := -Wall -Wextra -Werror
ifeq ($(MODE),rel)
OPT := -O2 -DNDEBUG
else ifeq ($(MODE),dbg)
OPT := -O2
else ifeq ($(MODE),asan)
OPT := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else ifeq ($(MODE),tsan)
OPT := -O1 -fsanitize=thread
else
$(error MODE must be rel, dbg, asan or tsan)
endif
CFLAGS ?=
CXXFLAGS ?=
LDFLAGS ?=
MK_CFLAGS = -std=c11 $(WARN) -g -fPIC -fvisibility=hidden -Iinclude -pthread -MMD -MP $(OPT) $(CFLAGS)
MK_CXXFLAGS = -std=c++11 $(WARN) -g -Iinclude -pthread $(OPT) $(CXXFLAGS)
MK_LDFLAGS = -pthread $(filter -fsanitize=%,$(OPT)) $(LDFLAGS)

LIB_SRC := $(wildcard src/lib/*.c)
LIB_OBJ := $(LIB_SRC:src/%.c=$(B)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_CXX := $(wildcard tests/unit/test_*.cpp)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%) $(UNIT_CXX:tests/unit/%.cpp=$(B)/tests/%_cpp)
EXAMPLE_SRC := $(wildcard examples/*.c examples/*/*.c)
EXAMPLE_BIN := $(EXAMPLE_SRC:examples/%.c=$(B)/examples/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
TSAN_SRC := $(wildcard tests/tsan/test_*.c)
TSAN_BIN := $(TSAN_SRC:tests/tsan/%.c=$(B)/tsan-tests/%)
# The counting API under ThreadSanitizer too (it counts through the sanitizer's allocation hooks).
TSAN_BIN += $(B)/tests/test_count
# Suites that run real programs (the profiler, the command line): every tests/<dir>/check.sh.
SUITES := $(wildcard tests/*/check.sh)

# The interposition layer (src/interpose) and the stack unwinder (src/unwind), shared by both
# backends and built once: optimized, never sanitized, with frame pointers of their own and
# initial-exec TLS (safe to touch before the program's TLS is set up). src/unwind/testing.c holds
# entry points for tests and benchmarks only (tests/unwind, bench/unwind.mk link it).
LAYER_SRC := $(filter-out src/unwind/testing.c,$(wildcard src/interpose/*.c src/unwind/*.c))
LAYER_OBJ := $(LAYER_SRC:src/%.c=$(B)/obj/%.o)
PROF_CFLAGS := -fno-omit-frame-pointer -ftls-model=initial-exec
# The profiler's recorder (src/recorder), preloaded into other programs; its hooks.c compiles the
# layer's exported functions (src/interpose/exports.inc) with the recorder's backend inlined.
PROF_SRC := $(wildcard src/recorder/*.c)
PROF_OBJ := $(LAYER_OBJ) $(PROF_SRC:src/%.c=$(B)/obj/%.o)
# libmemkit-count.a: the layer with the counting-only backend (src/count, memkit/count.h). Linked
# into programs' own executables: no frame pointer of its own (the unwinder reads CFI), so the
# hooks cost a call and a few stores.
COUNT_CFLAGS := -fomit-frame-pointer -ftls-model=initial-exec
COUNT_SRC := $(wildcard src/count/*.c)
COUNT_OBJ := $(LAYER_OBJ) $(COUNT_SRC:src/%.c=$(B)/obj/%.o)
# Unit tests link the counting layer (to check allocation promises), except under sanitizers,
# which own malloc themselves.
TEST_COUNT_LIB := $(if $(filter rel dbg,$(MODE)),$(B)/libmemkit-count.a)
# The analyzer (src/analyzer: model, symbolizer, readers, renderers, and the HTML report's page,
# src/analyzer/web/: .html, .css, .js, embedded as byte arrays): an internal static library,
# libmemkit-analyzer.a (never installed), linked by the memkit command, the fuzz targets and the
# tests' raw-profile dumper. The memkit command: the analyzer and the subcommands (src/cli).
ANALYZER_SRC := $(wildcard src/analyzer/*.c)
WEB_SRC := $(sort $(wildcard src/analyzer/web/*))
ANALYZER_OBJ := $(ANALYZER_SRC:src/%.c=$(B)/obj/%.o) $(if $(WEB_SRC),$(B)/obj/gen/web.o)
ANALYZER_LIB := $(if $(ANALYZER_SRC),$(B)/libmemkit-analyzer.a)
CLI_SRC := $(wildcard src/cli/*.c)
CLI_OBJ := $(CLI_SRC:src/%.c=$(B)/obj/%.o)
CLI_LIBS = $(shell pkg-config --libs libdw libelf zlib 2>/dev/null || echo -ldw -lelf -lz)
TOOLS := $(if $(PROF_SRC),$(B)/libmemkit-prof.so $(B)/libmemkit-count.a) $(ANALYZER_LIB) $(if $(CLI_SRC),$(B)/memkit)

.PHONY: all lib analyzer tools unit tsan fuzz check demo demo-arena bench install clean deps
all: lib tools

lib: $(B)/libmemkit.a $(B)/libmemkit.so

$(B)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(MK_CFLAGS) -c -o $@ $<

$(B)/obj/interpose/%.o: src/interpose/%.c
	@mkdir -p $(@D)
	$(CC) $(MK_CFLAGS) $(PROF_CFLAGS) -c -o $@ $<

$(B)/obj/recorder/%.o: src/recorder/%.c
	@mkdir -p $(@D)
	$(CC) $(MK_CFLAGS) $(PROF_CFLAGS) -c -o $@ $<

$(B)/obj/unwind/%.o: src/unwind/%.c
	@mkdir -p $(@D)
	$(CC) $(MK_CFLAGS) $(PROF_CFLAGS) -c -o $@ $<

$(B)/obj/cli/%.o: src/cli/%.c | deps
	@mkdir -p $(@D)
	$(CC) $(MK_CFLAGS) -c -o $@ $<

$(B)/obj/analyzer/%.o: src/analyzer/%.c | deps
	@mkdir -p $(@D)
	$(CC) $(MK_CFLAGS) -c -o $@ $<

$(B)/obj/count/%.o: src/count/%.c
	@mkdir -p $(@D)
	$(CC) $(MK_CFLAGS) $(COUNT_CFLAGS) -c -o $@ $<

$(B)/libmemkit-count.a: $(COUNT_OBJ)
	rm -f $@ && ar rcs $@ $^

$(B)/libmemkit-prof.so: $(PROF_OBJ) $(B)/libmemkit.a
	$(CC) -shared -Wl,-soname,libmemkit-prof.so -o $@ $(PROF_OBJ) $(B)/libmemkit.a $(MK_LDFLAGS) -ldl -lm

analyzer: $(ANALYZER_LIB)

$(B)/libmemkit-analyzer.a: $(ANALYZER_OBJ)
	rm -f $@ && ar rcs $@ $^

$(B)/memkit: $(CLI_OBJ) $(ANALYZER_LIB) $(B)/libmemkit.a
	$(CC) -o $@ $(CLI_OBJ) $(ANALYZER_LIB) $(B)/libmemkit.a $(MK_LDFLAGS) $(CLI_LIBS)

$(B)/gen/web.c: $(WEB_SRC) scripts/embed.sh
	@mkdir -p $(@D)
	scripts/embed.sh $@ $(WEB_SRC)

$(B)/obj/gen/web.o: $(B)/gen/web.c
	@mkdir -p $(@D)
	$(CC) $(MK_CFLAGS) -c -o $@ $<

# Checks for the Debian -dev packages the analyzer links with; installs them when run as root.
deps:
	@scripts/deps.sh

$(B)/libmemkit.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/libmemkit.so: $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libmemkit.so.0 -o $@ $^ $(MK_LDFLAGS)

# Unit tests: one binary per tests/unit/test_<module>.c, linked with the static library.
$(B)/tests/%: tests/unit/%.c tests/harness.h $(B)/libmemkit.a $(TEST_COUNT_LIB)
	@mkdir -p $(@D)
	$(CC) $(MK_CFLAGS) -Itests -o $@ $< $(B)/libmemkit.a $(TEST_COUNT_LIB) $(MK_LDFLAGS)

# The unwinder's DWARF decoder is tested on its own: its unit test links the decoder alone.
$(B)/tests/test_dwarf: tests/unit/test_dwarf.c tests/harness.h $(B)/obj/unwind/dwarf.o $(B)/libmemkit.a $(TEST_COUNT_LIB)
	@mkdir -p $(@D)
	$(CC) $(MK_CFLAGS) -Itests -o $@ $< $(B)/obj/unwind/dwarf.o $(B)/libmemkit.a $(TEST_COUNT_LIB) $(MK_LDFLAGS)

$(B)/tests/%_cpp: tests/unit/%.cpp tests/harness.h $(B)/libmemkit.a $(TEST_COUNT_LIB)
	@mkdir -p $(@D)
	$(CXX) $(MK_CXXFLAGS) -Itests -o $@ $< $(B)/libmemkit.a $(TEST_COUNT_LIB) $(MK_LDFLAGS)

# Fuzz targets: built here with a deterministic driver (random inputs from a fixed seed, then every
# file of tests/fuzz/corpus/<target>/) so make check replays them; `make fuzz` builds them for
# libFuzzer. Every target links the library and the analyzer (a target uses what it calls), and the
# objects FUZZ_LINK_<target> names (paths under the build directory). The driver comes first: -MMD
# writes one dependency file per output, the last source's, which must be the target's.
FUZZ_LINK_fuzz_dwarf := obj/unwind/dwarf.o
FUZZ_LINK_ALL := $(sort $(foreach f,$(FUZZ_SRC),$(FUZZ_LINK_$(basename $(notdir $(f))))))
.SECONDEXPANSION:
$(B)/fuzz/%: tests/fuzz/%.c tests/fuzz/driver.c $(B)/libmemkit.a $(ANALYZER_LIB) $$(addprefix $(B)/,$$(FUZZ_LINK_$$*))
	@mkdir -p $(@D)
	$(CC) $(MK_CFLAGS) -Itests -DMK_FUZZ_CORPUS='"$(CURDIR)/tests/fuzz/corpus"' -o $@ tests/fuzz/driver.c $< \
	    $(addprefix $(B)/,$(FUZZ_LINK_$*)) $(ANALYZER_LIB) $(B)/libmemkit.a $(MK_LDFLAGS) $(CLI_LIBS)

$(B)/tsan-tests/%: tests/tsan/%.c tests/harness.h $(B)/libmemkit.a
	@mkdir -p $(@D)
	$(CC) $(MK_CFLAGS) -Itests -o $@ $< $(B)/libmemkit.a $(MK_LDFLAGS)

$(B)/examples/%: examples/%.c $(B)/libmemkit.a
	@mkdir -p $(@D)
	$(CC) $(MK_CFLAGS) -o $@ $< $(B)/libmemkit.a $(MK_LDFLAGS)

# Examples named count_* show the counting API, so they link the counting layer.
$(B)/examples/count_%: examples/count_%.c $(B)/libmemkit.a $(B)/libmemkit-count.a
	@mkdir -p $(@D)
	$(CC) $(MK_CFLAGS) -o $@ $< $(B)/libmemkit.a $(B)/libmemkit-count.a $(MK_LDFLAGS)

unit: $(UNIT_BIN) $(FUZZ_BIN)

tsan: $(TSAN_BIN)

tools: lib $(TOOLS) $(EXAMPLE_BIN)

# `make fuzz`: the library and the analyzer built by clang with coverage for libFuzzer and
# ASan+UBSan that stop at the first report (MODE=asan has -fno-sanitize-recover=all), then one
# fuzzer per tests/fuzz/fuzz_*.c.
FUZZ_B := build/fuzz
fuzz:
	$(MAKE) CC=clang MODE=asan B=$(FUZZ_B) CFLAGS=-fsanitize=fuzzer-no-link $(FUZZ_B)/libmemkit.a \
	    $(FUZZ_B)/libmemkit-analyzer.a $(addprefix $(FUZZ_B)/,$(FUZZ_LINK_ALL))
	$(foreach f,$(FUZZ_SRC),clang -std=c11 -g -O1 -Iinclude -Itests -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -o $(FUZZ_B)/$(basename $(notdir $(f))) $(f) \
	    $(addprefix $(FUZZ_B)/,$(FUZZ_LINK_$(basename $(notdir $(f))))) $(FUZZ_B)/libmemkit-analyzer.a \
	    $(FUZZ_B)/libmemkit.a -pthread $(CLI_LIBS) &&) true
	@echo "fuzzers in $(FUZZ_B)/: run one as $(FUZZ_B)/fuzz_<name> -max_total_time=60 tests/fuzz/corpus/fuzz_<name>"

# Every test, plain and sanitized; tests/run.sh prints the closing "N passed, N failed". The
# library and the tests are also built with clang (when installed), which must compile them cleanly,
# and run once more under clang's ASan+UBSan (build/clang-asan), whose UBSan checks more than gcc's
# (a zero offset applied to a null pointer, for one).
HAVE_CLANG := $(shell command -v clang 2>/dev/null)
CLANG_ASAN_BIN := $(if $(HAVE_CLANG),$(UNIT_BIN:$(B)/%=build/clang-asan/%) $(FUZZ_BIN:$(B)/%=build/clang-asan/%))
check:
	$(if $(HAVE_CLANG),$(MAKE) CC=clang CXX=clang++ MODE=dbg B=build/clang unit,@echo "check: clang not found; the clang builds are skipped")
	$(if $(HAVE_CLANG),$(MAKE) CC=clang CXX=clang++ MODE=asan B=build/clang-asan unit)
	$(MAKE) MODE=dbg unit
	$(MAKE) MODE=asan unit
	$(MAKE) MODE=tsan tsan
	$(MAKE) MODE=rel all
	ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	tests/run.sh $(UNIT_BIN:$(B)/%=build/dbg/%) $(UNIT_BIN:$(B)/%=build/asan/%) \
	    $(FUZZ_BIN:$(B)/%=build/asan/%) $(CLANG_ASAN_BIN) $(TSAN_BIN:$(B)/%=build/tsan/%) $(SUITES)

# The measure-then-fix demo (examples/wordfreq): both versions profiled, side by side, with advice.
demo: all
	examples/wordfreq/demo.sh $(B)

# The arena and pool against malloc on a reduced W1 (the foundation's demo).
demo-arena: all
	$(B)/examples/w1_demo

bench:
	$(MAKE) -C bench

install: all
	install -d $(DESTDIR)$(PREFIX)/include/memkit $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 include/memkit/*.h $(DESTDIR)$(PREFIX)/include/memkit/
	install -m 644 $(B)/libmemkit.a $(DESTDIR)$(PREFIX)/lib/
	$(if $(TOOLS),install -d $(DESTDIR)$(PREFIX)/lib/memkit)
	$(if $(wildcard $(B)/libmemkit-prof.so),install -m 755 $(B)/libmemkit-prof.so $(DESTDIR)$(PREFIX)/lib/memkit/)
	$(if $(wildcard $(B)/libmemkit-count.a),install -m 644 $(B)/libmemkit-count.a $(DESTDIR)$(PREFIX)/lib/)
	$(if $(wildcard $(B)/libmemkit-count.a),sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' memkit-count.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/memkit-count.pc)
	$(if $(wildcard $(B)/memkit),install -m 755 $(B)/memkit $(DESTDIR)$(PREFIX)/bin/)
	install -m 755 $(B)/libmemkit.so $(DESTDIR)$(PREFIX)/lib/libmemkit.so.$(VERSION)
	ln -sf libmemkit.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libmemkit.so.0
	ln -sf libmemkit.so.0 $(DESTDIR)$(PREFIX)/lib/libmemkit.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' memkit.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/memkit.pc
	install -d $(DESTDIR)$(PREFIX)/lib/cmake/memkit
	$(foreach f,memkitConfig memkitConfigVersion,sed -e 's|@VERSION@|$(VERSION)|' -e 's|@VERSION_MAJOR@|$(firstword $(subst ., ,$(VERSION)))|' \
	    cmake/$(f).cmake.in > $(DESTDIR)$(PREFIX)/lib/cmake/memkit/$(f).cmake &&) true

clean:
	rm -rf build
	-$(MAKE) -C bench clean

-include $(wildcard $(B)/obj/*/*.d $(B)/tests/*.d $(B)/fuzz/*.d $(B)/tsan-tests/*.d)
