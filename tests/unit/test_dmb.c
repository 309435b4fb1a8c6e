/* VIRTIO_F_DMB (bit 44) beside VIRTIO_F_SWIOTLB (bit 27) on one strict
 * device: what it offers and describes, the FEATURES_OK rules, and offsets
 * into the region resolved at every edge, whatever the BAR does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vp_fixture.h"

#define DMB (1ULL << VIRTIO_F_DMB)
#define SWIOTLB (1ULL << VIRTIO_F_SWIOTLB)
#define AP (1ULL << VIRTIO_F_ACCESS_PLATFORM)
#define V1 (1ULL << VIRTIO_F_VERSION_1)

static uint64_t offered(void)
{
	w(VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	uint64_t lo = r(VIRTIO_PCI_COMMON_DF, 4);
	w(VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	return lo | (uint64_t)r(VIRTIO_PCI_COMMON_DF, 4) << 32;
}

/* The capability of cfg_type type (and, for shared memory, of id), or 0. */
static unsigned find_cap(unsigned type)
{
	for (unsigned off = pci_cfg_read(&vp.pci, PCI_CAPABILITY_LIST, 1); off;
	     off = pci_cfg_read(&vp.pci, off + 1, 1))
		if (pci_cfg_read(&vp.pci, off, 1) == 0x09 && pci_cfg_read(&vp.pci, off + 3, 1) == type)
			return off;
	return 0;
}

static void strict_devices_offer_both_bits_with_access_platform(void **state)
{
	uint64_t f = offered();

	(void)state;
	assert_true(f & DMB);
	assert_true(f & SWIOTLB);
	assert_true(f & AP);
	assert_true(f & V1);
	assert_false(f & (1ULL << VIRTIO_F_ORDER_PLATFORM));    /* host memory is coherent */
}

static void off_mode_devices_offer_neither(void **state)
{
	(void)state;
	assert_false(offered() & (DMB | SWIOTLB));
	assert_int_equal(find_cap(VIRTIO_PCI_CAP_SHARED_MEMORY_CFG), 0);
}

static void the_region_is_a_shared_memory_capability_on_bar2(void **state)
{
	unsigned c = find_cap(VIRTIO_PCI_CAP_SHARED_MEMORY_CFG);

	(void)state;
	assert_int_not_equal(c, 0);
	assert_int_equal(pci_cfg_read(&vp.pci, c + 2, 1), sizeof(struct virtio_pci_cap64));  /* 24 */
	assert_int_equal(pci_cfg_read(&vp.pci, c + 4, 1), VP_BOUNCE_BAR);
	assert_int_equal(pci_cfg_read(&vp.pci, c + 5, 1), VP_DMB_SHMID);
	assert_int_equal(pci_cfg_read(&vp.pci, c + 8, 4), 0);                  /* offset */
	assert_int_equal(pci_cfg_read(&vp.pci, c + 12, 4), BOUNCE_SIZE);       /* length */
	assert_int_equal(pci_cfg_read(&vp.pci, c + 16, 4), 0);                 /* offset_hi */
	assert_int_equal(pci_cfg_read(&vp.pci, c + 20, 4), 0);                 /* length_hi */
	assert_true(VP_DMB_SHMID <= 255 && VP_DMB_SHMID != 0);                 /* not virtio-fs's DAX */
}

static void the_common_configuration_reaches_dmb_shm_id(void **state)
{
	unsigned c = find_cap(VIRTIO_PCI_CAP_COMMON_CFG);

	(void)state;
	assert_true(pci_cfg_read(&vp.pci, c + 12, 4) >= VIRTIO_PCI_COMMON_DMB_SHM_ID + 2);
	assert_int_equal(r(VIRTIO_PCI_COMMON_DMB_SHM_ID, 2), VP_DMB_SHMID);
	/* 56..63 exist (read as zero) and are read-only. */
	for (unsigned off = VIRTIO_PCI_COMMON_Q_NDATA; off < VIRTIO_PCI_COMMON_DMB_SHM_ID; off += 2) {
		w(off, 2, 0xffff);
		assert_int_equal(r(off, 2), 0);
	}
	w(VIRTIO_PCI_COMMON_DMB_SHM_ID, 2, 7);
	assert_int_equal(r(VIRTIO_PCI_COMMON_DMB_SHM_ID, 2), VP_DMB_SHMID);
}

static void features_ok_takes_one_of_the_two_and_dmb_needs_access_platform(void **state)
{
	static const struct { uint64_t f; bool ok; enum iso_mode mode; } cases[] = {
		{ V1 | AP | SWIOTLB, true, ISO_SWIOTLB },
		{ V1 | SWIOTLB, true, ISO_SWIOTLB },
		{ V1 | AP | DMB, true, ISO_DMB },
		{ V1 | AP | DMB | SWIOTLB, false, ISO_NONE },    /* both */
		{ V1 | DMB, false, ISO_NONE },                  /* DMB without ACCESS_PLATFORM */
		{ V1 | AP, false, ISO_NONE },                   /* neither */
		{ AP | DMB, false, ISO_NONE },                  /* no VERSION_1 */
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t st = negotiate(cases[i].f);

		assert_int_equal(!!(st & VIRTIO_CONFIG_S_FEATURES_OK), cases[i].ok);
		assert_int_equal(vp.iso.mode, cases[i].mode);
		w(VIRTIO_PCI_COMMON_STATUS, 1, 0);
		assert_int_equal(vp.iso.mode, ISO_NONE);
	}
}

static void dmb_addresses_are_offsets_and_zero_is_reserved(void **state)
{
	(void)state;
	place_bounce_bar(BOUNCE_GPA, true);
	assert_int_equal(negotiate(V1 | AP | DMB) & VIRTIO_CONFIG_S_FEATURES_OK, VIRTIO_CONFIG_S_FEATURES_OK);
	assert_ptr_equal(dma_resolve(vp.win, 0x1000, 16), vp.iso.bounce.host + 0x1000);
	assert_ptr_equal(dma_resolve(vp.win, 1, 1), vp.iso.bounce.host + 1);
	assert_ptr_equal(dma_resolve(vp.win, BOUNCE_SIZE - 1, 1), vp.iso.bounce.host + BOUNCE_SIZE - 1);
	assert_null(dma_resolve(vp.win, 0, 16));                        /* offset 0 */
	assert_null(dma_resolve(vp.win, 0, 1));
	assert_null(dma_resolve(vp.win, BOUNCE_SIZE, 1));               /* past the end */
	assert_null(dma_resolve(vp.win, BOUNCE_SIZE - 8, 16));          /* straddling it */
	assert_null(dma_resolve(vp.win, UINT64_MAX - 7, 16));           /* 64-bit wrap */
	assert_null(dma_resolve(vp.win, 0x1000, UINT64_MAX));
	/* A bus address inside BAR2 is not an offset. */
	assert_null(dma_resolve(vp.win, BOUNCE_GPA + 0x1000, 16));
	assert_int_equal(dma_denied(vp.win), 7);
}

static void swiotlb_addresses_are_bus_addresses_not_offsets(void **state)
{
	(void)state;
	place_bounce_bar(BOUNCE_GPA, true);
	negotiate(V1 | AP | SWIOTLB);
	assert_ptr_equal(dma_resolve(vp.win, BOUNCE_GPA + 0x1000, 16), vp.iso.bounce.host + 0x1000);
	assert_null(dma_resolve(vp.win, 0x1000, 16));           /* a valid offset, not an address */
}

static void dmb_offsets_do_not_move_with_the_bar_but_decoding_off_stops_all(void **state)
{
	(void)state;
	place_bounce_bar(BOUNCE_GPA, true);
	negotiate(V1 | AP | DMB);
	place_bounce_bar(BOUNCE_GPA + 0x100000, true);                  /* moved */
	assert_ptr_equal(dma_resolve(vp.win, 0x2000, 16), vp.iso.bounce.host + 0x2000);
	place_bounce_bar(BOUNCE_GPA + 0x100000, false);                 /* decoding off */
	assert_null(dma_resolve(vp.win, 0x2000, 16));
	pci_cfg_write(&vp.pci, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_non_null(dma_resolve(vp.win, 0x2000, 16));
}

/* Rings at offsets work; a ring at offset 0 or past the region is refused
 * with NEEDS_RESET, like any ring outside the window. */
static void dmb_rings_live_at_offsets(void **state)
{
	(void)state;
	place_bounce_bar(BOUNCE_GPA, true);
	negotiate(V1 | AP | DMB);
	w(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	w(VIRTIO_PCI_COMMON_Q_SIZE, 2, 16);
	w(VIRTIO_PCI_COMMON_Q_DESCLO, 4, 0x1000);
	w(VIRTIO_PCI_COMMON_Q_AVAILLO, 4, 0x2000);
	w(VIRTIO_PCI_COMMON_Q_USEDLO, 4, 0x3000);
	w(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_int_equal(r(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	assert_false(r(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	w(VIRTIO_PCI_COMMON_STATUS, 1, 0);
	negotiate(V1 | AP | DMB);
	w(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	w(VIRTIO_PCI_COMMON_Q_SIZE, 2, 16);
	w(VIRTIO_PCI_COMMON_Q_DESCLO, 4, 0);                            /* offset 0 */
	w(VIRTIO_PCI_COMMON_Q_AVAILLO, 4, 0x2000);
	w(VIRTIO_PCI_COMMON_Q_USEDLO, 4, BOUNCE_SIZE - 8);              /* past the end */
	w(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_true(r(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void the_summary_names_the_negotiated_mode(void **state)
{
	struct vp_counters c;

	(void)state;
	virtio_pci_counters(&vp, &c);
	assert_string_equal(iso_mode_name(c.mode), "none");
	negotiate(V1 | AP | DMB);
	virtio_pci_counters(&vp, &c);
	assert_string_equal(iso_mode_name(c.mode), "dmb");
	w(VIRTIO_PCI_COMMON_STATUS, 1, 0);
	virtio_pci_counters(&vp, &c);
	assert_string_equal(iso_mode_name(c.mode), "dmb");     /* a reset (at power-off) keeps it */
	negotiate(V1 | AP | SWIOTLB);
	virtio_pci_counters(&vp, &c);
	assert_string_equal(iso_mode_name(c.mode), "swiotlb");
}

static void off_mode_is_named_off(void **state)
{
	struct vp_counters c;

	(void)state;
	negotiate(V1);
	virtio_pci_counters(&vp, &c);
	assert_string_equal(iso_mode_name(c.mode), "off");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define S(f) cmocka_unit_test_setup_teardown(f, setup_strict, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		S(strict_devices_offer_both_bits_with_access_platform),
		T(off_mode_devices_offer_neither),
		S(the_region_is_a_shared_memory_capability_on_bar2),
		S(the_common_configuration_reaches_dmb_shm_id),
		S(features_ok_takes_one_of_the_two_and_dmb_needs_access_platform),
		S(dmb_addresses_are_offsets_and_zero_is_reserved),
		S(swiotlb_addresses_are_bus_addresses_not_offsets),
		S(dmb_offsets_do_not_move_with_the_bar_but_decoding_off_stops_all),
		S(dmb_rings_live_at_offsets),
		S(the_summary_names_the_negotiated_mode),
		T(off_mode_is_named_off),
	};
	return cmocka_run_group_tests_name("dmb", tests, NULL, NULL);
}
