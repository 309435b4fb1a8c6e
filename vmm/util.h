#ifndef AIRLOCK_UTIL_H
#define AIRLOCK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MIB(x) ((uint64_t)(x) << 20)

/* Reads all of path into a new buffer (at most max bytes). 0 or -errno;
 * -EFBIG when the file is larger than max. */
int file_read_all(const char *path, uint8_t **buf, size_t *len, size_t max);

/* Reads exactly len bytes from fd at offset 0 into dst. 0 or -errno
 * (-EIO on a short file). */
int file_read_exact(int fd, void *dst, size_t len);

/* Whether child pid ended (was reaped, or is no child of ours: another
 * waitpid took it) within ms. */
bool child_ended_within(pid_t pid, int ms);

/* Is AIRLOCK_TEST_HOOK set to name? (Fault injection for the boot tests.) */
bool test_hook(const char *name);

#endif
