/* The PCI windows: placement bottom-up, and what a BAR may decode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/pciwin.h"

static struct pci_windows w;

static int setup(void **state)
{
	(void)state;
	pci_windows_set(&w, 0x10000000, 0x100000, 0x8000000000ULL, 0x40000000);
	return 0;
}

static void test_alloc_bottom_up_aligned(void **state)
{
	(void)state;
	assert_int_equal(pci_windows_alloc(&w, 0x4000, false), 0x10000000);
	assert_int_equal(pci_windows_alloc(&w, 0x1000, false), 0x10004000);
	/* Natural alignment skips the gap. */
	assert_int_equal(pci_windows_alloc(&w, 0x8000, false), 0x10008000);
	assert_int_equal(pci_windows_alloc(&w, 0x200000, true), 0x8000000000ULL);
}

static void test_alloc_full_or_bad_size(void **state)
{
	(void)state;
	assert_int_equal(pci_windows_alloc(&w, 0x200000, false), 0);   /* larger than the window */
	assert_int_equal(pci_windows_alloc(&w, 0x80000, false), 0x10000000);
	assert_int_equal(pci_windows_alloc(&w, 0x80000, false), 0x10080000);
	assert_int_equal(pci_windows_alloc(&w, 0x1000, false), 0);      /* full */
	assert_int_equal(pci_windows_alloc(&w, 0, true), 0);
	assert_int_equal(pci_windows_alloc(&w, 0x3000, true), 0);       /* not a power of two */
	assert_int_equal(pci_windows_alloc(&w, 1ULL << 63, true), 0);   /* wraps */
}

static void test_contains(void **state)
{
	(void)state;
	assert_true(pci_windows_contains(&w, 0x10000000, 0x4000));
	assert_true(pci_windows_contains(&w, 0x100fc000, 0x4000));
	assert_false(pci_windows_contains(&w, 0x100fe000, 0x4000));     /* misaligned */
	assert_false(pci_windows_contains(&w, 0x10100000, 0x4000));     /* past the end */
	assert_false(pci_windows_contains(&w, 0x0, 0x4000));            /* RAM */
	assert_false(pci_windows_contains(&w, 0x10000000, 0));
	assert_true(pci_windows_contains(&w, 0x8000000000ULL, 0x40000000));
	assert_false(pci_windows_contains(&w, 0xffffffffffffc000ULL, 0x4000));  /* wraps */
	assert_false(pci_windows_contains(&w, 0x8000000000ULL, 0x80000000));    /* larger than it */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_alloc_bottom_up_aligned, setup),
		cmocka_unit_test_setup(test_alloc_full_or_bad_size, setup),
		cmocka_unit_test_setup(test_contains, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
