/* Writing to a descriptor that may take a byte at a time (a terminal, a
 * pipe, a full disk). */
#ifndef AIRLOCK_FDIO_H
#define AIRLOCK_FDIO_H

#include <stddef.h>

/* Writes all n bytes, retrying after EINTR and short writes: 0, or -1 on
 * an error (errno; a console's callers ignore it: what is lost is output,
 * not guest state). */
int fd_write_all(int fd, const void *p, size_t n);

#endif
