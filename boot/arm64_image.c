#include "arm64_image.h"

#include "../lib/le.h"

#include <string.h>

enum arm64_image_err arm64_image_parse(const uint8_t *img, size_t len,
				       struct arm64_image_info *info)
{
	memset(info, 0, sizeof(*info));
	if (len >= 2 && img[0] == 0x1f && img[1] == 0x8b)
		return ARM64_IMAGE_COMPRESSED;
	if (len < ARM64_IMAGE_HDR_SIZE)
		return ARM64_IMAGE_TRUNCATED;
	if ((uint32_t)le64(img + 56) != ARM64_IMAGE_MAGIC)
		return ARM64_IMAGE_BAD_MAGIC;
	info->text_offset = le64(img + 8);
	info->image_size = le64(img + 16);
	info->flags = le64(img + 24);
	info->big_endian = (int)(info->flags & 1);
	if (info->image_size == 0) {
		/* Before 3.17: no size, text_offset may be garbage. */
		info->text_offset = ARM64_LEGACY_TEXT_OFFSET;
		info->image_size = len;
	}
	if (info->big_endian)
		return ARM64_IMAGE_BIG_ENDIAN;
	if (info->image_size < len || info->text_offset >= ARM64_IMAGE_ALIGN ||
	    (info->text_offset & 0xfff) || info->image_size > (1ULL << 32))
		return ARM64_IMAGE_BAD_SIZE;
	return ARM64_IMAGE_OK;
}

const char *arm64_image_strerror(enum arm64_image_err err)
{
	switch (err) {
	case ARM64_IMAGE_OK:
		return "ok";
	case ARM64_IMAGE_TRUNCATED:
		return "too short to be an arm64 Image (no 64-byte header)";
	case ARM64_IMAGE_BAD_MAGIC:
		return "not an arm64 Image (no ARM\\x64 magic at offset 56)";
	case ARM64_IMAGE_COMPRESSED:
		return "a gzip-compressed Image: decompress it first (zcat IMAGE > Image)";
	case ARM64_IMAGE_BIG_ENDIAN:
		return "a big-endian kernel; airlock boots little-endian guests only";
	case ARM64_IMAGE_BAD_SIZE:
		return "inconsistent header (image_size smaller than the file, or text_offset out of range)";
	}
	return "unknown error";
}
