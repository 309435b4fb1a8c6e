/* The DMA window: ranges are checked whole, with overflow checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "devices/dma.h"

#define A 0x40000000ULL
#define B 0xfff0000000000000ULL

static uint8_t ram_a[4096], ram_b[8192];
static struct dma_window w;

static int setup(void **state)
{
	(void)state;
	dma_window_init(&w);
	assert_int_equal(dma_window_add(&w, A, sizeof(ram_a), ram_a), 0);
	assert_int_equal(dma_window_add(&w, B, sizeof(ram_b), ram_b), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dma_window_destroy(&w);
	return 0;
}

static void a_range_inside_the_window_resolves_to_its_host_address(void **state)
{
	(void)state;
	assert_ptr_equal(dma_resolve(&w, A, 1), ram_a);
	assert_ptr_equal(dma_resolve(&w, A + 100, 200), ram_a + 100);
	assert_ptr_equal(dma_resolve(&w, B + 4096, 4096), ram_b + 4096);
	assert_int_equal(dma_denied(&w), 0);
}

static void the_whole_range_and_its_last_byte_resolve(void **state)
{
	(void)state;
	assert_non_null(dma_resolve(&w, A, sizeof(ram_a)));
	assert_non_null(dma_resolve(&w, A + sizeof(ram_a) - 1, 1));
}

static void one_byte_past_either_end_is_refused(void **state)
{
	(void)state;
	assert_null(dma_resolve(&w, A - 1, 1));
	assert_null(dma_resolve(&w, A + sizeof(ram_a), 1));
	assert_null(dma_resolve(&w, A - 1, 2));
	assert_int_equal(dma_denied(&w), 3);
}

static void a_range_straddling_the_end_is_refused(void **state)
{
	(void)state;
	assert_null(dma_resolve(&w, A + sizeof(ram_a) - 8, 16));
	assert_null(dma_resolve(&w, A, sizeof(ram_a) + 1));
}

static void a_range_spanning_two_allowed_ranges_is_refused(void **state)
{
	uint8_t c[16];

	(void)state;
	dma_window_add(&w, A + sizeof(ram_a), 4096, ram_b);  /* adjacent guest range */
	assert_null(dma_resolve(&w, A + sizeof(ram_a) - 8, 16));
	assert_int_equal(dma_read(&w, A + sizeof(ram_a) - 8, c, 16), -EFAULT);
}

static void zero_length_is_refused(void **state)
{
	(void)state;
	assert_null(dma_resolve(&w, A, 0));
	assert_int_equal(dma_denied(&w), 1);
}

static void ranges_that_wrap_64_bits_are_refused(void **state)
{
	(void)state;
	assert_null(dma_resolve(&w, UINT64_MAX, 2));
	assert_null(dma_resolve(&w, A + 16, UINT64_MAX));
	assert_null(dma_resolve(&w, B + 16, UINT64_MAX - B));
	assert_int_equal(dma_window_add(&w, UINT64_MAX - 10, 100, ram_a), -EINVAL);
	assert_int_equal(dma_window_add(&w, 0, 0, ram_a), -EINVAL);
}

static void reads_and_writes_copy_exactly_the_range(void **state)
{
	uint8_t in[4] = { 1, 2, 3, 4 }, out[4] = { 0 };

	(void)state;
	memset(ram_a, 0, sizeof(ram_a));
	assert_int_equal(dma_write(&w, A + 10, in, 4), 0);
	assert_int_equal(ram_a[9], 0);
	assert_int_equal(ram_a[14], 0);
	assert_int_equal(dma_read(&w, A + 10, out, 4), 0);
	assert_memory_equal(in, out, 4);
	assert_int_equal(dma_write(&w, A + sizeof(ram_a) - 2, in, 4), -EFAULT);
	assert_int_equal(ram_a[sizeof(ram_a) - 1], 0);     /* nothing written */
	assert_int_equal(dma_denied(&w), 1);
}

static void a_cleared_window_refuses_everything(void **state)
{
	uint8_t c;

	(void)state;
	dma_window_clear(&w);
	assert_null(dma_resolve(&w, A, 1));
	assert_int_equal(dma_read(&w, B, &c, 1), -EFAULT);
	assert_int_equal(dma_denied(&w), 2);
}

static void the_window_holds_a_bounded_number_of_ranges(void **state)
{
	(void)state;
	assert_int_equal(dma_window_add(&w, 0x1000, 16, ram_a), 0);
	assert_int_equal(dma_window_add(&w, 0x2000, 16, ram_a), 0);
	assert_int_equal(dma_window_add(&w, 0x3000, 16, ram_a), -ENOSPC);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(a_range_inside_the_window_resolves_to_its_host_address),
		T(the_whole_range_and_its_last_byte_resolve),
		T(one_byte_past_either_end_is_refused),
		T(a_range_straddling_the_end_is_refused),
		T(a_range_spanning_two_allowed_ranges_is_refused),
		T(zero_length_is_refused),
		T(ranges_that_wrap_64_bits_are_refused),
		T(reads_and_writes_copy_exactly_the_range),
		T(a_cleared_window_refuses_everything),
		T(the_window_holds_a_bounded_number_of_ranges),
	};
	return cmocka_run_group_tests_name("dma", tests, NULL, NULL);
}
