/* error.c - mk_strerror and the errno mapping. A table indexed by the pinned enum values. */
#include <errno.h>

#include "memkit/error.h"

static const char *const messages[MK_ERR_COUNT_] = {
    [MK_OK] = "success",
    [MK_ENOMEM] = "out of memory",
    [MK_EOVERFLOW] = "size overflow",
    [MK_EINVAL] = "invalid argument",
    [MK_ELIMIT] = "byte limit reached",
    [MK_ENOENT] = "no such file or directory",
    [MK_EISDIR] = "is a directory",
    [MK_EACCES] = "permission denied",
    [MK_EIO] = "input/output error",
    [MK_ENOTSUP] = "not supported",
    [MK_EFORMAT] = "malformed input",
    [MK_ESYS] = "system error",
};

const char *mk_strerror(mk_err err) {
    if ((unsigned)err >= MK_ERR_COUNT_ || !messages[err]) return "unknown error";
    return messages[err];
}

mk_err mk_err_from_errno(int errnum) {
    switch (errnum) {
    case 0: return MK_OK;
    case ENOMEM: return MK_ENOMEM;
    case EOVERFLOW: case EFBIG: return MK_EOVERFLOW;
    case EINVAL: return MK_EINVAL;
    case ENOENT: case ENOTDIR: return MK_ENOENT;
    case EISDIR: return MK_EISDIR;
    case EACCES: case EPERM: return MK_EACCES;
    case EIO: return MK_EIO;
    case ENOTSUP: return MK_ENOTSUP;
    default: return MK_ESYS;
    }
}
