#include "elf.h"

#include "../lib/le.h"

#include <string.h>

#define PT_LOAD 1
#define PT_NOTE 4
#define ET_EXEC 2
#define PHDR_SIZE 56
#define XEN_ELFNOTE_PHYS32_ENTRY 18


/* off + size within len, without overflow. */
static int fits(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

int elf_is_elf(const uint8_t *buf, size_t len)
{
	return len >= 4 && !memcmp(buf, "\177ELF", 4);
}

static uint64_t align4(uint64_t v) { return (v + 3) & ~3ULL; }

int elf_find_pvh(const uint8_t *n, size_t len, uint64_t *entry)
{
	size_t pos = 0;

	while (len - pos >= 12) {
		uint32_t namesz = le32(n + pos), descsz = le32(n + pos + 4), type = le32(n + pos + 8);
		uint64_t name = pos + 12, desc = name + align4(namesz), next = desc + align4(descsz);

		if (!fits(name, namesz, len) || !fits(desc, descsz, len) || next > len)
			return -1;
		if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 && !memcmp(n + name, "Xen", 4)) {
			if (descsz == 4)
				*entry = le32(n + desc);
			else if (descsz == 8)
				*entry = le64(n + desc);
			else
				return -1;
			return 1;
		}
		pos = (size_t)next;
	}
	return 0;
}

enum elf_err elf_parse(const uint8_t *b, size_t len, uint16_t machine, struct elf_info *info)
{
	uint64_t phoff, shoff, end;
	unsigned phnum, shnum, shentsize;

	memset(info, 0, sizeof(*info));
	if (!elf_is_elf(b, len) || len < 64)
		return ELF_NOT_ELF;
	if (b[4] != 2 || b[5] != 1)          /* ELFCLASS64, little-endian */
		return ELF_NOT_64;
	if (le16(b + 18) != machine)
		return ELF_WRONG_MACHINE;
	if (le16(b + 16) != ET_EXEC)
		return ELF_NOT_EXEC;
	info->entry = le64(b + 24);
	phoff = le64(b + 32);
	shoff = le64(b + 40);
	phnum = le16(b + 56);
	shentsize = le16(b + 58);
	shnum = le16(b + 60);
	if (le16(b + 54) != PHDR_SIZE || phnum == 0 || !fits(phoff, (uint64_t)phnum * PHDR_SIZE, len))
		return ELF_BAD_PHDRS;
	info->file_end = phoff + (uint64_t)phnum * PHDR_SIZE;
	if (shoff && shnum && fits(shoff, (uint64_t)shnum * shentsize, len) &&
	    shoff + (uint64_t)shnum * shentsize > info->file_end)
		info->file_end = shoff + (uint64_t)shnum * shentsize;
	info->pmin = UINT64_MAX;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = b + phoff + (uint64_t)i * PHDR_SIZE;
		uint32_t type = le32(ph);
		struct elf_seg s = { le64(ph + 8), le64(ph + 32), le64(ph + 40), le64(ph + 24),
				     le64(ph + 16) };

		if (type != PT_LOAD && type != PT_NOTE)
			continue;
		if (!fits(s.offset, s.filesz, len))
			return ELF_BAD_SEGMENT;
		if (s.offset + s.filesz > info->file_end)
			info->file_end = s.offset + s.filesz;
		if (type == PT_NOTE) {
			int r = elf_find_pvh(b + s.offset, (size_t)s.filesz, &info->pvh_entry);

			if (r < 0)
				return ELF_BAD_NOTE;
			info->has_pvh |= r;
			continue;
		}
		if (s.memsz == 0)
			continue;
		if (s.filesz > s.memsz || s.paddr > UINT64_MAX - s.memsz)
			return ELF_BAD_SEGMENT;
		if (info->nseg == ELF_MAX_SEGS)
			return ELF_BAD_PHDRS;
		info->seg[info->nseg++] = s;
		if (s.paddr < info->pmin)
			info->pmin = s.paddr;
		end = s.paddr + s.memsz;
		if (end > info->pmax)
			info->pmax = end;
	}
	if (info->nseg == 0)
		return ELF_NO_SEGMENTS;
	/* Segments must not overlap: a loader copying them in order would
	 * otherwise depend on that order. */
	for (unsigned i = 0; i < info->nseg; i++)
		for (unsigned j = i + 1; j < info->nseg; j++) {
			const struct elf_seg *x = &info->seg[i], *y = &info->seg[j];

			if (x->paddr < y->paddr + y->memsz && y->paddr < x->paddr + x->memsz)
				return ELF_BAD_SEGMENT;
		}
	for (unsigned i = 0; i < info->nseg; i++)
		if (info->entry >= info->seg[i].paddr &&
		    info->entry - info->seg[i].paddr < info->seg[i].memsz)
			return ELF_OK;
	return ELF_BAD_ENTRY;
}

const char *elf_strerror(enum elf_err e)
{
	switch (e) {
	case ELF_OK: return "ok";
	case ELF_NOT_ELF: return "not an ELF file";
	case ELF_NOT_64: return "not a little-endian ELF64 file";
	case ELF_WRONG_MACHINE: return "ELF file for another architecture";
	case ELF_NOT_EXEC: return "ELF file is not an executable (ET_EXEC)";
	case ELF_BAD_PHDRS: return "corrupt ELF program headers";
	case ELF_BAD_SEGMENT: return "corrupt ELF segment (outside the file, or overlapping another)";
	case ELF_NO_SEGMENTS: return "ELF file has nothing to load";
	case ELF_BAD_ENTRY: return "ELF entry point is outside every loaded segment";
	case ELF_BAD_NOTE: return "corrupt ELF note";
	}
	return "?";
}
