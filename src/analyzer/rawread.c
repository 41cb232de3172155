/* rawread.c - parses the record stream of a raw profile, validating every length against the file.
 *
 * The file is read whole; records point into it. Anything inconsistent (a record running past the
 * end, a site whose frames do not fit, a missing end record) is an MK_EFORMAT with a message, never
 * a crash: raw files are input like any other.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rawread.h"

static mk_err fail(char *err, size_t errlen, mk_err code, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Copies min(have, want) bytes and zeroes the rest: older writers wrote shorter payloads. */
static void take(void *dst, size_t want, const unsigned char *src, size_t have) {
    memset(dst, 0, want);
    memcpy(dst, src, have < want ? have : want);
}

mk_err mk__raw_parse(void *data, size_t len, mk__raw_profile *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    mk__raw_argv_vec_init(&out->argv_, NULL);
    mk__raw_module_vec_init(&out->modules_, NULL);
    mk__raw_site_vec_init(&out->sites_, NULL);
    out->data_ = data;
    const unsigned char *p = data, *end = p + len;
    int seen_header = 0, seen_end = 0;
    mk_err rc = MK_OK;
    while (p < end && !seen_end) {
        struct mk__raw_record rec;
        if ((size_t)(end - p) < sizeof rec) { rc = fail(err, errlen, MK_EFORMAT, "record header cut short"); goto bad; }
        memcpy(&rec, p, sizeof rec);
        p += sizeof rec;
        size_t padded = ((size_t)rec.len + 7) & ~(size_t)7;
        if ((size_t)(end - p) < padded) { rc = fail(err, errlen, MK_EFORMAT, "record %u runs past the end", rec.tag); goto bad; }
        const unsigned char *q = p;
        p += padded;
        if (!seen_header && rec.tag != MK_RAW_HEADER) { rc = fail(err, errlen, MK_EFORMAT, "not a memkit raw profile"); goto bad; }
        switch (rec.tag) {
        case MK_RAW_HEADER:
            take(&out->header, sizeof out->header, q, rec.len);
            if (memcmp(out->header.magic, MK_RAW_MAGIC, 8) != 0) { rc = fail(err, errlen, MK_EFORMAT, "not a memkit raw profile"); goto bad; }
            if (out->header.version != MK_RAW_VERSION) {
                rc = fail(err, errlen, MK_EFORMAT, "raw profile version %u, this memkit reads %u", out->header.version, MK_RAW_VERSION);
                goto bad;
            }
            seen_header = 1;
            break;
        case MK_RAW_CMD: {
            const char *s = (const char *)q, *e = s + rec.len;
            while (s < e) {
                const char *nul = memchr(s, '\0', (size_t)(e - s));
                if (!nul) { rc = fail(err, errlen, MK_EFORMAT, "command line not terminated"); goto bad; }
                if (!mk__raw_argv_vec_push(&out->argv_, s)) goto nomem;
                s = nul + 1;
            }
            break;
        }
        case MK_RAW_MODULE: {
            mk__raw_module_rec m;
            size_t fixed = sizeof m.m;
            if (rec.len < fixed) { rc = fail(err, errlen, MK_EFORMAT, "module record too short"); goto bad; }
            take(&m.m, fixed, q, fixed);
            if (m.m.path_len == 0 || m.m.path_len > rec.len - fixed || q[fixed + m.m.path_len - 1] != '\0' ||
                m.m.build_id_len > sizeof m.m.build_id) {
                rc = fail(err, errlen, MK_EFORMAT, "module record malformed");
                goto bad;
            }
            m.path = (const char *)q + fixed;
            if (!mk__raw_module_vec_push(&out->modules_, m)) goto nomem;
            break;
        }
        case MK_RAW_SITE: {
            mk__raw_site_rec s;
            size_t fixed = sizeof s.s;
            if (rec.len < fixed) { rc = fail(err, errlen, MK_EFORMAT, "site record too short"); goto bad; }
            take(&s.s, fixed, q, fixed);
            if ((size_t)s.s.nframes > (rec.len - fixed) / 8) { rc = fail(err, errlen, MK_EFORMAT, "site frames run past the record"); goto bad; }
            s.frames = (const uint64_t *)(q + fixed); /* fixed is a multiple of 8 and records are 8-aligned */
            if (!mk__raw_site_vec_push(&out->sites_, s)) goto nomem;
            break;
        }
        case MK_RAW_TOTALS:
            take(&out->totals, sizeof out->totals, q, rec.len);
            break;
        case MK_RAW_END:
            seen_end = 1;
            break;
        default:
            break; /* a newer writer's record: skipped */
        }
    }
    if (!seen_header) { rc = fail(err, errlen, MK_EFORMAT, "empty raw profile"); goto bad; }
    if (!seen_end) { rc = fail(err, errlen, MK_EFORMAT, "raw profile cut short (no end record)"); goto bad; }
    out->argv = out->argv_.data, out->argc = out->argv_.len;
    out->modules = out->modules_.data, out->nmodules = out->modules_.len;
    out->sites = out->sites_.data, out->nsites = out->sites_.len;
    return MK_OK;
nomem:
    rc = fail(err, errlen, MK_ENOMEM, "out of memory");
bad:
    mk__raw_free(out);
    return rc;
}

mk_err mk__raw_load(const char *path, mk__raw_profile *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(err, errlen, mk_err_from_errno(errno), "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = S_ISDIR(st.st_mode) ? EISDIR : errno ? errno : EINVAL;
        close(fd);
        return fail(err, errlen, mk_err_from_errno(e), "%s: %s", path, S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
    }
    size_t len = (size_t)st.st_size;
    void *data = malloc(len ? len : 1);
    if (!data) { close(fd); return fail(err, errlen, MK_ENOMEM, "%s: out of memory", path); }
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, (char *)data + got, len - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            int e = r < 0 ? errno : EIO;
            free(data);
            close(fd);
            return fail(err, errlen, mk_err_from_errno(e), "%s: read failed: %s", path, strerror(e));
        }
        got += (size_t)r;
    }
    close(fd);
    char inner[200] = "";
    mk_err rc = mk__raw_parse(data, len, out, inner, sizeof inner);
    if (rc) fail(err, errlen, rc, "%s: %s", path, inner);
    return rc;
}

void mk__raw_free(mk__raw_profile *p) {
    mk__raw_argv_vec_free(&p->argv_);
    mk__raw_module_vec_free(&p->modules_);
    mk__raw_site_vec_free(&p->sites_);
    free(p->data_);
    memset(p, 0, sizeof *p);
}
