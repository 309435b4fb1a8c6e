/* An initrd as the kernel's unpack_to_rootfs reads it: newc cpio archives
 * and compressed streams of them, one after another, zero padding between.
 * Pure. */
#ifndef AIRLOCK_INITRD_H
#define AIRLOCK_INITRD_H

#include <stddef.h>
#include <stdint.h>

enum initrd_res {
	INITRD_PLAIN,        /* nothing compressed: hand it over as it is */
	INITRD_UNPACKED,     /* *out holds every archive decompressed */
	INITRD_CANNOT,       /* a part the host cannot read (old cpio, bzip2, corrupt
				data, too big): hand it over as it is, the kernel decides */
};

/* Each compressed part decompressed, plain archives kept, each part
 * 4-byte aligned; at most limit bytes. why says what stopped it
 * (INITRD_CANNOT). */
enum initrd_res initrd_unpack(const uint8_t *in, size_t len, size_t limit, uint8_t **out,
			      size_t *outlen, const char **why);

/* The format of the first compressed part (after any plain archives), or
 * DC_NONE: what decides whether unpacking is worth caching. */
int initrd_first_format(const uint8_t *in, size_t len);

#endif
