#ifndef AIRLOCK_LOADER_H
#define AIRLOCK_LOADER_H

#include "kcache.h"
#include "mem.h"
#include "../boot/decomp.h"

#include <stddef.h>
#include <stdint.h>

/* Reads a kernel image (at most 512 MiB) into a new buffer. 0, or -1 after
 * one error line. */
int load_kernel_file(const char *path, uint8_t **img, size_t *len);

/* The stream in (of format f) decompressed on the host, or taken from the
 * boot cache under kind. check, if given, must accept the output (NULL, or
 * why not) before it is used or stored. 0 with *out (*hit: from the cache),
 * or -1 after one error line naming what ("kernel PATH"). */
int loader_inflate(const char *what, const char *kind, enum dc_fmt f, const uint8_t *in, size_t len,
		   size_t limit, size_t hint, const char *(*check)(const uint8_t *, size_t),
		   struct kblob *out, int *hit);

/* Loads the initrd at path page-aligned as high as it fits below highest
 * and not below lowest. An xz or lzma one (also after plain cpio archives,
 * as Debian's early microcode) is handed over decompressed when the host
 * can do it (boot/initrd.c), from the boot cache after the first time;
 * others as they are. 0, or -1 after one error line. */
int load_initrd(struct guest_mem *mem, const char *path, uint64_t lowest, uint64_t highest,
		uint64_t *addr, uint64_t *size);

#endif
