/* The arm64 Linux boot protocol (Documentation/arch/arm64/booting.rst):
 * the 64-byte header at the start of an uncompressed Image. */
#ifndef AIRLOCK_ARM64_IMAGE_H
#define AIRLOCK_ARM64_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define ARM64_IMAGE_MAGIC     0x644d5241u   /* "ARM\x64" at offset 56 */
#define ARM64_IMAGE_HDR_SIZE  64
#define ARM64_IMAGE_ALIGN     (2ULL << 20)  /* load base: 2 MiB aligned */
#define ARM64_LEGACY_TEXT_OFFSET 0x80000    /* when image_size is 0 */

struct arm64_image_info {
	uint64_t text_offset;   /* from a 2 MiB-aligned base to the image */
	uint64_t image_size;    /* memory the kernel needs from there (bss included) */
	uint64_t flags;
	int big_endian;
};

enum arm64_image_err {
	ARM64_IMAGE_OK = 0,
	ARM64_IMAGE_TRUNCATED,
	ARM64_IMAGE_BAD_MAGIC,
	ARM64_IMAGE_COMPRESSED,
	ARM64_IMAGE_BIG_ENDIAN,
	ARM64_IMAGE_BAD_SIZE,
};

/* Parses an in-memory image. Pure. */
enum arm64_image_err arm64_image_parse(const uint8_t *img, size_t len,
				       struct arm64_image_info *info);

/* One line describing err. */
const char *arm64_image_strerror(enum arm64_image_err err);

#endif
