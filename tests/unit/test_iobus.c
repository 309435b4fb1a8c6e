/* The I/O bus: registration, overlap refusal, dispatch at range edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/iobus.h"

struct probe {
	int calls;
	uint64_t offset;
	unsigned len;
	bool write;
	uint8_t last;
};

static void handler(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct probe *p = opaque;

	p->calls++;
	p->offset = offset;
	p->len = len;
	p->write = is_write;
	if (is_write)
		p->last = data[0];
	else
		memset(data, 0x5a, len);
}

static struct iobus bus;

static int setup(void **state)
{
	(void)state;
	iobus_init(&bus);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	iobus_destroy(&bus);
	return 0;
}

static void registered_ranges_receive_their_accesses(void **state)
{
	struct probe a = { 0 };
	uint8_t d = 7;

	(void)state;
	assert_int_equal(iobus_register(&bus, IO_PIO, 0x3f8, 8, handler, &a, "a"), 0);
	assert_true(iobus_dispatch(&bus, IO_PIO, 0x3fb, &d, 1, true));
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.offset, 3);
	assert_true(a.write);
	assert_int_equal(a.last, 7);
}

static void dispatch_hits_the_first_and_last_byte_but_not_beyond(void **state)
{
	struct probe a = { 0 };
	uint8_t d[4];

	(void)state;
	assert_int_equal(iobus_register(&bus, IO_MMIO, 0x1000, 0x100, handler, &a, "a"), 0);
	assert_true(iobus_dispatch(&bus, IO_MMIO, 0x1000, d, 1, false));
	assert_int_equal(a.offset, 0);
	assert_true(iobus_dispatch(&bus, IO_MMIO, 0x10ff, d, 1, false));
	assert_int_equal(a.offset, 0xff);
	assert_int_equal(a.calls, 2);
	assert_false(iobus_dispatch(&bus, IO_MMIO, 0x0fff, d, 1, false));
	assert_false(iobus_dispatch(&bus, IO_MMIO, 0x1100, d, 1, false));
	assert_int_equal(a.calls, 2);
}

static void an_access_straddling_the_end_of_a_range_is_not_delivered(void **state)
{
	struct probe a = { 0 };
	uint8_t d[4] = { 0 };

	(void)state;
	assert_int_equal(iobus_register(&bus, IO_MMIO, 0x1000, 0x100, handler, &a, "a"), 0);
	assert_true(iobus_dispatch(&bus, IO_MMIO, 0x10fc, d, 4, false));
	assert_false(iobus_dispatch(&bus, IO_MMIO, 0x10fe, d, 4, false));
	assert_int_equal(a.calls, 1);
	assert_memory_equal(d, "\xff\xff\xff\xff", 4);
}

static void unclaimed_reads_return_all_ones_and_are_counted(void **state)
{
	uint8_t d[4] = { 0 };

	(void)state;
	assert_false(iobus_dispatch(&bus, IO_PIO, 0xcf8, d, 4, false));
	assert_memory_equal(d, "\xff\xff\xff\xff", 4);
	assert_false(iobus_dispatch(&bus, IO_PIO, 0xcf8, d, 4, true));
	assert_int_equal(bus.unhandled[IO_PIO], 2);
}

/* Only 1, 2, 4 and 8-byte accesses reach a handler; others read as all ones. */
static void odd_sized_accesses_are_not_delivered(void **state)
{
	struct probe a = { 0 };
	uint8_t buf[8];
	unsigned delivered = 0;

	(void)state;
	assert_int_equal(iobus_register(&bus, IO_MMIO, 0x1000, 0x100, handler, &a, "a"), 0);
	for (unsigned len = 1; len <= 8; len++) {
		bool whole = len == 1 || len == 2 || len == 4 || len == 8;

		memset(buf, 0, sizeof(buf));
		assert_int_equal(iobus_dispatch(&bus, IO_MMIO, 0x1000, buf, len, false), whole);
		delivered += whole;
		assert_int_equal(a.calls, delivered);
		if (!whole)
			for (unsigned i = 0; i < len; i++)
				assert_int_equal(buf[i], 0xff);
	}
	assert_int_equal(iobus_dispatch(&bus, IO_MMIO, 0x1000, buf, 0, true), false);
	assert_int_equal(a.calls, 4);
}

static void overlapping_registrations_are_refused(void **state)
{
	struct probe a = { 0 };

	(void)state;
	assert_int_equal(iobus_register(&bus, IO_PIO, 0x100, 0x10, handler, &a, "a"), 0);
	assert_int_equal(iobus_register(&bus, IO_PIO, 0x100, 0x10, handler, &a, "same"), -EEXIST);
	assert_int_equal(iobus_register(&bus, IO_PIO, 0x10f, 1, handler, &a, "last"), -EEXIST);
	assert_int_equal(iobus_register(&bus, IO_PIO, 0xf0, 0x11, handler, &a, "into"), -EEXIST);
	assert_int_equal(iobus_register(&bus, IO_PIO, 0x80, 0x200, handler, &a, "over"), -EEXIST);
	assert_int_equal(iobus_register(&bus, IO_PIO, 0x104, 2, handler, &a, "inside"), -EEXIST);
	/* Adjacent on both sides is fine. */
	assert_int_equal(iobus_register(&bus, IO_PIO, 0xf0, 0x10, handler, &a, "below"), 0);
	assert_int_equal(iobus_register(&bus, IO_PIO, 0x110, 0x10, handler, &a, "above"), 0);
	/* The same range in the other space is independent. */
	assert_int_equal(iobus_register(&bus, IO_MMIO, 0x100, 0x10, handler, &a, "mmio"), 0);
}

static void empty_or_wrapping_ranges_are_invalid(void **state)
{
	struct probe a = { 0 };

	(void)state;
	assert_int_equal(iobus_register(&bus, IO_MMIO, 0x100, 0, handler, &a, "empty"), -EINVAL);
	assert_int_equal(iobus_register(&bus, IO_MMIO, UINT64_MAX, 2, handler, &a, "wrap"), -EINVAL);
	assert_int_equal(iobus_register(&bus, IO_MMIO, UINT64_MAX, 1, handler, &a, "top"), 0);
	assert_int_equal(iobus_register(&bus, IO_NR_SPACES, 0, 1, handler, &a, "space"), -EINVAL);
}

static void many_ranges_stay_sorted_and_each_is_found(void **state)
{
	struct probe p[64] = { 0 };
	uint8_t d;

	(void)state;
	/* Registered out of order. */
	for (unsigned i = 0; i < 64; i++) {
		unsigned k = (i * 37) % 64;

		assert_int_equal(iobus_register(&bus, IO_MMIO, 0x10000 + k * 0x100, 0x80, handler,
						&p[k], "r"), 0);
	}
	for (unsigned k = 0; k < 64; k++) {
		assert_true(iobus_dispatch(&bus, IO_MMIO, 0x10000 + k * 0x100 + 0x7f, &d, 1, false));
		assert_false(iobus_dispatch(&bus, IO_MMIO, 0x10000 + k * 0x100 + 0x80, &d, 1, false));
		assert_int_equal(p[k].calls, 1);
	}
}

static void an_unregistered_range_no_longer_receives_accesses(void **state)
{
	struct probe a = { 0 };
	uint8_t d;

	(void)state;
	assert_int_equal(iobus_register(&bus, IO_MMIO, 0x2000, 0x10, handler, &a, "a"), 0);
	assert_int_equal(iobus_unregister(&bus, IO_MMIO, 0x2000, &a), 0);
	assert_false(iobus_dispatch(&bus, IO_MMIO, 0x2000, &d, 1, false));
	assert_int_equal(iobus_unregister(&bus, IO_MMIO, 0x2000, &a), -ENOENT);
	assert_int_equal(iobus_register(&bus, IO_MMIO, 0x2000, 0x10, handler, &a, "again"), 0);
}

/* Unregistering takes only the caller's own range, never another owner's
 * that happens to start at the same address. */
static void only_the_owner_can_unregister_a_range(void **state)
{
	struct probe a = { 0 }, b = { 0 };
	uint8_t d;

	(void)state;
	assert_int_equal(iobus_register(&bus, IO_MMIO, 0x2000, 0x10, handler, &a, "a"), 0);
	assert_int_equal(iobus_register(&bus, IO_MMIO, 0x2000, 0x10, handler, &b, "b"), -EEXIST);
	assert_int_equal(iobus_unregister(&bus, IO_MMIO, 0x2000, &b), -ENOENT);
	assert_true(iobus_dispatch(&bus, IO_MMIO, 0x2000, &d, 1, false));
	assert_int_equal(a.calls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(registered_ranges_receive_their_accesses, setup, teardown),
		cmocka_unit_test_setup_teardown(dispatch_hits_the_first_and_last_byte_but_not_beyond, setup, teardown),
		cmocka_unit_test_setup_teardown(an_access_straddling_the_end_of_a_range_is_not_delivered, setup, teardown),
		cmocka_unit_test_setup_teardown(unclaimed_reads_return_all_ones_and_are_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(odd_sized_accesses_are_not_delivered, setup, teardown),
		cmocka_unit_test_setup_teardown(overlapping_registrations_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_or_wrapping_ranges_are_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(many_ranges_stay_sorted_and_each_is_found, setup, teardown),
		cmocka_unit_test_setup_teardown(an_unregistered_range_no_longer_receives_accesses, setup, teardown),
		cmocka_unit_test_setup_teardown(only_the_owner_can_unregister_a_range, setup, teardown),
	};
	return cmocka_run_group_tests_name("iobus", tests, NULL, NULL);
}
