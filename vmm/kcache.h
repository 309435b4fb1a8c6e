/* The boot cache: what airlock made of a kernel or initrd on the host (a
 * decompressed payload, an unpacked initrd), kept so the next boot of the
 * same file skips the work. In $XDG_CACHE_HOME/airlock/boot (~/.cache/...),
 * or /var/cache/airlock/boot as root. An entry is named by its kind and its
 * input's SHA-256 and holds them again in its header (with the input's
 * length), with its own length and CRC-64, all checked before it is used;
 * entries are written whole to a temporary file (0600) and renamed; the
 * least recently used go when the cache passes its bound (AIRLOCK_CACHE_MAX,
 * default 1 GiB). The directory (0700) must be the user's (or root's) and
 * not writable by anyone else, or it is not used. */
#ifndef AIRLOCK_KCACHE_H
#define AIRLOCK_KCACHE_H

#include <stddef.h>
#include <stdint.h>

struct kblob {
	const uint8_t *p;
	size_t len;
	void *map;                 /* a cache hit is a private read-only mapping */
	size_t maplen;
	uint8_t *heap;             /* or a buffer the caller made */
};

/* enabled 0: --no-cache. dir NULL: the default directory. */
void kcache_setup(int enabled, const char *dir);

/* 1 and *out on a hit, 0 on a miss (or a bad entry, which is removed). */
int kcache_get(const char *kind, const uint8_t *in, size_t inlen, struct kblob *out);

/* Stores out as the entry for (kind, in). Failures are debug lines only. */
void kcache_put(const char *kind, const uint8_t *in, size_t inlen, const uint8_t *out,
		size_t outlen);

void kblob_free(struct kblob *b);

#endif
