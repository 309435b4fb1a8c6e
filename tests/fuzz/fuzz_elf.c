/* libFuzzer: ELF kernels (the segments, the PVH note) and the x86
 * relocation table after them, applied to a kernel image laid out as the
 * loader would. Whatever parses must be within the input, and applying
 * the table must stay inside the image. */
#include "boot/elf.h"
#include "boot/x86_relocs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define IMG_MAX (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t img[IMG_MAX];
	struct elf_info e;
	struct x86_relocs r;
	uint64_t span;

	if (elf_parse(data, size, ELF_EM_X86_64, &e) != ELF_OK) {
		uint64_t entry;

		(void)elf_find_pvh(data, size, &entry);
		return 0;
	}
	if (e.file_end > size || e.nseg == 0 || e.nseg > ELF_MAX_SEGS || e.pmin >= e.pmax)
		abort();
	for (unsigned i = 0; i < e.nseg; i++)
		if (e.seg[i].offset + e.seg[i].filesz > size || e.seg[i].filesz > e.seg[i].memsz)
			abort();
	if (x86_relocs_find(data, size, (size_t)e.file_end, &r) < 0)
		return 0;
	if (r.table < data || r.table + 4 * (3 + r.n64 + r.nneg + r.n32) != data + size)
		abort();
	span = e.pmax - (e.pmin & ~0x1fffffULL);
	if (span > IMG_MAX)
		span = IMG_MAX;
	/* Laid out from pmin rounded down, as for a vmlinux. */
	(void)x86_relocs_apply(&r, img, span, e.pmin & ~0x1fffffULL, 0x200000);
	return 0;
}
