#include "x86_relocs.h"

#include "../lib/le.h"

#include <string.h>


int x86_relocs_find(const uint8_t *buf, size_t len, size_t elf_end, struct x86_relocs *r)
{
	size_t pos = len, n[3] = { 0, 0, 0 };

	memset(r, 0, sizeof(*r));
	if (elf_end > len || (len - elf_end) % 4 || len - elf_end < 12)
		return -1;
	/* Three lists from the end, each closed by a 0 before it. */
	for (int list = 0; list < 3; list++) {
		for (;;) {
			if (pos - elf_end < 4)
				return -1;
			pos -= 4;
			if (le32(buf + pos) == 0)
				break;
			n[list]++;
		}
	}
	if (pos != elf_end)
		return -1;
	r->table = buf + pos;
	r->n64 = n[2];
	r->nneg = n[1];
	r->n32 = n[0];
	return 0;
}

/* The offset in img of the field an entry names, or -1 if it is outside. */
static int64_t field(uint32_t entry, uint64_t span, uint64_t load_phys, unsigned width)
{
	/* Sign-extended, the entry is a kernel address in the top 2 GiB. */
	uint64_t va = (uint64_t)(int64_t)(int32_t)entry, off;

	if (va < X86_START_KERNEL_MAP + load_phys)
		return -1;
	off = va - X86_START_KERNEL_MAP - load_phys;
	if (off > span || span - off < width)
		return -1;
	return (int64_t)off;
}

int x86_relocs_apply(const struct x86_relocs *r, uint8_t *img, uint64_t span, uint64_t load_phys,
		     uint64_t delta)
{
	const uint8_t *t = r->table;
	size_t n = 1 + r->n64 + 1 + r->nneg + 1 + r->n32;

	/* Check every entry first, then apply: never half a relocation. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			size_t a = 1 + r->n64, b = a + 1 + r->nneg;
			unsigned width;
			uint32_t e = le32(t + i * 4);
			int64_t off;

			if (i == 0 || i == a || i == b)
				continue;                    /* the 0 terminators */
			width = i < a ? 8 : 4;
			off = field(e, span, load_phys, width);
			if (off < 0)
				return -1;
			if (!pass)
				continue;
			if (i < a) {
				uint64_t v;

				memcpy(&v, img + off, 8);
				v += delta;
				memcpy(img + off, &v, 8);
			} else {
				uint32_t v;

				memcpy(&v, img + off, 4);
				v = i < b ? v - (uint32_t)delta : v + (uint32_t)delta;
				memcpy(img + off, &v, 4);
			}
		}
	}
	return 0;
}
