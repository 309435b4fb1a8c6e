#ifndef AIRLOCK_LOADER_H
#define AIRLOCK_LOADER_H

#include "mem.h"

#include <stddef.h>
#include <stdint.h>

/* Reads a kernel image (at most 512 MiB) into a new buffer. 0, or -1 after
 * one error line. */
int load_kernel_file(const char *path, uint8_t **img, size_t *len);

/* Loads the initrd at path page-aligned as high as it fits below highest
 * and not below lowest. 0, or -1 after one error line. */
int load_initrd(struct guest_mem *mem, const char *path, uint64_t lowest, uint64_t highest,
		uint64_t *addr, uint64_t *size);

#endif
