/* An x86_64 kernel loaded by airlock itself: a bzImage's payload
 * decompressed on the host (or from the boot cache), or an ELF vmlinux; its
 * segments placed and, for a bzImage, relocated at a random physical and
 * virtual offset as the kernel's own decompressor would (KASLR), then
 * entered at its 64-bit entry with the zero page in %rsi. A bzImage whose
 * payload the host cannot take, or that carries no relocation table when
 * the command line does not say nokaslr, keeps the classic path: its own
 * decompressor in the guest. Private to arch/x86_64. */
#ifndef AIRLOCK_X86_KERNEL_H
#define AIRLOCK_X86_KERNEL_H

#include "../../boot/bzimage.h"
#include "../../boot/elf.h"
#include "../../boot/x86_relocs.h"
#include "../../vmm/kcache.h"
#include "../../vmm/mem.h"

struct vm_config;

struct x86_kernel {
	int host;                  /* 1: loaded here; 0: the classic path */
	const uint8_t *hdr;        /* the setup header the zero page copies */
	struct bzimage_info info;
	struct kblob elf;          /* the ELF (host path) */
	struct elf_info e;
	struct x86_relocs relocs;
	int kaslr;
	int fixed_phys;            /* mem= or memmap=: no physical randomization */
	uint64_t load_phys, span, align;
	char how[96];              /* for the kernel's info line */
	uint8_t synth[BZ_SYNTH_HDR_SIZE];
};

/* Reads what img is and decides the path. 0, or -1 after one error line. */
int x86_kernel_prepare(const struct vm_config *cfg, const uint8_t *img, size_t len,
		       struct x86_kernel *k);

/* Host path: the segments copied in below top (where the initrd starts),
 * relocated. Sets *entry and *base. 0, or -1 after one error line. */
int x86_kernel_place(const struct vm_config *cfg, struct guest_mem *mem, struct x86_kernel *k,
		     uint64_t top, uint64_t *entry, uint64_t *base);

void x86_kernel_free(struct x86_kernel *k);

#endif
