/* The virtio-pci transport without KVM: capabilities, feature negotiation
 * and the FEATURES_OK rules, queue setup, reset, and a hostile ring putting
 * the device into NEEDS_RESET with a config interrupt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vp_fixture.h"

static void the_function_is_a_modern_only_virtio_device(void **state)
{
	(void)state;
	assert_int_equal(pci_cfg_read(&vp.pci, PCI_VENDOR_ID, 2), 0x1af4);
	assert_int_equal(pci_cfg_read(&vp.pci, PCI_DEVICE_ID, 2), 0x1044);
	assert_int_equal(pci_cfg_read(&vp.pci, PCI_REVISION_ID, 1), 1);
	assert_true(pci_cfg_read(&vp.pci, PCI_SUBSYSTEM_ID, 2) >= 0x40);
	/* BAR0 is memory (no legacy I/O BAR anywhere). */
	for (int b = 0; b < 6; b++)
		assert_int_equal(pci_cfg_read(&vp.pci, PCI_BASE_ADDRESS_0 + 4 * b, 4) & 1, 0);
}

static void the_capabilities_name_common_notify_isr_device_and_msix(void **state)
{
	unsigned seen = 0, off;

	(void)state;
	for (off = pci_cfg_read(&vp.pci, PCI_CAPABILITY_LIST, 1); off; off = pci_cfg_read(&vp.pci, off + 1, 1)) {
		unsigned id = pci_cfg_read(&vp.pci, off, 1);

		if (id == 0x09)
			seen |= 1u << pci_cfg_read(&vp.pci, off + 3, 1);
		if (id == 0x11)
			seen |= 1u << 16;
		if (id == 0x09 && pci_cfg_read(&vp.pci, off + 3, 1) == 2)
			assert_int_equal(pci_cfg_read(&vp.pci, off + 16, 4), VP_NOTIFY_MULT);
	}
	assert_int_equal(seen, (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 16));
}

static void the_pci_config_capability_reaches_bar0(void **state)
{
	unsigned c = vp.pcicfg_cap;

	(void)state;
	assert_int_equal(pci_cfg_read(&vp.pci, c + 3, 1), 5);
	/* Read num_queues (common cfg 0x12, 2 bytes) through config space. */
	pci_cfg_write(&vp.pci, c + 4, 1, 0);
	pci_cfg_write(&vp.pci, c + 8, 4, 0x12);
	pci_cfg_write(&vp.pci, c + 12, 4, 2);
	assert_int_equal(pci_cfg_read(&vp.pci, c + 16, 4) & 0xffff, 1);
	/* Write device_feature_select = 1 through it, read it back via MMIO. */
	pci_cfg_write(&vp.pci, c + 8, 4, 0x00);
	pci_cfg_write(&vp.pci, c + 12, 4, 4);
	pci_cfg_write(&vp.pci, c + 16, 4, 1);
	assert_int_equal(r(VIRTIO_PCI_COMMON_DFSELECT, 4), 1);
	/* A misaligned or oversized window does nothing. */
	pci_cfg_write(&vp.pci, c + 8, 4, 0x01);
	pci_cfg_write(&vp.pci, c + 16, 4, 7);
	assert_int_equal(r(VIRTIO_PCI_COMMON_DFSELECT, 4), 1);
}

static void the_device_offers_version_1_indirect_and_event_idx(void **state)
{
	(void)state;
	w(VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	assert_true(r(VIRTIO_PCI_COMMON_DF, 4) & 1);                   /* bit 32: VERSION_1 */
	w(VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	assert_true(r(VIRTIO_PCI_COMMON_DF, 4) & (1u << VIRTIO_RING_F_INDIRECT_DESC));
	assert_true(r(VIRTIO_PCI_COMMON_DF, 4) & (1u << VIRTIO_RING_F_EVENT_IDX));
	w(VIRTIO_PCI_COMMON_DFSELECT, 4, 7);
	assert_int_equal(r(VIRTIO_PCI_COMMON_DF, 4), 0);
	assert_int_equal(r(VIRTIO_PCI_COMMON_NUMQ, 2), 1);               /* one queue */
}

static void features_ok_sticks_for_a_valid_subset(void **state)
{
	(void)state;
	assert_true(negotiate(1ULL << VIRTIO_F_VERSION_1) & VIRTIO_CONFIG_S_FEATURES_OK);
}

static void features_ok_is_refused_without_version_1(void **state)
{
	(void)state;
	assert_false(negotiate(1ULL << VIRTIO_RING_F_EVENT_IDX) & VIRTIO_CONFIG_S_FEATURES_OK);
}

static void features_ok_is_refused_for_bits_not_offered(void **state)
{
	(void)state;
	assert_false(negotiate(1ULL << VIRTIO_F_VERSION_1 | 1ULL << 27) & VIRTIO_CONFIG_S_FEATURES_OK);
}

static void features_cannot_change_after_features_ok(void **state)
{
	(void)state;
	negotiate(1ULL << VIRTIO_F_VERSION_1);
	w(VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	w(VIRTIO_PCI_COMMON_GF, 4, 1u << VIRTIO_RING_F_EVENT_IDX);
	assert_int_equal(r(VIRTIO_PCI_COMMON_GF, 4), 0);
}

static void driver_ok_without_features_ok_is_ignored(void **state)
{
	(void)state;
	w(VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK);
	assert_false(r(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_DRIVER_OK);
}

static void a_queue_is_enabled_with_its_geometry(void **state)
{
	(void)state;
	negotiate(1ULL << VIRTIO_F_VERSION_1);
	assert_int_equal(r(VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);              /* queue_max offered */
	setup_queue(16);
	assert_int_equal(r(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	assert_int_equal(r(VIRTIO_PCI_COMMON_Q_DESCLO, 4), (uint32_t)DESC);
	/* Frozen once enabled. */
	w(VIRTIO_PCI_COMMON_Q_SIZE, 2, 8);
	assert_int_equal(r(VIRTIO_PCI_COMMON_Q_SIZE, 2), 16);
	/* A queue beyond num_queues reads as absent. */
	w(VIRTIO_PCI_COMMON_Q_SELECT, 2, 5);
	assert_int_equal(r(VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
}

static void a_queue_outside_the_window_needs_reset(void **state)
{
	(void)state;
	negotiate(1ULL << VIRTIO_F_VERSION_1);
	w(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	w(VIRTIO_PCI_COMMON_Q_SIZE, 2, 16);
	w(VIRTIO_PCI_COMMON_Q_DESCLO, 4, 0x1000);                            /* not in the DMA window */
	w(VIRTIO_PCI_COMMON_Q_AVAILLO, 4, (uint32_t)AVAIL);
	w(VIRTIO_PCI_COMMON_Q_USEDLO, 4, (uint32_t)USED);
	w(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_int_equal(r(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	assert_true(r(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(vp.faults, 1);
}

static void a_hostile_ring_sets_needs_reset_and_raises_a_config_interrupt(void **state)
{
	uint16_t idx = 100;                            /* jumps past the queue size */

	(void)state;
	negotiate(1ULL << VIRTIO_F_VERSION_1);
	setup_queue(16);
	w(VIRTIO_PCI_COMMON_STATUS, 1, r(VIRTIO_PCI_COMMON_STATUS, 1) | VIRTIO_CONFIG_S_DRIVER_OK);
	pci_cfg_write(&vp.pci, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	memcpy(mem + (AVAIL - GPA) + 2, &idx, 2);
	w(VP_NOTIFY_OFF, 2, 0);                        /* notify through MMIO */
	assert_true(r(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(vp.faults, 1);
	assert_int_equal(intx_level, 1);
	assert_int_equal(r(VP_ISR_OFF, 1), 2);         /* config change */
	assert_int_equal(intx_level, 0);               /* ISR read lowers INTx */
	assert_int_equal(r(VP_ISR_OFF, 1), 0);
}

static void a_function_that_is_not_bus_master_does_no_dma(void **state)
{
	uint16_t idx = 100;

	(void)state;
	negotiate(1ULL << VIRTIO_F_VERSION_1);
	setup_queue(16);
	w(VIRTIO_PCI_COMMON_STATUS, 1, r(VIRTIO_PCI_COMMON_STATUS, 1) | VIRTIO_CONFIG_S_DRIVER_OK);
	pci_cfg_write(&vp.pci, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_null(virtio_io_queue(&(struct virtio_io){ vp.win, &vp }, 0));
	memcpy(mem + (AVAIL - GPA) + 2, &idx, 2);
	w(VP_NOTIFY_OFF, 2, 0);                        /* the ring is not even read */
	assert_false(r(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	pci_cfg_write(&vp.pci, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_non_null(virtio_io_queue(&(struct virtio_io){ vp.win, &vp }, 0));
}

static void writing_zero_to_status_resets_the_device(void **state)
{
	(void)state;
	negotiate(1ULL << VIRTIO_F_VERSION_1);
	setup_queue(16);
	w(VIRTIO_PCI_COMMON_MSIX, 2, 0);
	w(VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_int_equal(r(VIRTIO_PCI_COMMON_STATUS, 1), 0);
	assert_int_equal(r(VIRTIO_PCI_COMMON_GF, 4), 0);
	assert_int_equal(r(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	assert_int_equal(r(VIRTIO_PCI_COMMON_MSIX, 2), MSIX_NO_VECTOR);
	assert_int_equal(r(VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);
}

static void msix_vectors_beyond_the_table_read_back_as_no_vector(void **state)
{
	(void)state;
	w(VIRTIO_PCI_COMMON_MSIX, 2, 1);
	assert_int_equal(r(VIRTIO_PCI_COMMON_MSIX, 2), 1);
	w(VIRTIO_PCI_COMMON_MSIX, 2, 2);                                 /* rng: 2 vectors (0, 1) */
	assert_int_equal(r(VIRTIO_PCI_COMMON_MSIX, 2), MSIX_NO_VECTOR);
	w(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	w(VIRTIO_PCI_COMMON_Q_MSIX, 2, 9);
	assert_int_equal(r(VIRTIO_PCI_COMMON_Q_MSIX, 2), MSIX_NO_VECTOR);
}

/* --- strict isolation: the bounce BAR ------------------------------------ */

static void strict_devices_present_a_swiotlb_capability_naming_bar2(void **state)
{
	unsigned off, found = 0;

	(void)state;
	for (off = pci_cfg_read(&vp.pci, PCI_CAPABILITY_LIST, 1); off; off = pci_cfg_read(&vp.pci, off + 1, 1)) {
		if (pci_cfg_read(&vp.pci, off, 1) == 0x09 &&
		    pci_cfg_read(&vp.pci, off + 3, 1) == VIRTIO_PCI_CAP_SWIOTLB) {
			assert_int_equal(pci_cfg_read(&vp.pci, off + 2, 1), 16);   /* plain virtio_pci_cap */
			assert_int_equal(pci_cfg_read(&vp.pci, off + 4, 1), VP_BOUNCE_BAR);
			assert_int_equal(pci_cfg_read(&vp.pci, off + 8, 4), 0);
			assert_int_equal(pci_cfg_read(&vp.pci, off + 12, 4), BOUNCE_SIZE);
			found++;
		}
	}
	assert_int_equal(found, 1);
	/* BAR2: 64-bit prefetchable memory of the region's size. */
	assert_int_equal(pci_cfg_read(&vp.pci, PCI_BASE_ADDRESS_0 + 8, 4), PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	pci_cfg_write(&vp.pci, PCI_BASE_ADDRESS_0 + 8, 4, 0xffffffff);
	assert_int_equal(pci_cfg_read(&vp.pci, PCI_BASE_ADDRESS_0 + 8, 4) & ~0xfu, (uint32_t)~(BOUNCE_SIZE - 1));
}

static void strict_devices_offer_swiotlb_access_platform_and_version_1(void **state)
{
	(void)state;
	w(VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	assert_true(r(VIRTIO_PCI_COMMON_DF, 4) & (1u << VIRTIO_F_SWIOTLB));
	w(VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	assert_int_equal(r(VIRTIO_PCI_COMMON_DF, 4) & 3, 3);            /* bits 32, 33 */
}

static void strict_refuses_features_ok_when_the_driver_declines_swiotlb(void **state)
{
	(void)state;
	assert_false(negotiate(1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_ACCESS_PLATFORM) &
		     VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(vp.declined_warned);
	w(VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_true(negotiate(1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_ACCESS_PLATFORM |
			      1ULL << VIRTIO_F_SWIOTLB) & VIRTIO_CONFIG_S_FEATURES_OK);
}

static void off_mode_devices_have_no_bounce_bar_and_do_not_offer_bit_27(void **state)
{
	(void)state;
	assert_int_equal(vp.pci.bar[VP_BOUNCE_BAR].size, 0);
	w(VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	assert_false(r(VIRTIO_PCI_COMMON_DF, 4) & (1u << VIRTIO_F_SWIOTLB));
}

static void the_strict_window_is_the_bounce_region_alone(void **state)
{
	(void)state;
	place_bounce_bar(BOUNCE_GPA, true);
	assert_int_equal(bounce_maps, 1);
	/* Before the driver accepts bit 27 nothing resolves. */
	assert_null(dma_resolve(vp.win, BOUNCE_GPA, 16));
	negotiate(1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_SWIOTLB);
	assert_ptr_equal(dma_resolve(vp.win, BOUNCE_GPA, 16), vp.iso.bounce.host);
	assert_non_null(dma_resolve(vp.win, BOUNCE_GPA + BOUNCE_SIZE - 1, 1));
	/* Guest RAM, the end, and straddling it are refused and counted. */
	assert_null(dma_resolve(vp.win, GPA, 16));
	assert_null(dma_resolve(vp.win, BOUNCE_GPA + BOUNCE_SIZE, 1));
	assert_null(dma_resolve(vp.win, BOUNCE_GPA + BOUNCE_SIZE - 8, 16));
	assert_int_equal(dma_denied(vp.win), 4);
}

static void the_window_follows_the_bar_and_closes_with_decoding(void **state)
{
	(void)state;
	place_bounce_bar(BOUNCE_GPA, true);
	negotiate(1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_SWIOTLB);
	place_bounce_bar(BOUNCE_GPA + 0x100000, true);          /* moved */
	assert_null(dma_resolve(vp.win, BOUNCE_GPA, 16));
	assert_ptr_equal(dma_resolve(vp.win, BOUNCE_GPA + 0x100000, 16), vp.iso.bounce.host);
	place_bounce_bar(BOUNCE_GPA + 0x100000, false);         /* decoding off */
	assert_null(dma_resolve(vp.win, BOUNCE_GPA + 0x100000, 16));
	assert_int_equal(bounce_maps, 0);
	pci_cfg_write(&vp.pci, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_non_null(dma_resolve(vp.win, BOUNCE_GPA + 0x100000, 16));
	/* Sizing the BAR (all ones) closes it too. */
	pci_cfg_write(&vp.pci, PCI_BASE_ADDRESS_0 + 8, 4, 0xffffffff);
	pci_cfg_write(&vp.pci, PCI_BASE_ADDRESS_0 + 12, 4, 0xffffffff);
	assert_null(dma_resolve(vp.win, BOUNCE_GPA + 0x100000, 16));
}

static void a_reset_closes_the_strict_window(void **state)
{
	(void)state;
	place_bounce_bar(BOUNCE_GPA, true);
	negotiate(1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_SWIOTLB);
	assert_non_null(dma_resolve(vp.win, BOUNCE_GPA, 16));
	w(VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_null(dma_resolve(vp.win, BOUNCE_GPA, 16));
}

static void queues_outside_the_bounce_region_are_refused_in_strict_mode(void **state)
{
	(void)state;
	place_bounce_bar(BOUNCE_GPA, true);
	negotiate(1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_SWIOTLB);
	setup_queue(16);                                        /* rings in guest RAM */
	assert_int_equal(r(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	assert_true(r(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/* A driver that refills the ring as fast as the device serves it: one pass
 * stops after a ring's worth and says there is more. */
static unsigned served;

static uint32_t serve_and_refill(struct virtio_device *d, const struct virtio_io *io, unsigned q,
				 const struct virtq_chain *c)
{
	uint16_t idx, head = c->head;

	(void)d;
	(void)io;
	(void)q;
	memcpy(&idx, mem + (AVAIL - GPA) + 2, 2);
	memcpy(mem + (AVAIL - GPA) + 4 + 2 * (idx % 16), &head, 2);
	idx++;
	memcpy(mem + (AVAIL - GPA) + 2, &idx, 2);
	served++;
	return 0;
}

static void one_pass_serves_at_most_a_rings_worth(void **state)
{
	struct virtq_desc d = { GPA + 0x3000, 16, VRING_DESC_F_WRITE, 0 };
	uint16_t idx = 1, head = 0;

	(void)state;
	negotiate(1ULL << VIRTIO_F_VERSION_1);
	setup_queue(16);
	w(VIRTIO_PCI_COMMON_STATUS, 1, r(VIRTIO_PCI_COMMON_STATUS, 1) | VIRTIO_CONFIG_S_DRIVER_OK);
	pci_cfg_write(&vp.pci, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	memcpy(mem + (DESC - GPA), &d, sizeof(d));
	memcpy(mem + (AVAIL - GPA) + 4, &head, 2);
	memcpy(mem + (AVAIL - GPA) + 2, &idx, 2);
	served = 0;
	dev->request = serve_and_refill;
	pthread_mutex_lock(&vp.lock);
	virtio_pci_notify(&vp, 0);
	pthread_mutex_unlock(&vp.lock);
	assert_int_equal(served, 16);
	assert_true(vp.q[0].more);
	assert_false(r(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/* A guest that faults and resets in a loop: every refusal is counted, only
 * the first VP_MAX_WARNINGS are reported. */
static void a_reset_loop_does_not_flood_the_log(void **state)
{
	(void)state;
	place_bounce_bar(BOUNCE_GPA, true);
	for (unsigned i = 0; i < 3 * VP_MAX_WARNINGS; i++) {
		negotiate(1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_SWIOTLB);
		setup_queue(16);                                /* rings in guest RAM */
		assert_true(r(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
		w(VIRTIO_PCI_COMMON_STATUS, 1, 0);                                  /* reset */
	}
	assert_int_equal(vp.faults, 3 * VP_MAX_WARNINGS);
	assert_int_equal(vp.warnings, VP_MAX_WARNINGS);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define S(f) cmocka_unit_test_setup_teardown(f, setup_strict, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(the_function_is_a_modern_only_virtio_device),
		T(the_capabilities_name_common_notify_isr_device_and_msix),
		T(the_pci_config_capability_reaches_bar0),
		T(the_device_offers_version_1_indirect_and_event_idx),
		T(features_ok_sticks_for_a_valid_subset),
		T(features_ok_is_refused_without_version_1),
		T(features_ok_is_refused_for_bits_not_offered),
		T(features_cannot_change_after_features_ok),
		T(driver_ok_without_features_ok_is_ignored),
		T(a_queue_is_enabled_with_its_geometry),
		T(a_queue_outside_the_window_needs_reset),
		T(a_hostile_ring_sets_needs_reset_and_raises_a_config_interrupt),
		T(a_function_that_is_not_bus_master_does_no_dma),
		T(writing_zero_to_status_resets_the_device),
		T(one_pass_serves_at_most_a_rings_worth),
		T(msix_vectors_beyond_the_table_read_back_as_no_vector),
		T(off_mode_devices_have_no_bounce_bar_and_do_not_offer_bit_27),
		S(strict_devices_present_a_swiotlb_capability_naming_bar2),
		S(strict_devices_offer_swiotlb_access_platform_and_version_1),
		S(strict_refuses_features_ok_when_the_driver_declines_swiotlb),
		S(the_strict_window_is_the_bounce_region_alone),
		S(the_window_follows_the_bar_and_closes_with_decoding),
		S(a_reset_closes_the_strict_window),
		S(queues_outside_the_bounce_region_are_refused_in_strict_mode),
		S(a_reset_loop_does_not_flood_the_log),
	};
	return cmocka_run_group_tests_name("virtio_pci", tests, NULL, NULL);
}
