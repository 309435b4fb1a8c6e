/* libFuzzer: arm64 Image header parsing. */
#include "boot/arm64_image.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arm64_image_info info;
	enum arm64_image_err e = arm64_image_parse(data, size, &info);

	(void)arm64_image_strerror(e);
	if (e == ARM64_IMAGE_OK &&
	    (size < ARM64_IMAGE_HDR_SIZE || info.image_size < size || info.text_offset >= ARM64_IMAGE_ALIGN))
		abort();
	return 0;
}
