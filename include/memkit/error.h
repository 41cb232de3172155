/* memkit/error.h - the one error enum of memkit.
 *
 * Functions that can fail for more than one reason return an mk_err. The values are pinned: a value
 * once given a meaning keeps it forever, so they may be logged and compared across versions.
 * errno is only read or set at the libc edge; memkit never overwrites it as a side channel.
 */
#ifndef MEMKIT_ERROR_H
#define MEMKIT_ERROR_H

#include "base.h"

MK_EXTERN_C_BEGIN

typedef enum mk_err {
    MK_OK = 0,
    MK_ENOMEM = 1,     /* the allocator returned NULL */
    MK_EOVERFLOW = 2,  /* a size computation would not fit in size_t */
    MK_EINVAL = 3,     /* an argument is out of its domain (alignment not a power of two, ...) */
    MK_ELIMIT = 4,     /* a configured byte limit was reached */
    MK_ENOENT = 5,     /* no such file or directory */
    MK_EISDIR = 6,     /* the path is a directory */
    MK_EACCES = 7,     /* permission denied */
    MK_EIO = 8,        /* an input/output error, or the file changed under a mapping */
    MK_ENOTSUP = 9,    /* not supported on this kind of file or platform */
    MK_EFORMAT = 10,   /* malformed input (a profile, a file format) */
    MK_ESYS = 11,      /* another system error; errno at the failing call tells which */
    MK_ERR_COUNT_      /* not an error: one past the last value */
} mk_err;

/* A static, human-readable description of err ("unknown error" for values out of range).
 * Never NULL; thread-safe. */
MK_API const char *mk_strerror(mk_err err);

/* Maps an errno value to the closest mk_err (ENOENT -> MK_ENOENT, ...; unknown -> MK_ESYS). */
MK_API mk_err mk_err_from_errno(int errnum);

MK_EXTERN_C_END

#endif
