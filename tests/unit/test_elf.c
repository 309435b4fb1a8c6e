/* ELF kernels and the x86 relocation table: a synthetic vmlinux with a PVH
 * note and a table after it, as a bzImage's payload carries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot/elf.h"
#include "boot/x86_relocs.h"

#define LOAD_PHYS 0x1000000ULL
#define TEXT_VA   (X86_START_KERNEL_MAP + LOAD_PHYS)
static uint8_t elf[0x4000];
static size_t elf_len;

static void p16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void p32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void p64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void phdr(unsigned i, uint32_t type, uint64_t off, uint64_t va, uint64_t pa, uint64_t fsz,
		 uint64_t msz)
{
	uint8_t *ph = elf + 64 + i * 56;

	p32(ph, type);
	p64(ph + 8, off);
	p64(ph + 16, va);
	p64(ph + 24, pa);
	p64(ph + 32, fsz);
	p64(ph + 40, msz);
}

static int setup(void **state)
{
	(void)state;
	memset(elf, 0, sizeof(elf));
	memcpy(elf, "\177ELF\2\1\1", 7);
	p16(elf + 16, 2);                 /* ET_EXEC */
	p16(elf + 18, ELF_EM_X86_64);
	p64(elf + 24, LOAD_PHYS + 0x10);  /* e_entry: physical, as vmlinux's */
	p64(elf + 32, 64);
	p16(elf + 54, 56);
	p16(elf + 56, 3);
	/* text+data at 16 MiB with 0x1000 of bss; a NOTE with PVH's entry. */
	phdr(0, 1, 0x1000, TEXT_VA, LOAD_PHYS, 0x2000, 0x3000);
	phdr(1, 4, 0x3000, 0, 0, 20, 20);
	phdr(2, 1, 0x3000, TEXT_VA + 0x200000, LOAD_PHYS + 0x200000, 0x100, 0x100);
	p32(elf + 0x3000, 4);             /* namesz */
	p32(elf + 0x3004, 4);             /* descsz */
	p32(elf + 0x3008, 18);            /* XEN_ELFNOTE_PHYS32_ENTRY */
	memcpy(elf + 0x300c, "Xen", 4);
	p32(elf + 0x3010, 0x1000400);
	elf_len = 0x3100;
	return 0;
}

static void a_vmlinux_parses(void **state)
{
	struct elf_info e;

	(void)state;
	assert_int_equal(elf_parse(elf, elf_len, ELF_EM_X86_64, &e), ELF_OK);
	assert_int_equal(e.nseg, 2);
	assert_int_equal(e.entry, LOAD_PHYS + 0x10);
	assert_int_equal(e.pmin, LOAD_PHYS);
	assert_int_equal(e.pmax, LOAD_PHYS + 0x200100);
	assert_int_equal(e.file_end, 0x3100);
	assert_true(e.has_pvh);
	assert_int_equal(e.pvh_entry, 0x1000400);
	assert_int_equal(elf_parse(elf, elf_len, ELF_EM_AARCH64, &e), ELF_WRONG_MACHINE);
}

static void broken_headers_are_refused(void **state)
{
	struct elf_info e;

	(void)state;
	assert_int_equal(elf_parse(elf, 40, ELF_EM_X86_64, &e), ELF_NOT_ELF);
	assert_int_equal(elf_parse((const uint8_t *)"MZ", 2, ELF_EM_X86_64, &e), ELF_NOT_ELF);
	/* A segment past the file's end. */
	assert_int_equal(elf_parse(elf, 0x2fff, ELF_EM_X86_64, &e), ELF_BAD_SEGMENT);
	/* Program headers past the end. */
	p16(elf + 56, 0xffff);
	assert_int_equal(elf_parse(elf, elf_len, ELF_EM_X86_64, &e), ELF_BAD_PHDRS);
	setup(NULL);
	/* filesz > memsz */
	phdr(0, 1, 0x1000, TEXT_VA, LOAD_PHYS, 0x2000, 0x1000);
	assert_int_equal(elf_parse(elf, elf_len, ELF_EM_X86_64, &e), ELF_BAD_SEGMENT);
	setup(NULL);
	/* Overlapping segments. */
	phdr(2, 1, 0x3000, TEXT_VA, LOAD_PHYS + 0x2800, 0x100, 0x100);
	assert_int_equal(elf_parse(elf, elf_len, ELF_EM_X86_64, &e), ELF_BAD_SEGMENT);
	setup(NULL);
	/* paddr + memsz wraps. */
	phdr(2, 1, 0x3000, 0, UINT64_MAX - 0x10, 0x100, 0x100);
	assert_int_equal(elf_parse(elf, elf_len, ELF_EM_X86_64, &e), ELF_BAD_SEGMENT);
	setup(NULL);
	/* An entry outside every segment. */
	p64(elf + 24, 0x500000);
	assert_int_equal(elf_parse(elf, elf_len, ELF_EM_X86_64, &e), ELF_BAD_ENTRY);
	setup(NULL);
	/* A note whose descriptor runs past its segment. */
	p32(elf + 0x3004, 400);
	assert_int_equal(elf_parse(elf, elf_len, ELF_EM_X86_64, &e), ELF_BAD_NOTE);
	setup(NULL);
	p16(elf + 16, 3);                 /* ET_DYN */
	assert_int_equal(elf_parse(elf, elf_len, ELF_EM_X86_64, &e), ELF_NOT_EXEC);
	assert_non_null(strstr(elf_strerror(ELF_NOT_EXEC), "ET_EXEC"));
}

static void notes_without_pvh_are_fine(void **state)
{
	uint8_t n[24] = { 0 };
	uint64_t entry = 0;

	(void)state;
	p32(n, 4);
	p32(n + 4, 4);
	p32(n + 8, 3);
	memcpy(n + 12, "GNU", 4);
	assert_int_equal(elf_find_pvh(n, 20, &entry), 0);
	assert_int_equal(elf_find_pvh(n, 19, &entry), -1);
	p32(n, 0xfffffff0);               /* namesz that wraps when aligned */
	assert_int_equal(elf_find_pvh(n, 20, &entry), -1);
}

/* Appends the table [0][64s][0][negs][0][32s] after the ELF. */
static size_t add_table(const uint32_t *r64, unsigned n64, const uint32_t *neg, unsigned nneg,
			const uint32_t *r32, unsigned n32)
{
	size_t pos = elf_len;

	p32(elf + pos, 0), pos += 4;
	for (unsigned i = 0; i < n64; i++, pos += 4)
		p32(elf + pos, r64[i]);
	p32(elf + pos, 0), pos += 4;
	for (unsigned i = 0; i < nneg; i++, pos += 4)
		p32(elf + pos, neg[i]);
	p32(elf + pos, 0), pos += 4;
	for (unsigned i = 0; i < n32; i++, pos += 4)
		p32(elf + pos, r32[i]);
	return pos;
}

static void relocations_are_found_and_applied(void **state)
{
	const uint32_t r64[] = { (uint32_t)TEXT_VA + 0x100 }, neg[] = { (uint32_t)TEXT_VA + 0x108 },
		       r32[] = { (uint32_t)TEXT_VA + 0x10c, (uint32_t)TEXT_VA + 0x200010 };
	struct x86_relocs r;
	uint8_t img[0x200100];
	uint64_t v64;
	uint32_t v32;
	size_t len = add_table(r64, 1, neg, 1, r32, 2);

	(void)state;
	assert_int_equal(x86_relocs_find(elf, len, elf_len, &r), 0);
	assert_int_equal(r.n64, 1);
	assert_int_equal(r.nneg, 1);
	assert_int_equal(r.n32, 2);
	/* Without the table, or misaligned, there is none. */
	assert_int_equal(x86_relocs_find(elf, elf_len, elf_len, &r), -1);
	assert_int_equal(x86_relocs_find(elf, len, elf_len + 4, &r), -1);
	assert_int_equal(x86_relocs_find(elf, len - 2, elf_len, &r), -1);
	assert_int_equal(x86_relocs_find(elf, len, elf_len, &r), 0);

	memset(img, 0, sizeof(img));
	p64(img + 0x100, TEXT_VA + 0x40);
	p32(img + 0x108, 0x1000);
	p32(img + 0x10c, (uint32_t)(TEXT_VA + 0x80));
	p32(img + 0x200010, 7);
	assert_int_equal(x86_relocs_apply(&r, img, sizeof(img), LOAD_PHYS, 0x2400000), 0);
	memcpy(&v64, img + 0x100, 8);
	assert_true(v64 == TEXT_VA + 0x40 + 0x2400000);
	memcpy(&v32, img + 0x108, 4);
	assert_int_equal(v32, (uint32_t)(0x1000 - 0x2400000));
	memcpy(&v32, img + 0x10c, 4);
	assert_int_equal(v32, (uint32_t)(TEXT_VA + 0x80 + 0x2400000));
	memcpy(&v32, img + 0x200010, 4);
	assert_int_equal(v32, 7 + 0x2400000);
}

static void a_relocation_outside_the_kernel_changes_nothing(void **state)
{
	const uint32_t r32[] = { (uint32_t)TEXT_VA + 0x10, (uint32_t)TEXT_VA + 0x300000 },
		       low[] = { 0x1000 };
	struct x86_relocs r;
	uint8_t img[0x200100], copy[0x200100];
	size_t len = add_table(NULL, 0, NULL, 0, r32, 2);

	(void)state;
	memset(img, 0x11, sizeof(img));
	memcpy(copy, img, sizeof(img));
	assert_int_equal(x86_relocs_find(elf, len, elf_len, &r), 0);
	assert_int_equal(x86_relocs_apply(&r, img, sizeof(img), LOAD_PHYS, 0x200000), -1);
	assert_memory_equal(img, copy, sizeof(img));
	/* One below the kernel's start; a 64-bit field in its last 4 bytes. */
	len = add_table(low, 1, NULL, 0, NULL, 0);
	assert_int_equal(x86_relocs_find(elf, len, elf_len, &r), 0);
	assert_int_equal(x86_relocs_apply(&r, img, sizeof(img), LOAD_PHYS, 0x200000), -1);
	const uint32_t edge[] = { (uint32_t)TEXT_VA + sizeof(img) - 4 };
	len = add_table(edge, 1, NULL, 0, NULL, 0);
	assert_int_equal(x86_relocs_find(elf, len, elf_len, &r), 0);
	assert_int_equal(x86_relocs_apply(&r, img, sizeof(img), LOAD_PHYS, 0x200000), -1);
	assert_memory_equal(img, copy, sizeof(img));
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(a_vmlinux_parses),
		T(broken_headers_are_refused),
		T(notes_without_pvh_are_fine),
		T(relocations_are_found_and_applied),
		T(a_relocation_outside_the_kernel_changes_nothing),
	};
	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
