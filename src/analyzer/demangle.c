/* demangle.c - Rust's legacy and v0 symbol manglings, demangled as rustc-demangle's alternate form.
 *
 * The v0 grammar (RFC 2603) is a recursive descent over the mangled string with back-references
 * ("B<base-62>") to earlier positions; a printer writes into the caller's fixed buffer. The one
 * design decision: any doubt makes the whole symbol fail (the caller then shows it mangled), and
 * every input ends in bounded time: back-references must point backwards, recursion is capped, and
 * printing stops at the first byte that does not fit.
 */
#include <stdint.h>
#include <string.h>

#include "demangle.h"

#define MAX_DEPTH 300     /* nesting of paths and types; rustc-demangle uses 500 with a larger stack */
#define MAX_STEPS 200000u /* real symbols take a few thousand */

struct out {
    char *buf;
    size_t cap, len;
    int skip; /* > 0 while parsing something that is not printed (an impl's own path) */
    int bad;  /* malformed input or no room: the result is discarded */
};

static void put(struct out *o, const char *s, size_t n) {
    if (o->bad || o->skip) return;
    if (n >= o->cap - o->len) {
        o->bad = 1;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void puts_(struct out *o, const char *s) { put(o, s, strlen(s)); }

static void put_u64(struct out *o, uint64_t v) {
    char d[24];
    size_t i = sizeof d;
    do d[--i] = (char)('0' + v % 10), v /= 10;
    while (v);
    put(o, d + i, sizeof d - i);
}

/* A code point as UTF-8; false for surrogates and values beyond Unicode. */
static int put_utf8(struct out *o, uint32_t c) {
    char b[4];
    size_t n;
    if (c < 0x80) b[0] = (char)c, n = 1;
    else if (c < 0x800) b[0] = (char)(0xC0 | c >> 6), b[1] = (char)(0x80 | (c & 63)), n = 2;
    else if (c >= 0xD800 && c < 0xE000) return 0;
    else if (c < 0x10000)
        b[0] = (char)(0xE0 | c >> 12), b[1] = (char)(0x80 | ((c >> 6) & 63)), b[2] = (char)(0x80 | (c & 63)), n = 3;
    else if (c < 0x110000)
        b[0] = (char)(0xF0 | c >> 18), b[1] = (char)(0x80 | ((c >> 12) & 63)), b[2] = (char)(0x80 | ((c >> 6) & 63)),
        b[3] = (char)(0x80 | (c & 63)), n = 4;
    else return 0;
    put(o, b, n);
    return 1;
}

/* A ".suffix" after the symbol (".cold", ".0") is kept as it is, if it is printable. */
static int put_suffix(struct out *o, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 0;
    put(o, s, n);
    return 1;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Drops a trailing ".llvm.<hex or @>" (LLVM's name for a function it cloned across modules); *n is
 * the symbol's length and becomes the length without it. */
static void strip_llvm_suffix(const char *s, size_t *n) {
    for (size_t i = 0; i + 6 <= *n; i++) {
        if (memcmp(s + i, ".llvm.", 6) != 0) continue;
        size_t j = i + 6;
        while (j < *n && (hexval(s[j]) >= 0 || (s[j] >= 'A' && s[j] <= 'F') || s[j] == '@')) j++;
        if (j == *n) {
            *n = i;
            return;
        }
    }
}

/* ---- legacy: _ZN <len ident>... 17h<16 hex>E -------------------------------------------------- */

/* One path element with its escapes ($LT$ ... $u7e$, ".." for "::"). */
static int legacy_ident(struct out *o, const char *s, size_t n) {
    size_t i = 0;
    if (n >= 2 && s[0] == '_' && s[1] == '$') i = 1; /* "_$LT$impl..." starts with an escape */
    while (i < n) {
        if (s[i] == '$') {
            const char *end = memchr(s + i + 1, '$', n - i - 1);
            if (!end) return 0;
            size_t k = (size_t)(end - (s + i + 1));
            const char *e = s + i + 1;
            static const struct { const char *code, *text; } esc[] = {
                {"SP", "@"}, {"BP", "*"}, {"RF", "&"}, {"LT", "<"}, {"GT", ">"}, {"LP", "("}, {"RP", ")"}, {"C", ","}};
            int done = 0;
            for (size_t j = 0; j < sizeof esc / sizeof esc[0] && !done; j++)
                if (strlen(esc[j].code) == k && memcmp(e, esc[j].code, k) == 0) puts_(o, esc[j].text), done = 1;
            if (!done) {
                if (k < 2 || k > 9 || e[0] != 'u') return 0;
                uint32_t c = 0;
                for (size_t j = 1; j < k; j++) {
                    int h = hexval(e[j]);
                    if (h < 0) return 0;
                    c = c * 16 + (uint32_t)h;
                }
                if (c < 0x20 || c == 0x7f || !put_utf8(o, c)) return 0; /* no control characters in a name */
            }
            i += k + 2;
        } else if (s[i] == '.' && i + 1 < n && s[i + 1] == '.') {
            puts_(o, "::");
            i += 2;
        } else {
            if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 0;
            put(o, s + i, 1);
            i++;
        }
    }
    return 1;
}

static int is_legacy_hash(const char *s, size_t n) {
    if (n != 17 || s[0] != 'h') return 0;
    for (size_t i = 1; i < 17; i++)
        if (hexval(s[i]) < 0) return 0;
    return 1;
}

/* s[0..n) after "_ZN". */
static int legacy(struct out *o, const char *s, size_t n) {
    /* First pass: the elements are well formed and the last is the hash. */
    size_t i = 0, elems = 0, last = 0, last_len = 0;
    while (i < n && s[i] != 'E') {
        if (s[i] < '0' || s[i] > '9' || (s[i] == '0')) return 0;
        size_t len = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (len > n) return 0;
            len = len * 10 + (size_t)(s[i++] - '0');
        }
        if (len == 0 || len > n - i) return 0;
        last = i, last_len = len, elems++;
        i += len;
    }
    if (i >= n || elems < 2 || !is_legacy_hash(s + last, last_len)) return 0;
    size_t end = i + 1; /* after 'E': nothing, or a ".suffix" */
    if (end < n && s[end] != '.') return 0;
    i = 0;
    for (size_t k = 0; k + 1 < elems; k++) {
        size_t len = 0;
        while (s[i] >= '0' && s[i] <= '9') len = len * 10 + (size_t)(s[i++] - '0');
        if (k) puts_(o, "::");
        if (!legacy_ident(o, s + i, len)) return 0;
        i += len;
    }
    return put_suffix(o, s + end, n - end) && !o->bad;
}

/* ---- v0 ----------------------------------------------------------------------------------------- */

struct v0 {
    const char *s; /* after "_R" */
    size_t n, pos;
    int depth;
    uint64_t steps; /* paths, types and consts parsed: back-references may share subtrees, so the
                     * work of a short hostile symbol (printing skipped) could grow exponentially */
    uint64_t bound; /* lifetimes bound by enclosing for<...> binders */
    struct out *o;
};

static int fail(struct v0 *p) {
    p->o->bad = 1;
    return 0;
}

static int eat(struct v0 *p, char c) {
    if (p->pos < p->n && p->s[p->pos] == c) {
        p->pos++;
        return 1;
    }
    return 0;
}

static char next(struct v0 *p) { return p->pos < p->n ? p->s[p->pos++] : (p->o->bad = 1, '\0'); }

/* <base-62-number> = {0-9a-zA-Z} "_": "_" is 0, otherwise the digits' value plus one. */
static uint64_t base62(struct v0 *p) {
    if (eat(p, '_')) return 0;
    uint64_t x = 0;
    for (;;) {
        char c = next(p);
        if (p->o->bad) return 0;
        if (c == '_') break;
        unsigned d;
        if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'z') d = 10 + (unsigned)(c - 'a');
        else if (c >= 'A' && c <= 'Z') d = 36 + (unsigned)(c - 'A');
        else return fail(p);
        if (x > (UINT64_MAX - d) / 62) return fail(p);
        x = x * 62 + d;
    }
    if (x == UINT64_MAX) return fail(p);
    return x + 1;
}

/* [tag <base-62-number>]: 0 when absent, the number plus one when present. */
static uint64_t opt_base62(struct v0 *p, char tag) {
    if (!eat(p, tag)) return 0;
    uint64_t v = base62(p);
    if (v == UINT64_MAX) return fail(p);
    return v + 1;
}

static size_t decimal(struct v0 *p) {
    if (p->pos >= p->n || p->s[p->pos] < '0' || p->s[p->pos] > '9') return fail(p);
    if (p->s[p->pos] == '0') {
        p->pos++;
        return 0;
    }
    size_t v = 0;
    while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        if (v > p->n) return fail(p);
        v = v * 10 + (size_t)(p->s[p->pos++] - '0');
    }
    return v;
}

struct ident {
    const char *ascii, *puny; /* puny: the Punycode part of a "u" identifier, or NULL */
    size_t nascii, npuny;
};

/* <undisambiguated-identifier> = ["u"] <decimal> ["_"] <bytes> */
static struct ident ident(struct v0 *p) {
    struct ident id = {"", NULL, 0, 0};
    int puny = eat(p, 'u');
    size_t len = decimal(p);
    eat(p, '_');
    if (p->o->bad || len > p->n - p->pos) {
        fail(p);
        return id;
    }
    const char *b = p->s + p->pos;
    p->pos += len;
    for (size_t i = 0; i < len; i++) /* the ASCII part of an identifier: Unicode is Punycode-encoded */
        if ((unsigned char)b[i] < 0x20 || (unsigned char)b[i] >= 0x7f) {
            fail(p);
            return id;
        }
    if (!puny) {
        id.ascii = b, id.nascii = len;
        return id;
    }
    /* Punycode with '_' for '-': the basic characters, then the encoded deltas after the last '_'. */
    const char *us = NULL;
    for (size_t i = len; i-- > 0;)
        if (b[i] == '_') {
            us = b + i;
            break;
        }
    if (us) id.ascii = b, id.nascii = (size_t)(us - b), id.puny = us + 1, id.npuny = len - id.nascii - 1;
    else id.puny = b, id.npuny = len;
    if (id.npuny == 0) fail(p);
    return id;
}

/* RFC 3492 decoding of a "u" identifier into at most 128 code points. */
static int print_punycode(struct out *o, const struct ident *id) {
    uint32_t cps[128];
    size_t n = 0;
    for (size_t i = 0; i < id->nascii; i++) {
        if (n == 128) return 0;
        cps[n++] = (unsigned char)id->ascii[i];
    }
    uint64_t code = 0x80, bias = 72, idx = 0;
    size_t pos = 0;
    while (pos < id->npuny) {
        uint64_t old = idx, w = 1;
        for (uint64_t k = 36;; k += 36) {
            if (pos >= id->npuny) return 0;
            char c = id->puny[pos++];
            uint64_t d;
            if (c >= 'a' && c <= 'z') d = (uint64_t)(c - 'a');
            else if (c >= '0' && c <= '9') d = 26 + (uint64_t)(c - '0');
            else return 0;
            if (d > (UINT32_MAX - idx) / w) return 0;
            idx += d * w;
            uint64_t t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
            if (d < t) break;
            if (w > UINT32_MAX / (36 - t)) return 0;
            w *= 36 - t;
        }
        if (n == 128) return 0;
        uint64_t delta = idx - old;
        delta = old == 0 ? delta / 700 : delta / 2;
        delta += delta / (n + 1);
        uint64_t k = 0;
        while (delta > 455) delta /= 35, k += 36;
        bias = k + 36 * delta / (delta + 38);
        code += idx / (n + 1);
        if (code > 0x10FFFF) return 0;
        idx %= n + 1;
        memmove(cps + idx + 1, cps + idx, (n - idx) * sizeof *cps);
        cps[idx++] = (uint32_t)code;
        n++;
    }
    for (size_t i = 0; i < n; i++)
        if (cps[i] < 0x20 || (cps[i] >= 0x7f && cps[i] < 0xa0) || !put_utf8(o, cps[i])) return 0;
    return 1;
}

static void print_ident(struct v0 *p, const struct ident *id) {
    if (!id->puny) put(p->o, id->ascii, id->nascii);
    else if (!print_punycode(p->o, id)) fail(p);
}

static int enter(struct v0 *p) {
    if (p->o->bad || ++p->depth > MAX_DEPTH || ++p->steps > MAX_STEPS) return fail(p);
    return 1;
}

static void print_path(struct v0 *p, int in_value);
static void print_type(struct v0 *p);
static void print_const(struct v0 *p);

/* B <base-62-number>: parse again from an earlier position, then come back. */
static void backref(struct v0 *p, void (*fn)(struct v0 *, int), int arg) {
    size_t at = p->pos - 1; /* the 'B' */
    uint64_t target = base62(p);
    if (p->o->bad) return;
    if (target >= at) {
        fail(p);
        return;
    }
    size_t back = p->pos;
    p->pos = (size_t)target;
    fn(p, arg);
    p->pos = back;
}

static void path_fn(struct v0 *p, int in_value) { print_path(p, in_value); }
static void type_fn(struct v0 *p, int unused) {
    (void)unused;
    print_type(p);
}
static void const_fn(struct v0 *p, int unused) {
    (void)unused;
    print_const(p);
}

static void print_lifetime(struct v0 *p, uint64_t lt) {
    put(p->o, "'", 1);
    if (lt == 0) {
        put(p->o, "_", 1);
        return;
    }
    if (lt > p->bound) {
        fail(p);
        return;
    }
    uint64_t depth = p->bound - lt;
    if (depth < 26) {
        char c = (char)('a' + depth);
        put(p->o, &c, 1);
    } else {
        put(p->o, "_", 1);
        put_u64(p->o, depth);
    }
}

/* [G <base-62-number>]: for<'a, 'b> around what fn prints. */
static void in_binder(struct v0 *p, void (*fn)(struct v0 *, int), int arg) {
    uint64_t n = opt_base62(p, 'G');
    if (p->o->bad) return;
    if (n > 64) { /* far more than any real signature */
        fail(p);
        return;
    }
    if (n) {
        puts_(p->o, "for<");
        for (uint64_t i = 0; i < n; i++) {
            if (i) puts_(p->o, ", ");
            p->bound++;
            print_lifetime(p, 1);
        }
        puts_(p->o, "> ");
    }
    fn(p, arg);
    p->bound -= n;
}

static const char *basic_type(char c) {
    switch (c) {
    case 'a': return "i8";
    case 'b': return "bool";
    case 'c': return "char";
    case 'd': return "f64";
    case 'e': return "str";
    case 'f': return "f32";
    case 'h': return "u8";
    case 'i': return "isize";
    case 'j': return "usize";
    case 'l': return "i32";
    case 'm': return "u32";
    case 'n': return "i128";
    case 'o': return "u128";
    case 's': return "i16";
    case 't': return "u16";
    case 'u': return "()";
    case 'v': return "...";
    case 'x': return "i64";
    case 'y': return "u64";
    case 'z': return "!";
    case 'p': return "_";
    default: return NULL;
    }
}

static void print_generic_arg(struct v0 *p) {
    if (eat(p, 'L')) print_lifetime(p, base62(p));
    else if (eat(p, 'K')) print_const(p);
    else print_type(p);
}

/* {<generic-arg>} "E", separated by ", ". */
static void print_generic_args(struct v0 *p) {
    for (int i = 0; !p->o->bad && !eat(p, 'E'); i++) {
        if (i) puts_(p->o, ", ");
        print_generic_arg(p);
    }
}

static void print_path(struct v0 *p, int in_value) {
    if (!enter(p)) return;
    char tag = next(p);
    switch (tag) {
    case 'C': {
        opt_base62(p, 's'); /* the crate's disambiguator: dropped */
        struct ident id = ident(p);
        print_ident(p, &id);
        break;
    }
    case 'N': {
        char ns = next(p);
        if (!((ns >= 'a' && ns <= 'z') || (ns >= 'A' && ns <= 'Z'))) {
            fail(p);
            break;
        }
        print_path(p, in_value);
        uint64_t dis = opt_base62(p, 's');
        struct ident id = ident(p);
        if (ns >= 'A' && ns <= 'Z') {
            puts_(p->o, "::{");
            if (ns == 'C') puts_(p->o, "closure");
            else if (ns == 'S') puts_(p->o, "shim");
            else put(p->o, &ns, 1);
            if (id.nascii || id.npuny) puts_(p->o, ":"), print_ident(p, &id);
            puts_(p->o, "#");
            put_u64(p->o, dis);
            puts_(p->o, "}");
        } else {
            puts_(p->o, "::");
            print_ident(p, &id);
        }
        break;
    }
    case 'M':
    case 'X':
    case 'Y':
        if (tag != 'Y') { /* the impl's own path is not shown */
            opt_base62(p, 's');
            p->o->skip++;
            print_path(p, 0);
            p->o->skip--;
        }
        puts_(p->o, "<");
        print_type(p);
        if (tag != 'M') {
            puts_(p->o, " as ");
            print_path(p, 0);
        }
        puts_(p->o, ">");
        break;
    case 'I':
        print_path(p, in_value);
        if (in_value) puts_(p->o, "::");
        puts_(p->o, "<");
        print_generic_args(p);
        puts_(p->o, ">");
        break;
    case 'B':
        backref(p, path_fn, in_value);
        break;
    default:
        fail(p);
    }
    p->depth--;
}

/* A path whose generic argument list stays open for a dyn trait's associated types: returns 1 when
 * it printed "<" without the closing ">". */
static int print_path_open(struct v0 *p) {
    if (eat(p, 'B')) {
        size_t at = p->pos - 1;
        uint64_t target = base62(p);
        if (p->o->bad || target >= at) return fail(p);
        size_t back = p->pos;
        p->pos = (size_t)target;
        if (!enter(p)) return 0;
        int open = print_path_open(p);
        p->depth--;
        p->pos = back;
        return open;
    }
    if (eat(p, 'I')) {
        print_path(p, 0);
        puts_(p->o, "<");
        print_generic_args(p);
        return 1;
    }
    print_path(p, 0);
    return 0;
}

static void print_dyn_trait(struct v0 *p) {
    int open = print_path_open(p);
    while (!p->o->bad && eat(p, 'p')) {
        puts_(p->o, open ? ", " : "<");
        open = 1;
        struct ident id = ident(p);
        print_ident(p, &id);
        puts_(p->o, " = ");
        print_type(p);
    }
    if (open) puts_(p->o, ">");
}

static void dyn_bounds(struct v0 *p, int unused) {
    (void)unused;
    for (int i = 0; !p->o->bad && !eat(p, 'E'); i++) {
        if (i) puts_(p->o, " + ");
        print_dyn_trait(p);
    }
}

static void fn_sig(struct v0 *p, int unused) {
    (void)unused;
    int unsafe_ = eat(p, 'U');
    struct ident abi = {NULL, NULL, 0, 0};
    int has_abi = 0;
    if (eat(p, 'K')) {
        has_abi = 1;
        if (eat(p, 'C')) abi.ascii = "C", abi.nascii = 1;
        else {
            abi = ident(p);
            if (abi.puny) fail(p);
        }
    }
    if (unsafe_) puts_(p->o, "unsafe ");
    if (has_abi) {
        puts_(p->o, "extern \"");
        for (size_t i = 0; i < abi.nascii; i++) put(p->o, abi.ascii[i] == '_' ? "-" : abi.ascii + i, 1);
        puts_(p->o, "\" ");
    }
    puts_(p->o, "fn(");
    for (int i = 0; !p->o->bad && !eat(p, 'E'); i++) {
        if (i) puts_(p->o, ", ");
        print_type(p);
    }
    puts_(p->o, ")");
    if (!eat(p, 'u')) {
        puts_(p->o, " -> ");
        print_type(p);
    }
}

static void print_type(struct v0 *p) {
    if (!enter(p)) return;
    char tag = next(p);
    const char *basic = basic_type(tag);
    if (basic) {
        puts_(p->o, basic);
        p->depth--;
        return;
    }
    switch (tag) {
    case 'R':
    case 'Q':
        puts_(p->o, "&");
        if (eat(p, 'L')) {
            uint64_t lt = base62(p);
            if (lt) print_lifetime(p, lt), puts_(p->o, " ");
        }
        if (tag == 'Q') puts_(p->o, "mut ");
        print_type(p);
        break;
    case 'P':
        puts_(p->o, "*const ");
        print_type(p);
        break;
    case 'O':
        puts_(p->o, "*mut ");
        print_type(p);
        break;
    case 'A':
    case 'S':
        puts_(p->o, "[");
        print_type(p);
        if (tag == 'A') puts_(p->o, "; "), print_const(p);
        puts_(p->o, "]");
        break;
    case 'T': {
        puts_(p->o, "(");
        int i = 0;
        for (; !p->o->bad && !eat(p, 'E'); i++) {
            if (i) puts_(p->o, ", ");
            print_type(p);
        }
        if (i == 1) puts_(p->o, ",");
        puts_(p->o, ")");
        break;
    }
    case 'F':
        in_binder(p, fn_sig, 0);
        break;
    case 'D':
        puts_(p->o, "dyn ");
        in_binder(p, dyn_bounds, 0);
        if (!eat(p, 'L')) {
            fail(p);
            break;
        }
        {
            uint64_t lt = base62(p);
            if (lt) puts_(p->o, " + "), print_lifetime(p, lt);
        }
        break;
    case 'B':
        backref(p, type_fn, 0);
        break;
    default:
        p->pos--; /* a path names the type */
        print_path(p, 0);
    }
    p->depth--;
}

/* <const> = <type> <const-data> | "p" | <backref>; <const-data> = ["n"] {<hex-digit>} "_". */
static void print_const(struct v0 *p) {
    if (!enter(p)) return;
    char tag = next(p);
    if (tag == 'B') {
        backref(p, const_fn, 0);
        p->depth--;
        return;
    }
    if (tag == 'p') {
        puts_(p->o, "_");
        p->depth--;
        return;
    }
    int neg = 0;
    if (strchr("alxnsi", tag) && tag) neg = eat(p, 'n');
    else if (!strchr("htmyojbc", tag) || !tag) {
        fail(p);
        p->depth--;
        return;
    }
    size_t start = p->pos;
    while (p->pos < p->n && hexval(p->s[p->pos]) >= 0) p->pos++;
    size_t ndig = p->pos - start;
    if (!eat(p, '_')) {
        fail(p);
        p->depth--;
        return;
    }
    const char *h = p->s + start;
    while (ndig && *h == '0') h++, ndig--; /* leading zeros */
    if (ndig > 16) { /* beyond 64 bits (u128): shown in hex, as rustc-demangle does */
        if (tag == 'b' || tag == 'c') fail(p);
        if (neg) puts_(p->o, "-");
        puts_(p->o, "0x");
        put(p->o, h, ndig);
        p->depth--;
        return;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < ndig; i++) v = v * 16 + (uint64_t)hexval(h[i]);
    if (tag == 'b') {
        if (v > 1) fail(p);
        puts_(p->o, v ? "true" : "false");
    } else if (tag == 'c') {
        if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) {
            fail(p);
        } else if (v == '\'' || v == '\\') { /* as Rust's Debug for char shows them */
            char q[4] = {'\'', '\\', (char)v, '\''};
            put(p->o, q, 4);
        } else if ((v >= 0x20 && v < 0x7f) || v >= 0xa0) {
            put(p->o, "'", 1);
            put_utf8(p->o, (uint32_t)v);
            put(p->o, "'", 1);
        } else {
            static const char hx[] = "0123456789abcdef";
            char q[16];
            size_t k = 0, shift = 20;
            q[k++] = '\'', q[k++] = '\\', q[k++] = 'u', q[k++] = '{';
            while (shift && !((v >> shift) & 15)) shift -= 4;
            for (;; shift -= 4) {
                q[k++] = hx[(v >> shift) & 15];
                if (!shift) break;
            }
            q[k++] = '}', q[k++] = '\'';
            put(p->o, q, k);
        }
    } else {
        if (neg) puts_(p->o, "-");
        put_u64(p->o, v);
    }
    p->depth--;
}

static int v0(struct out *o, const char *s, size_t n) {
    struct v0 p = {s, n, 0, 0, 0, 0, o};
    if (n && s[0] >= '0' && s[0] <= '9') return 0; /* an encoding version other than 0 */
    print_path(&p, 1);
    if (o->bad) return 0;
    if (p.pos < n && s[p.pos] >= 'A' && s[p.pos] <= 'Z') { /* the instantiating crate: not shown */
        o->skip++;
        print_path(&p, 0);
        o->skip--;
        if (o->bad) return 0;
    }
    if (p.pos < n && s[p.pos] != '.') return 0;
    return put_suffix(o, s + p.pos, n - p.pos) && !o->bad;
}

bool mk__rust_demangle(const char *sym, char *out, size_t cap) {
    if (!sym || !out || cap == 0) return false;
    struct out o = {out, cap, 0, 0, 0};
    size_t n = strlen(sym);
    strip_llvm_suffix(sym, &n);
    int ok = 0;
    /* Some platforms add a leading underscore (macOS "__ZN", "__R"); ELF has one. */
    if (n > 3 && !memcmp(sym, "_ZN", 3)) ok = legacy(&o, sym + 3, n - 3);
    else if (n > 4 && !memcmp(sym, "__ZN", 4)) ok = legacy(&o, sym + 4, n - 4);
    else if (n > 2 && !memcmp(sym, "_R", 2)) ok = v0(&o, sym + 2, n - 2);
    else if (n > 3 && !memcmp(sym, "__R", 3)) ok = v0(&o, sym + 3, n - 3);
    out[ok ? o.len : 0] = '\0';
    return ok;
}
