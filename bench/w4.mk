# W4 interning: mk_interner against a C open-addressing floor, GLib and Rust's HashSet<&'static str> + Box::leak idiom.
W4_GLIB := $(call pc_has,glib-2.0)
W4_FLAGS := $(if $(W4_GLIB),-DHAVE_GLIB $(shell pkg-config --cflags glib-2.0))
W4_LIBS := $(if $(W4_GLIB),$(shell pkg-config --libs glib-2.0))
BENCH_BINS += $(BB)/w4
BENCH_RUNS += $(BB)/w4;

$(BB)/w4: w4.c driver.h common.h $(MEMKIT_A)
	@mkdir -p $(BB)
	$(CC) $(BENCH_CFLAGS) $(W4_FLAGS) -o $@ w4.c $(MEMKIT_A) $(W4_LIBS)
