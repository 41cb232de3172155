/* live.h - what `memkit snapshot` and `memkit top` share: finding the recorder's state of a running
 * process. Internal.
 */
#ifndef MEMKIT_CLI_LIVE_H
#define MEMKIT_CLI_LIVE_H

#include <stddef.h>
#include <stdint.h>

/* Parses a PID argument (decimal, > 0); 0 on success, -1 if it is not one. */
int mk__parse_pid(const char *s, uint64_t *pid);

/* The state file of process pid, or of its child when pid is a `memkit run` (path, cap bytes);
 * *which gets the pid whose state it is. Returns 0, or -1 with a one-line reason in err: no such
 * process, another user's, not under memkit. Reads /proc only: the process is neither stopped nor
 * signalled. */
int mk__find_state(uint64_t pid, char *path, size_t cap, uint64_t *which, char *err, size_t errlen);

#endif
