/* symbolize.c - address -> (function, file:line, inlined frames) with libdw, offline.
 *
 * The profile's modules are reported to one Dwfl at their recorded load bias (dwfl_report_elf), so
 * lookups need neither the process nor /proc. Separate debug files are found by build-id through
 * dwfl_standard_find_debuginfo (/usr/lib/debug/.build-id/...). A module whose file on disk has a
 * different build-id than the one recorded (rebuilt since) is not symbolized: wrong names are worse
 * than none. Every recorded address is a return address, so lookups use addr - 1 (the call
 * instruction), while the frame keeps the address as recorded. Storage comes from memkit's own
 * library: strings (names, files, module paths) are interned once, each address's frames are copied
 * into an arena (so the pointers handed out stay valid), and the per-CU indexes are typed vectors.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memkit/arena.h"
#include "memkit/intern.h"
#include "memkit/vec.h"

#include "demangle.h"
#include "symbolize.h"

#define DEMANGLE_CAP ((size_t)1 << 16) /* the longest demangled Rust name shown */

struct cache_slot {
    uint64_t addr;
    mk__symtab_frame *frames; /* count frames in the arena */
    uint32_t count;
    int used;
};

struct fsym {
    uint64_t start, end;
    const char *name; /* owned by libelf's string table */
    int rank;         /* among aliases at one address, the highest is shown */
};

MK_VEC_DEFINE(fsyms, struct fsym)

/* A compilation unit's address range, for modules without .debug_aranges. */
struct cu_range {
    uint64_t lo, hi;
    Dwarf_Off off; /* the CU DIE */
};
MK_VEC_DEFINE(cu_ranges, struct cu_range)

struct mod_info {
    uint64_t start, end;
    const char *path;
    int recorder, usable;
    Dwfl_Module *dm;
    struct fsyms syms; /* function symbols sorted by address, built on first use */
    int syms_done;
    cu_ranges cus; /* sorted, built on the first address libdw's aranges lookup cannot place */
    int cus_done;
};

/* A function or an inlined call in a compilation unit, in preorder (an ancestor comes before its
 * descendants, so among the nodes whose ranges hold an address the innermost has the largest
 * index). Strings point into libdw's data and live as long as the Dwfl. */
struct snode {
    int parent, tag;
    const char *name, *linkage, *call_file; /* linkage: the mangled name, or NULL */
    unsigned call_line;
    size_t ibegin, iend; /* for a top-level function: its descendants' ranges in cu_ix.inl */
};

struct sival {
    uint64_t lo, hi;
    uint32_t node;
};

/* dwarf_getscopes walks a CU's DIE tree from its root for every address; indexing each CU once
 * (top-level function ranges sorted for a binary search, nested inlined calls scanned within the
 * function found) turns that into one walk per CU. */
MK_VEC_DEFINE(snodes, struct snode)
MK_VEC_DEFINE(sivals, struct sival)
MK_VEC_DEFINE(frame_vec, mk__symtab_frame)

struct cu_ix {
    const void *mod;
    Dwarf_Off off;
    snodes nodes;
    sivals top, inl;
    Dwarf_Files *files;
    size_t nfiles;
    int broken; /* overlapping top-level ranges: use dwarf_getscopes instead */
    struct cu_ix *next;
};

struct mk__symtab {
    Dwfl *dwfl;
    struct cu_ix *cus[256];
    struct mod_info *mods;
    size_t nmods;
    frame_vec scratch; /* the frames of the address being resolved */
    mk_arena arena;    /* every address's frames, for the symbolizer's life */
    mk_interner strs;  /* every string a frame points to */
    struct cache_slot *slots;
    size_t nslots, used;
    char *dm; /* DEMANGLE_CAP bytes for mk__rust_demangle */
    int warned;
};

static char *debuginfo_path;
static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &debuginfo_path,
};

/* C++ names are demangled as valgrind shows them, through libstdc++'s __cxa_demangle when the
 * library is on the system (looked up at run time: memkit itself is C and links no C++ runtime). */
typedef char *(*demangle_fn)(const char *, char *, size_t *, int *);

static demangle_fn demangler(void) {
    static int tried;
    static demangle_fn fn;
    if (!tried) {
        tried = 1;
        void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
        if (h) *(void **)&fn = dlsym(h, "__cxa_demangle");
    }
    return fn;
}

static const char *keep(mk__symtab *s, const char *str);

static const char *keep_demangled(mk__symtab *s, const char *name) {
    /* Rust first: a legacy Rust symbol is also a valid C++ one, which __cxa_demangle shows with its
     * hash and $LT$ escapes. */
    if (name && s->dm && mk__rust_demangle(name, s->dm, DEMANGLE_CAP)) return keep(s, s->dm);
    demangle_fn fn = name && name[0] == '_' && name[1] == 'Z' ? demangler() : NULL;
    int status = -1;
    char *d = fn ? fn(name, NULL, NULL, &status) : NULL;
    const char *r = keep(s, d && status == 0 ? d : name);
    free(d);
    return r;
}

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The interned copy of str, valid until mk__symtab_free; NULL for NULL or when out of memory. */
static const char *keep(mk__symtab *s, const char *str) {
    if (!str) return NULL;
    mk_sym sym = mk_intern_cstr(&s->strs, str);
    return sym ? mk_interner_str(&s->strs, sym, NULL) : NULL;
}

mk__symtab *mk__symtab_new(const mk__raw_profile *p) {
    mk__symtab *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    frame_vec_init(&s->scratch, NULL);
    if (mk_arena_init(&s->arena, NULL) != MK_OK || mk_interner_init(&s->strs, NULL) != MK_OK) {
        free(s);
        return NULL;
    }
    s->nslots = 1024;
    s->slots = calloc(s->nslots, sizeof *s->slots);
    s->mods = calloc(p->nmodules ? p->nmodules : 1, sizeof *s->mods);
    s->dwfl = dwfl_begin(&callbacks);
    s->dm = malloc(DEMANGLE_CAP);
    if (!s->slots || !s->mods || !s->dwfl || !s->dm) {
        mk__symtab_free(s);
        return NULL;
    }
    dwfl_report_begin(s->dwfl);
    for (size_t i = 0; i < p->nmodules; i++) {
        const mk__raw_module_rec *m = &p->modules[i];
        struct mod_info *mi = &s->mods[s->nmods++];
        mi->start = m->m.start;
        mi->end = m->m.end;
        /* Frames name the file itself, as valgrind does: the loader records the name it opened,
         * often a soname link (libz.so.1 -> libz.so.1.2.13). A file gone since is named as
         * recorded. */
        char real[PATH_MAX];
        mi->path = m->path[0] == '/' && realpath(m->path, real) ? keep(s, real) : m->path;
        if (!mi->path) mi->path = m->path;
        mi->recorder = strncmp(base_name(m->path), "libmemkit-prof", 14) == 0;
        if (mi->recorder || m->path[0] != '/') continue; /* vdso and friends: no file */
        Dwfl_Module *dm = dwfl_report_elf(s->dwfl, base_name(m->path), m->path, -1, m->m.bias, false);
        if (!dm) continue;
        mi->usable = 1;
        mi->dm = dm;
        if (m->m.build_id_len) {
            const unsigned char *bits;
            GElf_Addr vaddr;
            int n = dwfl_module_build_id(dm, &bits, &vaddr);
            if (n > 0 && ((unsigned)n != m->m.build_id_len || memcmp(bits, m->m.build_id, (size_t)n) != 0)) {
                mi->usable = 0;
                fprintf(stderr, "memkit: %s changed since the profile was recorded (build-id differs): "
                                "its frames are left unsymbolized\n", m->path);
            }
        }
    }
    dwfl_report_end(s->dwfl, NULL, NULL);
    return s;
}

void mk__symtab_free(mk__symtab *s) {
    if (!s) return;
    if (s->dwfl) dwfl_end(s->dwfl);
    mk_interner_destroy(&s->strs);
    mk_arena_destroy(&s->arena);
    frame_vec_free(&s->scratch);
    free(s->dm);
    free(s->slots);
    for (size_t i = 0; i < s->nmods; i++) fsyms_free(&s->mods[i].syms), cu_ranges_free(&s->mods[i].cus);
    for (size_t b = 0; b < 256; b++)
        for (struct cu_ix *c = s->cus[b], *n; c; c = n) {
            n = c->next;
            snodes_free(&c->nodes);
            sivals_free(&c->top);
            sivals_free(&c->inl);
            free(c);
        }
    free(s->mods);
    free(s);
}

static struct mod_info *find_mod(const mk__symtab *s, uint64_t a) {
    for (size_t i = 0; i < s->nmods; i++)
        if (a >= s->mods[i].start && a < s->mods[i].end) return &s->mods[i];
    return NULL;
}

static int cmp_fsym(const void *a, const void *b) {
    const struct fsym *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1; /* the best alias last: found first */
    return strcmp(x->name, y->name);
}

/* dwfl_module_addrinfo scans the whole symbol table on every call (elfutils 0.188), which costs
 * seconds on profiles with thousands of distinct addresses in a big library; one sorted table per
 * module makes each lookup a binary search. */
static void build_syms(struct mod_info *mi) {
    mi->syms_done = 1;
    int n = dwfl_module_getsymtab(mi->dm);
    if (n <= 0 || !fsyms_with_capacity(&mi->syms, (size_t)n, NULL)) return;
    for (int i = 0; i < n; i++) {
        GElf_Sym sym;
        GElf_Addr addr;
        const char *name = dwfl_module_getsym_info(mi->dm, i, &sym, &addr, NULL, NULL, NULL);
        if (!name || !*name || GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF) continue;
        /* Aliases (strdup and __strdup): prefer the public name, as valgrind does: fewer leading
         * underscores, then global or weak over local. */
        int under = 0;
        while (name[under] == '_') under++;
        int rank = -4 * under + (GELF_ST_BIND(sym.st_info) != STB_LOCAL);
        fsyms_push(&mi->syms, (struct fsym){addr, addr + (sym.st_size ? sym.st_size : 1), name, rank});
    }
    if (mi->syms.len) qsort(mi->syms.data, mi->syms.len, sizeof *mi->syms.data, cmp_fsym);
}

static const char *sym_name(struct mod_info *mi, uint64_t pc) {
    if (!mi->syms_done) build_syms(mi);
    const struct fsym *sy = mi->syms.data;
    size_t lo = 0, hi = mi->syms.len; /* the last symbol starting at or below pc */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sy[mid].start <= pc) lo = mid + 1;
        else hi = mid;
    }
    for (size_t i = lo; i-- > 0;) { /* nested or aliased symbols: the nearest one that covers pc */
        if (pc < sy[i].end) return sy[i].name;
        if (lo - i > 8) break;
    }
    return NULL;
}

/* Allocation entry points: below the program's call, the analyzer keeps at most one of them. */
static int is_alloc_fn(const char *f) {
    static const char *const names[] = {"malloc", "calloc", "realloc", "reallocarray", "free", "memalign",
                                        "aligned_alloc", "posix_memalign", "valloc", "pvalloc",
                                        "__libc_malloc", "__libc_calloc", "__libc_realloc",
                                        "__libc_memalign", "_int_malloc", "_int_realloc", "tcache_init"};
    if (!f) return 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(f, names[i])) return 1;
    return !strncmp(f, "operator new", 12); /* C++: new, new[], their nothrow and aligned forms */
}

static int push(mk__symtab *s, mk__symtab_frame f) {
    f.alloc = is_alloc_fn(f.func);
    return frame_vec_push(&s->scratch, f) ? 0 : -1;
}

static const char *call_file(Dwarf_Die *cu, Dwarf_Die *scope) {
    Dwarf_Attribute a;
    Dwarf_Word idx;
    Dwarf_Files *files;
    size_t nfiles;
    if (dwarf_formudata(dwarf_attr(scope, DW_AT_call_file, &a), &idx) != 0) return NULL;
    if (dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || idx >= nfiles) return NULL;
    return dwarf_filesrc(files, idx, NULL, NULL);
}

static unsigned call_line(Dwarf_Die *scope) {
    Dwarf_Attribute a;
    Dwarf_Word v;
    return dwarf_formudata(dwarf_attr(scope, DW_AT_call_line, &a), &v) == 0 ? (unsigned)v : 0;
}

/* The mangled name of a function DIE (through its abstract origin or specification), or NULL (C
 * has none). Languages with namespaces name the function there in full: "alloc::vec::Vec<T,A>::push"
 * or "Widget::make(int)" once demangled, where DW_AT_name says "push<u32, Global>" or "make". */
static const char *linkage_name(Dwarf_Die *die) {
    Dwarf_Attribute a;
    const char *n = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &a));
    return n ? n : dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a));
}

static int index_walk(struct cu_ix *c, Dwarf_Die *die, int parent, int depth) {
    Dwarf_Die child;
    if (depth > 64 || dwarf_child(die, &child) != 0) return 0;
    do {
        int tag = dwarf_tag(&child);
        if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
            Dwarf_Addr base, lo, hi;
            ptrdiff_t off = 0;
            size_t first_top = c->top.len, first_inl = c->inl.len;
            if (c->nodes.len >= INT32_MAX) return -1; /* node indexes are ints */
            uint32_t me = (uint32_t)c->nodes.len;
            /* A function with code is a function of its own wherever its DIE sits (rustc nests a
             * method in its type's DIE, a closure in its function's namespace); only an inlined
             * call belongs to the function around it. */
            int up = tag == DW_TAG_subprogram ? -1 : parent;
            while ((off = dwarf_ranges(&child, off, &base, &lo, &hi)) > 0) {
                /* Functions the linker discarded keep their DIEs with the address 0 (GNU ld) or
                 * -1 or -2 (lld tombstones): they would overlap every other dead one. */
                if (lo >= hi || lo == 0 || lo >= (Dwarf_Addr)-2) continue;
                struct sival v = {lo, hi, me};
                if (!sivals_push(up < 0 ? &c->top : &c->inl, v)) return -1;
            }
            if (c->top.len == first_top && c->inl.len == first_inl) continue; /* no code: a declaration */
            Dwarf_Attribute a;
            Dwarf_Word w;
            if (!snodes_push(&c->nodes, (struct snode){.parent = up, .tag = tag})) return -1;
            struct snode *nd = snodes_last(&c->nodes);
            nd->name = dwarf_formstring(dwarf_attr_integrate(&child, DW_AT_name, &a));
            nd->linkage = linkage_name(&child);
            if (tag == DW_TAG_inlined_subroutine) {
                if (dwarf_formudata(dwarf_attr(&child, DW_AT_call_file, &a), &w) == 0 && c->files && w < c->nfiles)
                    nd->call_file = dwarf_filesrc(c->files, w, NULL, NULL);
                if (dwarf_formudata(dwarf_attr(&child, DW_AT_call_line, &a), &w) == 0) nd->call_line = (unsigned)w;
            }
            c->nodes.data[me].ibegin = c->inl.len;
            if (index_walk(c, &child, (int)me, depth + 1)) return -1;
            c->nodes.data[me].iend = c->inl.len;
        } else if (tag == DW_TAG_lexical_block || tag == DW_TAG_namespace || tag == DW_TAG_try_block ||
                   tag == DW_TAG_catch_block || tag == DW_TAG_structure_type || tag == DW_TAG_class_type ||
                   tag == DW_TAG_union_type || tag == DW_TAG_enumeration_type || tag == DW_TAG_variant_part ||
                   tag == DW_TAG_variant) {
            /* Scopes that hold code: blocks, namespaces, and types, which hold Rust's methods. */
            if (index_walk(c, &child, parent, depth + 1)) return -1;
        }
    } while (dwarf_siblingof(&child, &child) == 0);
    return 0;
}

static int cmp_ival(const void *a, const void *b) {
    const struct sival *x = a, *y = b;
    return (x->lo > y->lo) - (x->lo < y->lo);
}

static struct cu_ix *cu_index(mk__symtab *s, const void *mod, Dwarf_Die *cu) {
    Dwarf_Off off = dwarf_dieoffset(cu);
    size_t b = (size_t)((((uintptr_t)mod >> 4) ^ off ^ (off >> 8)) & 255);
    for (struct cu_ix *c = s->cus[b]; c; c = c->next)
        if (c->mod == mod && c->off == off) return c;
    struct cu_ix *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->mod = mod;
    c->off = off;
    if (dwarf_getsrcfiles(cu, &c->files, &c->nfiles) != 0) c->files = NULL, c->nfiles = 0;
    if (index_walk(c, cu, -1, 0)) c->broken = 1;
    if (c->top.len) qsort(c->top.data, c->top.len, sizeof *c->top.data, cmp_ival);
    for (size_t i = 1; i < c->top.len; i++)
        if (c->top.data[i].lo < c->top.data[i - 1].hi) c->broken = 1;
    c->next = s->cus[b];
    s->cus[b] = c;
    return c;
}

/* The innermost node holding pc, or -1 (then *ok says whether the index could answer). */
static int cu_find(const struct cu_ix *c, uint64_t pc) {
    const struct sival *top = c->top.data, *inl = c->inl.data;
    size_t lo = 0, hi = c->top.len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (top[mid].lo <= pc) lo = mid + 1;
        else hi = mid;
    }
    if (lo == 0 || pc >= top[lo - 1].hi) return -1;
    uint32_t best = top[lo - 1].node;
    const struct snode *t = &c->nodes.data[best];
    for (size_t i = t->ibegin; i < t->iend; i++)
        if (inl[i].lo <= pc && pc < inl[i].hi && inl[i].node > best) best = inl[i].node;
    return (int)best;
}

static int cmp_cu_range(const void *a, const void *b) {
    const struct cu_range *x = a, *y = b;
    return (x->lo > y->lo) - (x->lo < y->lo);
}

/* The CU holding pc, from the CUs' own ranges. libdw finds a CU by .debug_aranges only, which clang
 * does not emit: without this, a clang-built program has no file:line at all. */
static Dwarf_Die *cu_by_range(struct mod_info *mi, Dwarf_Addr pc, Dwarf_Die *mem, Dwarf_Addr *bias) {
    Dwarf *dw = dwfl_module_getdwarf(mi->dm, bias);
    if (!dw) return NULL;
    if (!mi->cus_done) {
        mi->cus_done = 1;
        Dwarf_Addr b;
        for (Dwarf_Die *cu = NULL; (cu = dwfl_module_nextcu(mi->dm, cu, &b));) {
            Dwarf_Addr base, lo, hi;
            for (ptrdiff_t off = 0; (off = dwarf_ranges(cu, off, &base, &lo, &hi)) > 0;)
                if (lo < hi && lo != 0 && lo < (Dwarf_Addr)-2 &&
                    !cu_ranges_push(&mi->cus, (struct cu_range){lo, hi, dwarf_dieoffset(cu)}))
                    break;
        }
        if (mi->cus.len) qsort(mi->cus.data, mi->cus.len, sizeof *mi->cus.data, cmp_cu_range);
    }
    uint64_t a = pc - *bias;
    size_t lo = 0, hi = mi->cus.len; /* CU ranges do not overlap: the last one starting at or below a */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mi->cus.data[mid].lo <= a) lo = mid + 1;
        else hi = mid;
    }
    if (lo == 0 || a >= mi->cus.data[lo - 1].hi) return NULL;
    return dwarf_offdie(dw, mi->cus.data[lo - 1].off, mem);
}

/* Puts the frames of one address in s->scratch; returns how many (0 when out of memory). */
static uint32_t resolve(mk__symtab *s, uint64_t addr) {
    frame_vec_clear(&s->scratch);
    const size_t before = 0;
    mk__symtab_frame f = {.addr = addr, .user = -1};
    struct mod_info *mi = find_mod(s, addr);
    if (mi) f.module = mi->path, f.recorder = mi->recorder;
    Dwfl_Module *m = mi && mi->usable ? mi->dm : NULL;
    if (!m) {
        push(s, f);
        return (uint32_t)(s->scratch.len - before);
    }
    Dwarf_Addr pc = addr - 1;
    f.func = keep_demangled(s, sym_name(mi, pc));
    Dwfl_Line *ln = dwfl_module_getsrc(m, pc);
    if (ln) {
        int lineno = 0;
        const char *file = dwfl_lineinfo(ln, NULL, &lineno, NULL, NULL, NULL);
        if (file && lineno > 0) f.file = keep(s, base_name(file)), f.line = (unsigned)lineno;
    }
    Dwarf_Addr bias;
    Dwarf_Die *cu = dwfl_module_addrdie(m, pc, &bias), cu_mem;
    if (!cu && (cu = cu_by_range(mi, pc, &cu_mem, &bias)) && !f.file) {
        Dwarf_Line *l = dwarf_getsrc_die(cu, pc - bias);
        int lineno = 0;
        const char *file = l ? dwarf_linesrc(l, NULL, NULL) : NULL;
        if (file && dwarf_lineno(l, &lineno) == 0 && lineno > 0) f.file = keep(s, base_name(file)), f.line = (unsigned)lineno;
    }
    /* The symbol names the function (a C++ symbol keeps its mangling, an alias its public name),
     * except a compiler clone (make_zeroed.constprop.0, main.cold): DWARF has the source's name. */
    int prefer_dwarf = !f.func || (strchr(f.func, '.') != NULL && !strchr(f.func, '('));
    int emitted = 0;
    struct cu_ix *c = cu ? cu_index(s, m, cu) : NULL;
    if (c && !c->broken) {
        for (int i = cu_find(c, pc - bias); i >= 0; i = c->nodes.data[i].parent) {
            const struct snode *nd = &c->nodes.data[i];
            mk__symtab_frame g = f;
            if ((nd->name || nd->linkage) && (nd->tag == DW_TAG_inlined_subroutine || prefer_dwarf))
                g.func = nd->linkage ? keep_demangled(s, nd->linkage) : keep(s, nd->name);
            push(s, g);
            emitted = 1;
            if (nd->tag != DW_TAG_inlined_subroutine) break;
            f.file = nd->call_file ? keep(s, base_name(nd->call_file)) : NULL; /* the caller, at the call */
            f.line = nd->call_line;
        }
        if (!emitted) push(s, f);
        return (uint32_t)(s->scratch.len - before);
    }
    Dwarf_Die *scopes = NULL;
    int n = cu ? dwarf_getscopes(cu, pc - bias, &scopes) : 0;
    if (n > 0) {
        /* The scopes above are partly in the abstract tree; the concrete chain of inlined calls
         * comes from the innermost DIE's own parents (as eu-addr2line -i does). */
        Dwarf_Die inner = scopes[0];
        free(scopes);
        scopes = NULL;
        n = dwarf_getscopes_die(&inner, &scopes);
    }
    for (int i = 0; i < n; i++) {
        int tag = dwarf_tag(&scopes[i]);
        if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine && tag != DW_TAG_entry_point) continue;
        Dwarf_Attribute a;
        const char *name = dwarf_formstring(dwarf_attr_integrate(&scopes[i], DW_AT_name, &a));
        const char *mangled = linkage_name(&scopes[i]);
        mk__symtab_frame g = f;
        if ((name || mangled) && (tag == DW_TAG_inlined_subroutine || prefer_dwarf))
            g.func = mangled ? keep_demangled(s, mangled) : keep(s, name);
        push(s, g);
        emitted = 1;
        if (tag != DW_TAG_inlined_subroutine) break;
        /* The caller's frame: same address, located at the inlined call. */
        const char *cf = call_file(cu, &scopes[i]);
        f.file = cf ? keep(s, base_name(cf)) : NULL;
        f.line = call_line(&scopes[i]);
    }
    free(scopes);
    if (!emitted) push(s, f);
    return (uint32_t)(s->scratch.len - before);
}

static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static int rehash(mk__symtab *s) {
    size_t n = s->nslots * 2;
    struct cache_slot *t = calloc(n, sizeof *t);
    if (!t) return -1;
    for (size_t i = 0; i < s->nslots; i++) {
        if (!s->slots[i].used) continue;
        size_t j = mix(s->slots[i].addr) & (n - 1);
        while (t[j].used) j = (j + 1) & (n - 1);
        t[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = t;
    s->nslots = n;
    return 0;
}

void mk__symtab_lookup(mk__symtab *s, uint64_t addr, mk__symtab_frame **out, size_t *n) {
    static mk__symtab_frame unknown;
    unknown = (mk__symtab_frame){.addr = addr, .user = -1};
    size_t j = mix(addr) & (s->nslots - 1);
    while (s->slots[j].used) {
        if (s->slots[j].addr == addr) {
            *out = s->slots[j].frames;
            *n = s->slots[j].count;
            return;
        }
        j = (j + 1) & (s->nslots - 1);
    }
    uint32_t count = resolve(s, addr);
    size_t bytes;
    mk__symtab_frame *frames = NULL;
    if (count && mk_mul_size(count, sizeof *frames, &bytes))
        frames = mk_arena_alloc(&s->arena, bytes, _Alignof(mk__symtab_frame));
    if (!frames) { /* out of memory: an anonymous frame, not cached */
        *out = &unknown;
        *n = 1;
        return;
    }
    memcpy(frames, s->scratch.data, bytes);
    int room = 1;
    if ((s->used + 1) * 2 > s->nslots) {
        if (rehash(s) == 0) {
            j = mix(addr) & (s->nslots - 1);
            while (s->slots[j].used) j = (j + 1) & (s->nslots - 1);
        } else {
            room = s->used + 2 < s->nslots; /* keep one slot free so probes end */
        }
    }
    if (room) {
        s->slots[j] = (struct cache_slot){addr, frames, count, 1};
        s->used++;
    }
    *out = frames;
    *n = count;
}
