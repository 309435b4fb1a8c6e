/* The relocation table an x86_64 bzImage's payload carries after its ELF
 * (CONFIG_X86_NEED_RELOCS, arch/x86/tools/relocs.c), which the kernel's own
 * decompressor applies for KASLR. Read from the end of the decompressed
 * payload backwards: 32-bit entries, a 0, inverse 32-bit entries, a 0,
 * 64-bit entries, a 0. Each entry is the kernel virtual address of a field,
 * truncated to 32 bits. Pure. */
#ifndef AIRLOCK_X86_RELOCS_H
#define AIRLOCK_X86_RELOCS_H

#include <stddef.h>
#include <stdint.h>

#define X86_START_KERNEL_MAP 0xffffffff80000000ULL
#define X86_KERNEL_IMAGE_SIZE (1ULL << 30)    /* the KASLR range with RANDOMIZE_BASE */

struct x86_relocs {
	const uint8_t *table;      /* the table's first byte (its leading 0) */
	size_t n64, nneg, n32;
};

/* 0 when buf[elf_end..len) is exactly such a table, -1 when it is not. */
int x86_relocs_find(const uint8_t *buf, size_t len, size_t elf_end, struct x86_relocs *r);

/* Adds delta (the virtual offset from the link address) to each field in
 * img, the kernel laid out from load_phys for span bytes. -1 if an entry
 * points outside img (nothing is half-applied: every entry is checked first). */
int x86_relocs_apply(const struct x86_relocs *r, uint8_t *img, uint64_t span, uint64_t load_phys,
		     uint64_t delta);

#endif
