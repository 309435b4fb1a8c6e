/* Writing to a descriptor that may take a byte at a time (a terminal, a
 * pipe, a full disk). */
#ifndef AIRLOCK_FDIO_H
#define AIRLOCK_FDIO_H

#include <stddef.h>

/* Writes all n bytes, retrying after EINTR and short writes; gives up
 * silently on an error (what is lost is console output, not guest state). */
void fd_write_all(int fd, const void *p, size_t n);

#endif
