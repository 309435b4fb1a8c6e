/* libFuzzer: bzImage header parsing and the zero page built from it. */
#include "boot/bzimage.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t zp[BZ_ZERO_PAGE_SIZE];
	struct e820_entry e820[2] = { { 0, 0x9fc00, E820_RAM }, { 0x100000, 0x10000000, E820_RAM } };
	struct bzimage_boot b = { .cmdline_addr = 0x20000, .e820 = e820, .nr_e820 = 2 };
	struct bzimage_info info;
	char why[128];

	if (bzimage_parse(data, size, &info) != BZ_OK) {
		(void)bz_strerror(bzimage_parse(data, size, &info), &info, why, sizeof(why));
		return 0;
	}
	if ((uint64_t)info.setup_size + info.kernel_size > size || info.hdr_end > size)
		abort();        /* parse said OK for something that is not there */
	bzimage_fill_zero_page(zp, data, &info, &b);
	return 0;
}
