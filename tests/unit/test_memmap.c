/* The x86_64 guest memory map and the e820 table built from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "arch/x86_64/layout.h"
#include "arch/x86_64/memmap.h"

static uint64_t e820_ram_total(const struct e820_entry *e, unsigned n)
{
	uint64_t t = 0;

	for (unsigned i = 0; i < n; i++)
		if (e[i].type == E820_RAM)
			t += e[i].size;
	return t;
}

static void ram_below_the_hole_is_one_region(void **state)
{
	struct mem_layout l;

	(void)state;
	x86_ram_layout(256 << 20, &l);
	assert_int_equal(l.nr, 1);
	assert_int_equal(l.r[0].gpa, 0);
	assert_int_equal(l.r[0].size, 256 << 20);
}

static void ram_above_3g_continues_at_4g(void **state)
{
	struct mem_layout l;

	(void)state;
	x86_ram_layout(4ULL << 30, &l);
	assert_int_equal(l.nr, 2);
	assert_int_equal(l.r[0].size, X86_MMIO_HOLE);
	assert_int_equal(l.r[1].gpa, X86_4G);
	assert_int_equal(l.r[1].size, (4ULL << 30) - X86_MMIO_HOLE);
}

static void ram_of_exactly_3g_needs_no_high_region(void **state)
{
	struct mem_layout l;

	(void)state;
	x86_ram_layout(X86_MMIO_HOLE, &l);
	assert_int_equal(l.nr, 1);
}

static void e820_reserves_the_ebda_and_firmware_area(void **state)
{
	struct e820_entry e[16];
	struct mem_layout l;
	unsigned n;

	(void)state;
	x86_ram_layout(256 << 20, &l);
	n = x86_e820_build(&l, e, 16);
	assert_int_equal(n, 4);
	assert_int_equal(e[0].addr, 0);
	assert_int_equal(e[0].size, X86_EBDA);
	assert_int_equal(e[0].type, E820_RAM);
	assert_int_equal(e[1].addr, X86_EBDA);
	assert_int_equal(e[1].type, E820_RESERVED);
	assert_int_equal(e[2].addr, X86_ACPI_BASE);
	assert_int_equal(e[2].addr + e[2].size, X86_ACPI_END);
	assert_int_equal(e[2].type, E820_RESERVED);
	assert_int_equal(e[3].addr, 1 << 20);
	assert_int_equal(e[3].addr + e[3].size, 256 << 20);
}

static void e820_ram_is_all_of_ram_but_the_low_holes(void **state)
{
	struct e820_entry e[16];
	struct mem_layout l;
	unsigned n;

	(void)state;
	x86_ram_layout(6ULL << 30, &l);
	n = x86_e820_build(&l, e, 16);
	assert_int_equal(n, 5);
	assert_int_equal(e[4].addr, X86_4G);
	assert_int_equal(e[4].size, (6ULL << 30) - X86_MMIO_HOLE);
	/* Lost to the hole below 1 MiB: the EBDA and 640K..1M. */
	assert_int_equal(e820_ram_total(e, n), (6ULL << 30) - (X86_ACPI_END - X86_EBDA));
}

static void e820_entries_never_overlap_and_are_sorted(void **state)
{
	struct e820_entry e[16];
	struct mem_layout l;
	unsigned n;

	(void)state;
	x86_ram_layout(5ULL << 30, &l);
	n = x86_e820_build(&l, e, 16);
	for (unsigned i = 1; i < n; i++)
		assert_true(e[i - 1].addr + e[i - 1].size <= e[i].addr);
}

static void e820_respects_the_table_size(void **state)
{
	struct e820_entry e[2];
	struct mem_layout l;

	(void)state;
	x86_ram_layout(5ULL << 30, &l);
	assert_int_equal(x86_e820_build(&l, e, 2), 2);
}

static void the_memory_map_checks_ranges_not_start_addresses(void **state)
{
	struct mem_layout l;

	(void)state;
	x86_ram_layout(256 << 20, &l);
	assert_true(mem_layout_contains(&l, 0, 256 << 20));
	assert_true(mem_layout_contains(&l, (256 << 20) - 1, 1));
	assert_false(mem_layout_contains(&l, (256 << 20) - 1, 2));   /* straddles the end */
	assert_false(mem_layout_contains(&l, 256 << 20, 1));
	assert_false(mem_layout_contains(&l, 4096, 0));               /* empty */
	assert_false(mem_layout_contains(&l, UINT64_MAX, 2));         /* wraps */
	assert_false(mem_layout_contains(&l, 4096, UINT64_MAX));
}

static void a_range_across_the_hole_is_not_ram(void **state)
{
	struct mem_layout l;

	(void)state;
	x86_ram_layout(4ULL << 30, &l);
	assert_true(mem_layout_contains(&l, X86_MMIO_HOLE - 4096, 4096));
	assert_false(mem_layout_contains(&l, X86_MMIO_HOLE - 4096, 8192));
	assert_true(mem_layout_contains(&l, X86_4G, 4096));
	assert_false(mem_layout_contains(&l, X86_4G - 4096, 8192));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ram_below_the_hole_is_one_region),
		cmocka_unit_test(ram_above_3g_continues_at_4g),
		cmocka_unit_test(ram_of_exactly_3g_needs_no_high_region),
		cmocka_unit_test(e820_reserves_the_ebda_and_firmware_area),
		cmocka_unit_test(e820_ram_is_all_of_ram_but_the_low_holes),
		cmocka_unit_test(e820_entries_never_overlap_and_are_sorted),
		cmocka_unit_test(e820_respects_the_table_size),
		cmocka_unit_test(the_memory_map_checks_ranges_not_start_addresses),
		cmocka_unit_test(a_range_across_the_hole_is_not_ram),
	};
	return cmocka_run_group_tests_name("memmap", tests, NULL, NULL);
}
