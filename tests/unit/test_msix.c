/* MSI-X: the capability, the table, function and vector masking, pending
 * bits and re-routing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "devices/msix.h"

static struct pci_dev dev;
static struct msix m;
static unsigned fired[8], routes;
static uint64_t route_addr;
static uint32_t route_data;

static void fire(void *opaque, unsigned vec)
{
	(void)opaque;
	fired[vec]++;
}

static void route(void *opaque, unsigned vec, uint64_t addr, uint32_t data)
{
	(void)opaque;
	(void)vec;
	routes++;
	route_addr = addr;
	route_data = data;
}

static int setup(void **state)
{
	(void)state;
	memset(fired, 0, sizeof(fired));
	routes = 0;
	pci_dev_init(&dev, 0x1af4, 0x1042, 0, 0, 0);
	assert_int_equal(msix_init(&m, &dev, 4, 1, 0x4000, 0x5000), 0);
	m.fire = fire;
	m.route = route;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	msix_destroy(&m);
	return 0;
}

static void wr32(uint64_t off, uint32_t v) { msix_table_io(&m, off, (uint8_t *)&v, 4, true); }
static uint32_t rd32(uint64_t off) { uint32_t v; msix_table_io(&m, off, (uint8_t *)&v, 4, false); return v; }
static void control(uint16_t v) { pci_cfg_write(&dev, m.cap + 2, 2, v); msix_control_written(&m); }

static void the_capability_names_table_size_bar_and_offsets(void **state)
{
	(void)state;
	assert_int_equal(pci_cfg_read(&dev, m.cap, 1), 0x11);
	assert_int_equal(pci_cfg_read(&dev, m.cap + 2, 2) & 0x7ff, 3);
	assert_int_equal(pci_cfg_read(&dev, m.cap + 4, 4), 0x4000 | 1);
	assert_int_equal(pci_cfg_read(&dev, m.cap + 8, 4), 0x5000 | 1);
	/* Only enable and function mask are writable. */
	pci_cfg_write(&dev, m.cap + 2, 2, 0xffff);
	assert_int_equal(pci_cfg_read(&dev, m.cap + 2, 2), 0xc003);
	pci_cfg_write(&dev, m.cap + 4, 4, 0);
	assert_int_equal(pci_cfg_read(&dev, m.cap + 4, 4), 0x4001);
}

static void vectors_start_masked(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 4; v++)
		assert_int_equal(rd32(v * 16 + 12), 1);
}

static void nothing_is_delivered_while_msix_is_disabled(void **state)
{
	(void)state;
	wr32(12, 0);
	assert_false(msix_notify(&m, 0));
	assert_int_equal(fired[0], 0);
}

static void an_unmasked_vector_is_delivered(void **state)
{
	(void)state;
	control(MSIX_CTRL_ENABLE);
	wr32(16 + 0, 0xfee00000);
	wr32(16 + 8, 0x4041);
	assert_int_equal(routes, 2);
	assert_int_equal(route_addr, 0xfee00000);
	assert_int_equal(route_data, 0x4041);
	wr32(16 + 12, 0);
	assert_true(msix_notify(&m, 1));
	assert_int_equal(fired[1], 1);
}

static void a_masked_vector_is_held_pending_and_delivered_on_unmask(void **state)
{
	uint64_t pba = 0;

	(void)state;
	control(MSIX_CTRL_ENABLE);
	assert_true(msix_notify(&m, 2));
	assert_int_equal(fired[2], 0);
	msix_pba_io(&m, 0, (uint8_t *)&pba, 8, false);
	assert_int_equal(pba, 1 << 2);
	wr32(2 * 16 + 12, 0);                  /* unmask */
	assert_int_equal(fired[2], 1);
	msix_pba_io(&m, 0, (uint8_t *)&pba, 8, false);
	assert_int_equal(pba, 0);
}

static void the_function_mask_holds_every_vector(void **state)
{
	(void)state;
	wr32(12, 0);
	wr32(16 + 12, 0);
	control(MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL);
	msix_notify(&m, 0);
	msix_notify(&m, 1);
	assert_int_equal(fired[0] + fired[1], 0);
	control(MSIX_CTRL_ENABLE);
	assert_int_equal(fired[0], 1);
	assert_int_equal(fired[1], 1);
}

static void pending_bits_survive_until_msix_is_enabled(void **state)
{
	(void)state;
	control(MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL);
	msix_notify(&m, 3);
	control(MSIX_CTRL_MASKALL);            /* disabled, still pending */
	wr32(3 * 16 + 12, 0);
	assert_int_equal(fired[3], 0);
	control(MSIX_CTRL_ENABLE);
	assert_int_equal(fired[3], 1);
}

static void out_of_range_vectors_and_table_accesses_are_refused(void **state)
{
	uint32_t v = 0xdeadbeef;

	(void)state;
	control(MSIX_CTRL_ENABLE);
	assert_false(msix_notify(&m, 4));
	assert_false(msix_notify(&m, 1000));
	/* Past the table, unaligned, or odd sizes: ignored, read as zero. */
	wr32(4 * 16, 0x12345678);
	assert_int_equal(rd32(4 * 16), 0);
	msix_table_io(&m, 2, (uint8_t *)&v, 4, true);
	assert_int_equal(rd32(0), 0);
	msix_table_io(&m, 0, (uint8_t *)&v, 2, true);
	assert_int_equal(rd32(0), 0);
}

static void reserved_vector_control_bits_stay_zero(void **state)
{
	(void)state;
	wr32(12, 0xfffffffe);
	assert_int_equal(rd32(12), 0);
}

static void the_pba_is_read_only(void **state)
{
	uint64_t v = ~0ULL, pba = 0;

	(void)state;
	msix_pba_io(&m, 0, (uint8_t *)&v, 8, true);
	msix_pba_io(&m, 0, (uint8_t *)&pba, 8, false);
	assert_int_equal(pba, 0);
}

static void bad_geometry_is_refused(void **state)
{
	struct pci_dev d2;
	struct msix m2;

	(void)state;
	pci_dev_init(&d2, 1, 1, 0, 0, 0);
	assert_int_equal(msix_init(&m2, &d2, 0, 0, 0, 0x800), -EINVAL);
	assert_int_equal(msix_init(&m2, &d2, MSIX_MAX_VECTORS + 1, 0, 0, 0x800), -EINVAL);
	assert_int_equal(msix_init(&m2, &d2, 2, 6, 0, 0x800), -EINVAL);
	assert_int_equal(msix_init(&m2, &d2, 2, 0, 4, 0x800), -EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(the_capability_names_table_size_bar_and_offsets),
		T(vectors_start_masked),
		T(nothing_is_delivered_while_msix_is_disabled),
		T(an_unmasked_vector_is_delivered),
		T(a_masked_vector_is_held_pending_and_delivered_on_unmask),
		T(the_function_mask_holds_every_vector),
		T(pending_bits_survive_until_msix_is_enabled),
		T(out_of_range_vectors_and_table_accesses_are_refused),
		T(reserved_vector_control_bits_stay_zero),
		T(the_pba_is_read_only),
		T(bad_geometry_is_refused),
	};
	return cmocka_run_group_tests_name("msix", tests, NULL, NULL);
}
