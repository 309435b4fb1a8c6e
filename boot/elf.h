/* ELF64 kernels (an x86_64 vmlinux, or the ELF a bzImage's payload
 * decompresses to): the loadable segments, the entry point and the PVH
 * entry note. Pure: every offset and size is checked against the buffer. */
#ifndef AIRLOCK_ELF_H
#define AIRLOCK_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGS   16
#define ELF_EM_X86_64  62
#define ELF_EM_AARCH64 183

struct elf_seg {
	uint64_t offset, filesz, memsz, paddr, vaddr;
};

struct elf_info {
	uint64_t entry;            /* e_entry */
	unsigned nseg;
	struct elf_seg seg[ELF_MAX_SEGS];
	uint64_t pmin, pmax;       /* the segments' physical extent [pmin, pmax) */
	uint64_t file_end;         /* the last byte any header or segment claims */
	int has_pvh;
	uint64_t pvh_entry;        /* XEN_ELFNOTE_PHYS32_ENTRY, a 32-bit physical entry */
};

enum elf_err {
	ELF_OK = 0,
	ELF_NOT_ELF,
	ELF_NOT_64,
	ELF_WRONG_MACHINE,
	ELF_NOT_EXEC,
	ELF_BAD_PHDRS,
	ELF_BAD_SEGMENT,
	ELF_NO_SEGMENTS,
	ELF_BAD_ENTRY,
	ELF_BAD_NOTE,
};

/* 1 if buf starts with the ELF magic. */
int elf_is_elf(const uint8_t *buf, size_t len);
enum elf_err elf_parse(const uint8_t *buf, size_t len, uint16_t machine, struct elf_info *info);
const char *elf_strerror(enum elf_err e);

/* The PVH note (type 18, name "Xen") among the notes at buf[0..len):
 * 1 and *entry when found, 0 when not, -1 when the notes are malformed. */
int elf_find_pvh(const uint8_t *notes, size_t len, uint64_t *entry);

#endif
