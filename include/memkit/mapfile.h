/* memkit/mapfile.h - a whole file as one read-only byte range, memory-mapped when it can be.
 *
 * Regular files are mapped (no copy, no read() loop); everything that cannot be mapped - pipes,
 * sockets, character and block devices, /proc and /sys files (which claim a size of 0) - is read
 * into a heap buffer instead, so callers see the same {data, len} either way (reading goes to end
 * of file: a device that never ends, like /dev/zero, fails with MK_ENOMEM once memory runs out).
 * An empty file is a valid zero-length view. The one design decision to know: a mapping is only as stable as the file
 * behind it. If another process truncates the file, touching the lost pages raises SIGBUS, which
 * kills the process. The guarded calls below (mk_mapfile_guard, _copy, _find, _count) turn that
 * fault into MK_EIO instead, with a process-wide SIGBUS handler and a per-thread jump buffer.
 * Bytes read through the view may also change if the file is rewritten in place (MAP_PRIVATE,
 * never written, shows the file's current pages).
 */
#ifndef MEMKIT_MAPFILE_H
#define MEMKIT_MAPFILE_H

#include "base.h"
#include "error.h"
#include "search.h"

MK_EXTERN_C_BEGIN

/* Hints for mk_mapfile_open, or-ed together; they only apply to mapped files and only change
 * speed. */
enum {
    MK_MAP_SEQUENTIAL = 1u << 0, /* madvise(MADV_SEQUENTIAL): read ahead aggressively */
    MK_MAP_WILLNEED = 1u << 1,   /* madvise(MADV_WILLNEED): start reading the whole file now */
    MK_MAP_POPULATE = 1u << 2,   /* MAP_POPULATE: map every page at open, no page faults later */
};

/* An open file's bytes: data[0..len) is readable until mk_mapfile_close (data is never NULL, even
 * when len is 0). Other fields are private. One object belongs to one owner: open and close it from
 * one thread at a time; once open, any number of threads may read data or use the guarded calls. */
typedef struct mk_mapfile {
    const unsigned char *data;
    size_t len;
    void *map_;      /* the mapping, or NULL when the bytes are on the heap */
    size_t map_len_; /* its length, rounded up to pages */
    void *buf_;      /* the heap copy, or NULL */
    char error_[256];
} mk_mapfile;

/* Opens path (read-only) and fills *m. Returns MK_OK, or: MK_ENOENT (missing), MK_EACCES
 * (permission), MK_EISDIR (a directory), MK_ENOMEM (reading a non-mappable file), MK_EIO or
 * MK_ESYS (read or mmap failed). On failure *m is an empty view that close accepts, and
 * mk_mapfile_error(m) says what failed, naming the path. errno is left as the failing call set it. */
MK_API MK_NODISCARD mk_err mk_mapfile_open(mk_mapfile *m, const char *path, unsigned flags) MK_NONNULL(1, 2);

/* The same for an already open descriptor (standard input: fd 0, name "-"); name is only used in
 * error messages. The caller keeps fd: it may close it as soon as this returns. */
MK_API MK_NODISCARD mk_err mk_mapfile_open_fd(mk_mapfile *m, int fd, const char *name, unsigned flags)
    MK_NONNULL(1, 3);

/* Unmaps or frees; m becomes an empty view. Safe on a failed or already closed mapfile. */
MK_API void mk_mapfile_close(mk_mapfile *m) MK_NONNULL(1);

/* The last open's error message ("PATH: is a directory"), or "" after a success. Owned by m. */
MK_INLINE const char *mk_mapfile_error(const mk_mapfile *m) { return m->error_; }

/* True when data is a mapping of the file (false when it was read into memory or is empty). */
MK_INLINE bool mk_mapfile_is_mapped(const mk_mapfile *m) { return m->map_ != NULL; }

/* Guarded mode. Runs fn(ctx), which may read m->data; returns MK_OK when fn returned, or MK_EIO
 * when fn touched a page of m's mapping that the file no longer backs (it shrank) - fn is then
 * abandoned midway by siglongjmp, so it must not take locks, allocate, or leave shared state
 * half-updated. Faults outside m's mapping are not caught.
 * Thread-safety: any number of threads may run guarded calls at once, on the same or different
 * mapfiles (the jump buffer is per thread; guards nest). The first guarded call on a mapped file
 * installs a SIGBUS handler for the whole process (once, never removed) that chains to the handler
 * in place before it for faults that are not inside a running guard. A SIGBUS handler the program
 * installs later replaces it and disables the guard. Not for use inside a signal handler.
 * Returns MK_ESYS if the handler could not be installed. */
MK_API mk_err mk_mapfile_guard(const mk_mapfile *m, void (*fn)(void *ctx), void *ctx) MK_NONNULL(1, 2);

/* Guarded copy of data[off..off+n) to dst: MK_OK, MK_EINVAL when the range is outside [0, len),
 * or MK_EIO when the file shrank under it (dst then holds an unspecified prefix). */
MK_API mk_err mk_mapfile_copy(const mk_mapfile *m, size_t off, void *dst, size_t n) MK_NONNULL(1);

/* Guarded mk_finder_find over the whole view: *at = offset or MK_NOT_FOUND; MK_OK or MK_EIO. */
MK_API mk_err mk_mapfile_find(const mk_mapfile *m, const mk_finder *f, size_t *at) MK_NONNULL(1, 2, 3);

/* Guarded mk_finder_count over the whole view: *count = the count; MK_OK or MK_EIO (then *count
 * is 0). */
MK_API mk_err mk_mapfile_count(const mk_mapfile *m, const mk_finder *f, size_t *count) MK_NONNULL(1, 2, 3);

MK_EXTERN_C_END

#endif
