/* PCI configuration space: read-only bits, BAR sizing, COMMAND.MEMORY
 * mapping BARs, the capability chain, and configuration mechanism #1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "devices/pci.h"

static struct pci_dev d;
static struct {
	int calls;
	int bar;
	uint64_t addr;
	bool mapped;
} ev;

static void bar_changed(struct pci_dev *dev, int bar, uint64_t addr, bool mapped)
{
	(void)dev;
	ev.calls++;
	ev.bar = bar;
	ev.addr = addr;
	ev.mapped = mapped;
}

static int setup(void **state)
{
	(void)state;
	memset(&ev, 0, sizeof(ev));
	pci_dev_init(&d, 0x1af4, 0x1042, 0x01800001, 0x1af4, 0x0040);
	d.bar_changed = bar_changed;
	assert_int_equal(pci_dev_add_bar(&d, 0, 0x4000, false, false), 0);
	assert_int_equal(pci_dev_add_bar(&d, 2, 64ULL << 20, true, true), 0);
	return 0;
}

static void the_identity_is_read_only(void **state)
{
	(void)state;
	assert_int_equal(pci_cfg_read(&d, PCI_VENDOR_ID, 4), 0x10421af4);
	pci_cfg_write(&d, PCI_VENDOR_ID, 4, 0xdeadbeef);
	assert_int_equal(pci_cfg_read(&d, PCI_VENDOR_ID, 4), 0x10421af4);
	pci_cfg_write(&d, PCI_REVISION_ID, 4, 0);
	assert_int_equal(pci_cfg_read(&d, PCI_REVISION_ID, 4), 0x01800001);
	assert_int_equal(pci_cfg_read(&d, PCI_SUBSYSTEM_ID, 2), 0x0040);
}

static void command_keeps_only_its_writable_bits(void **state)
{
	(void)state;
	pci_cfg_write(&d, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(pci_cfg_read(&d, PCI_COMMAND, 2), 0x0407);
}

static void status_error_bits_are_write_one_to_clear(void **state)
{
	(void)state;
	d.cfg[PCI_STATUS + 1] = 0x80;                      /* detected parity error */
	pci_cfg_write(&d, PCI_STATUS, 2, 0x0000);
	assert_int_equal(d.cfg[PCI_STATUS + 1], 0x80);
	pci_cfg_write(&d, PCI_STATUS, 2, 0x8000);
	assert_int_equal(d.cfg[PCI_STATUS + 1], 0);
}

static void a_32_bit_bar_reports_its_size_when_sized(void **state)
{
	(void)state;
	pci_cfg_write(&d, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	assert_int_equal(pci_cfg_read(&d, PCI_BASE_ADDRESS_0, 4), 0xffffc000);
}

static void a_64_bit_prefetchable_bar_reports_size_and_type(void **state)
{
	(void)state;
	assert_int_equal(pci_cfg_read(&d, PCI_BASE_ADDRESS_0 + 8, 4), PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	pci_cfg_write(&d, PCI_BASE_ADDRESS_0 + 8, 4, 0xffffffff);
	pci_cfg_write(&d, PCI_BASE_ADDRESS_0 + 12, 4, 0xffffffff);
	assert_int_equal(pci_cfg_read(&d, PCI_BASE_ADDRESS_0 + 8, 4), 0xfc00000c);
	assert_int_equal(pci_cfg_read(&d, PCI_BASE_ADDRESS_0 + 12, 4), 0xffffffff);
}

static void unimplemented_bars_read_as_zero_and_ignore_writes(void **state)
{
	(void)state;
	pci_cfg_write(&d, PCI_BASE_ADDRESS_0 + 4, 4, 0xffffffff);
	assert_int_equal(pci_cfg_read(&d, PCI_BASE_ADDRESS_0 + 4, 4), 0);
	pci_cfg_write(&d, PCI_BASE_ADDRESS_0 + 20, 4, 0xffffffff);
	assert_int_equal(pci_cfg_read(&d, PCI_BASE_ADDRESS_0 + 20, 4), 0);
}

static void a_bar_decodes_only_with_memory_enabled(void **state)
{
	(void)state;
	pci_cfg_write(&d, PCI_BASE_ADDRESS_0, 4, 0xc0000000);
	assert_int_equal(ev.calls, 0);
	pci_cfg_write(&d, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(ev.calls, 1);
	assert_int_equal(ev.bar, 0);
	assert_int_equal(ev.addr, 0xc0000000);
	assert_true(ev.mapped);
	pci_cfg_write(&d, PCI_COMMAND, 2, 0);
	assert_int_equal(ev.calls, 2);
	assert_false(ev.mapped);
	assert_false(pci_bar_decodes(&d, 0, NULL));
}

static void moving_a_decoding_bar_unmaps_then_maps(void **state)
{
	(void)state;
	pci_cfg_write(&d, PCI_BASE_ADDRESS_0 + 8, 4, 0x00000000);
	pci_cfg_write(&d, PCI_BASE_ADDRESS_0 + 12, 4, 0x00000001);    /* 4 GiB */
	pci_cfg_write(&d, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(ev.calls, 1);
	assert_int_equal(ev.addr, 0x100000000ULL);
	pci_cfg_write(&d, PCI_BASE_ADDRESS_0 + 12, 4, 0x00000002);    /* 8 GiB */
	assert_int_equal(ev.calls, 3);
	assert_true(ev.mapped);
	assert_int_equal(ev.bar, 2);
	assert_int_equal(ev.addr, 0x200000000ULL);
}

static void a_bar_being_sized_does_not_decode(void **state)
{
	(void)state;
	pci_cfg_write(&d, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	pci_cfg_write(&d, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	assert_false(pci_bar_decodes(&d, 0, NULL));
	pci_cfg_write(&d, PCI_BASE_ADDRESS_0 + 8, 4, 0xffffffff);
	pci_cfg_write(&d, PCI_BASE_ADDRESS_0 + 12, 4, 0xffffffff);
	assert_false(pci_bar_decodes(&d, 2, NULL));
	assert_false(d.bar[2].mapped);
}

static void a_bar_at_address_zero_does_not_decode(void **state)
{
	(void)state;
	pci_cfg_write(&d, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_false(pci_bar_decodes(&d, 0, NULL));
	assert_int_equal(ev.calls, 0);
}

static void bad_bar_definitions_are_refused(void **state)
{
	struct pci_dev t;

	(void)state;
	pci_dev_init(&t, 1, 2, 0, 0, 0);
	assert_int_equal(pci_dev_add_bar(&t, 0, 3000, false, false), -EINVAL);
	assert_int_equal(pci_dev_add_bar(&t, 0, 8, false, false), -EINVAL);
	assert_int_equal(pci_dev_add_bar(&t, 5, 4096, true, false), -EINVAL);
	assert_int_equal(pci_dev_add_bar(&t, 6, 4096, false, false), -EINVAL);
	assert_int_equal(pci_dev_add_bar(&t, 0, 4ULL << 30, false, false), -EINVAL);
	assert_int_equal(pci_dev_add_bar(&t, 0, 4096, false, false), 0);
	assert_int_equal(pci_dev_add_bar(&t, 0, 4096, false, false), -EINVAL);
}

static void capabilities_form_a_chain_from_the_cap_pointer(void **state)
{
	uint8_t a[4] = { 0x09, 0, 0xaa, 0xbb }, b[16] = { 0x11, 0 };
	unsigned off, n = 0;
	int oa, ob;

	(void)state;
	oa = pci_dev_add_cap(&d, a, NULL, sizeof(a));
	ob = pci_dev_add_cap(&d, b, NULL, sizeof(b));
	assert_true(oa >= 0x40);
	assert_true(ob >= oa + 4);
	assert_true(pci_cfg_read(&d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	for (off = pci_cfg_read(&d, PCI_CAPABILITY_LIST, 1); off; off = pci_cfg_read(&d, off + 1, 1)) {
		assert_int_equal(off & 3, 0);
		n++;
		assert_true(n < 48);
	}
	assert_int_equal(n, 2);
	assert_int_equal(pci_cfg_read(&d, oa + 2, 2), 0xbbaa);
}

static void capability_bytes_are_writable_only_where_the_mask_says(void **state)
{
	uint8_t c[4] = { 0x09, 0, 0x00, 0x00 }, m[4] = { 0xff, 0xff, 0x0f, 0x00 };
	int o;

	(void)state;
	o = pci_dev_add_cap(&d, c, m, sizeof(c));
	pci_cfg_write(&d, (unsigned)o, 4, 0xffffffff);
	assert_int_equal(pci_cfg_read(&d, (unsigned)o, 1), 0x09);   /* id stays */
	assert_int_equal(pci_cfg_read(&d, (unsigned)o + 1, 1), 0);  /* link stays */
	assert_int_equal(pci_cfg_read(&d, (unsigned)o + 2, 2), 0x000f);
}

static void capabilities_that_do_not_fit_are_refused(void **state)
{
	uint8_t big[200] = { 0x09 };

	(void)state;
	assert_true(pci_dev_add_cap(&d, big, NULL, 150) > 0);
	assert_int_equal(pci_dev_add_cap(&d, big, NULL, 100), -ENOSPC);
}

static void unaligned_or_out_of_range_accesses_are_ignored(void **state)
{
	(void)state;
	assert_int_equal(pci_cfg_read(&d, 1, 2), 0xffffffff);
	assert_int_equal(pci_cfg_read(&d, 2, 4), 0xffffffff);
	assert_int_equal(pci_cfg_read(&d, 255, 2), 0xffffffff);
	assert_int_equal(pci_cfg_read(&d, 256, 1), 0xffffffff);
	pci_cfg_write(&d, PCI_COMMAND + 1, 2, 0xffff);
	assert_int_equal(pci_cfg_read(&d, PCI_COMMAND, 2), 0);
}

static uint32_t conf1(struct pci_bus *bus, uint32_t addr, unsigned off, unsigned len, bool write,
		      uint32_t val)
{
	uint8_t data[4];

	memcpy(data, &addr, 4);
	pci_conf1_io(bus, 0, data, 4, true);
	memcpy(data, &val, 4);
	pci_conf1_io(bus, 4 + off, data, len, write);
	memcpy(&val, data, 4);
	return len == 4 ? val : val & ((1u << (8 * len)) - 1);
}

static void mechanism_1_reaches_bus_0_devices_and_nothing_else(void **state)
{
	struct pci_bus bus;
	struct pci_dev hb;
	uint8_t data[4];
	int slot;

	(void)state;
	pci_bus_init(&bus);
	pci_bus_add_host_bridge(&bus, &hb);
	slot = pci_bus_add(&bus, &d);
	assert_int_equal(slot, 1);
	/* The address latch reads back (Linux probes mechanism #1 so). */
	conf1(&bus, 0x80000000, 0, 4, false, 0);
	pci_conf1_io(&bus, 0, data, 4, false);
	assert_int_equal(data[3], 0x80);
	assert_int_equal(conf1(&bus, 0x80000000, 0, 4, false, 0) & 0xffff, 0x8086);
	assert_int_equal(conf1(&bus, 0x80000000 | 1 << 11, 0, 4, false, 0), 0x10421af4);
	assert_int_equal(conf1(&bus, 0x80000000 | 1 << 11, 2, 2, false, 0), 0x1042);
	assert_int_equal(conf1(&bus, 0x80000000 | 1 << 11 | 0x08, 3, 1, false, 0), 0x01);
	/* Empty slot, other function, other bus, enable bit clear. */
	assert_int_equal(conf1(&bus, 0x80000000 | 2 << 11, 0, 4, false, 0), 0xffffffff);
	assert_int_equal(conf1(&bus, 0x80000000 | 1 << 11 | 1 << 8, 0, 4, false, 0), 0xffffffff);
	assert_int_equal(conf1(&bus, 0x80000000 | 1 << 16 | 1 << 11, 0, 4, false, 0), 0xffffffff);
	assert_int_equal(conf1(&bus, 1 << 11, 0, 4, false, 0), 0xffffffff);
	/* Writes through the data port land in the device. */
	conf1(&bus, 0x80000000 | 1 << 11 | PCI_BASE_ADDRESS_0, 0, 4, true, 0xffffffff);
	assert_int_equal(pci_cfg_read(&d, PCI_BASE_ADDRESS_0, 4), 0xffffc000);
	pthread_mutex_destroy(&bus.lock);
}

static uint32_t ecam(struct pci_bus *bus, uint64_t off, unsigned len, bool write, uint32_t val)
{
	uint8_t data[4];

	memcpy(data, &val, 4);
	pci_ecam_io(bus, off, data, len, write);
	memcpy(&val, data, 4);
	return len == 4 ? val : val & ((1u << (8 * len)) - 1);
}

static void ecam_reaches_bus_0_devices_and_nothing_else(void **state)
{
	struct pci_bus bus;
	struct pci_dev hb;

	(void)state;
	pci_bus_init(&bus);
	pci_bus_add_host_bridge(&bus, &hb);
	assert_int_equal(pci_bus_add(&bus, &d), 1);
	assert_int_equal(ecam(&bus, 0, 4, false, 0) & 0xffff, 0x8086);
	assert_int_equal(ecam(&bus, 1 << 15, 4, false, 0), 0x10421af4);
	assert_int_equal(ecam(&bus, 1 << 15 | 2, 2, false, 0), 0x1042);
	assert_int_equal(ecam(&bus, 1 << 15 | 0x0b, 1, false, 0), 0x01);
	/* Empty slot, other function, other bus: all ones. */
	assert_int_equal(ecam(&bus, 2 << 15, 4, false, 0), 0xffffffff);
	assert_int_equal(ecam(&bus, 1 << 15 | 1 << 12, 4, false, 0), 0xffffffff);
	assert_int_equal(ecam(&bus, 1 << 20 | 1 << 15, 4, false, 0), 0xffffffff);
	/* Extended space of a present function: zeros (no capabilities). */
	assert_int_equal(ecam(&bus, 1 << 15 | 0x100, 4, false, 0), 0);
	ecam(&bus, 1 << 15 | 0x100, 4, true, 0xffffffff);
	/* Writes land in the device. */
	ecam(&bus, 1 << 15 | PCI_BASE_ADDRESS_0, 4, true, 0xffffffff);
	assert_int_equal(pci_cfg_read(&d, PCI_BASE_ADDRESS_0, 4), 0xffffc000);
	pthread_mutex_destroy(&bus.lock);
}

/* A 64-bit ECAM access is two dword accesses (no shift past 32 bits). */
static void an_8_byte_ecam_access_is_two_dwords(void **state)
{
	struct pci_bus bus;
	struct pci_dev hb;
	uint8_t data[8];
	uint64_t v = 0xffffffffffffffffull;

	(void)state;
	pci_bus_init(&bus);
	pci_bus_add_host_bridge(&bus, &hb);
	assert_int_equal(pci_bus_add(&bus, &d), 1);
	pci_ecam_io(&bus, 1 << 15, data, 8, false);
	memcpy(&v, data, 8);
	assert_int_equal(v & 0xffffffff, 0x10421af4);
	assert_int_equal(v >> 32, pci_cfg_read(&d, 4, 4));
	v = 0xffffffffffffffffull;            /* BAR0 and BAR1 at once */
	memcpy(data, &v, 8);
	pci_ecam_io(&bus, 1 << 15 | PCI_BASE_ADDRESS_0, data, 8, true);
	assert_int_equal(pci_cfg_read(&d, PCI_BASE_ADDRESS_0, 4), 0xffffc000);
	pthread_mutex_destroy(&bus.lock);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(the_identity_is_read_only),
		T(an_8_byte_ecam_access_is_two_dwords),
		T(command_keeps_only_its_writable_bits),
		T(status_error_bits_are_write_one_to_clear),
		T(a_32_bit_bar_reports_its_size_when_sized),
		T(a_64_bit_prefetchable_bar_reports_size_and_type),
		T(unimplemented_bars_read_as_zero_and_ignore_writes),
		T(a_bar_decodes_only_with_memory_enabled),
		T(moving_a_decoding_bar_unmaps_then_maps),
		T(a_bar_being_sized_does_not_decode),
		T(a_bar_at_address_zero_does_not_decode),
		T(bad_bar_definitions_are_refused),
		T(capabilities_form_a_chain_from_the_cap_pointer),
		T(capability_bytes_are_writable_only_where_the_mask_says),
		T(capabilities_that_do_not_fit_are_refused),
		T(unaligned_or_out_of_range_accesses_are_ignored),
		T(mechanism_1_reaches_bus_0_devices_and_nothing_else),
		T(ecam_reaches_bus_0_devices_and_nothing_else),
	};
	return cmocka_run_group_tests_name("pci", tests, NULL, NULL);
}
