/* Queues another process serves (devices/virtio_ext.c): when the backend
 * is started and stopped, and exactly what memory and rings it is given,
 * with a fake backend model that records each call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include "devices/virtio_pci.h"
#include "vp_fixture.h"

#define RAM_GPA  0x100000ULL
#define BSIZE    0x10000ULL
#define BAR_A    0x1000000000ULL
#define BAR_B    0x2000000000ULL
#define FEAT_DEV (1ULL << 9)

static uint8_t ram[0x4000];
static struct virtio_device xdev;
static int starts, stops, fail_start;
static struct vp_ext_state last;

/* The fixture's host, but with real irqfds (a backend needs a call fd). */
static int irq_efd(void *h, int *efd) { static int gsi = 24; (void)h; *efd = eventfd(0, EFD_CLOEXEC); return gsi++; }
static const struct virtio_host_ops xops = { map_bar, map_bounce, irq_efd, irq_route, intx };

static int fake_start(struct virtio_device *d, const struct vp_ext_state *s, char *why, size_t len)
{
	(void)d;
	starts++;
	last = *s;
	if (fail_start) {
		snprintf(why, len, "backend said no");
		return -1;
	}
	return 0;
}
static int fake_stop(struct virtio_device *d, char *why, size_t len) { (void)d; (void)why; (void)len; stops++; return 0; }
static const struct virtio_ext_ops fake = { fake_start, fake_stop };
static void cfg_read(struct virtio_device *d, unsigned off, void *data, unsigned len) { (void)d; (void)off; memset(data, 0, len); }


static void make(uint64_t bsize)
{
	log_level = LOG_ERROR;
	starts = stops = fail_start = 0;
	dma_window_init(&win);
	dma_window_add(&win, RAM_GPA, sizeof(ram), ram);
	xdev = (struct virtio_device){ .name = "fake-vhost", .type = 2, .nqueues = 2, .queue_max = 64,
				      .config_read = cfg_read, .host_fd = -1, .ext = &fake,
				      .features = 1ULL << VIRTIO_F_VERSION_1 | FEAT_DEV };
	bounce = (struct bounce_region){ .fd = -1 };
	if (bsize)
		assert_int_equal(bounce_region_create(&bounce, bsize), 0);
	assert_int_equal(virtio_pci_init(&vp, &xdev, &win, &bounce, &xops, NULL), 0);
	vp.ram[0] = (struct vp_mem_region){ RAM_GPA, sizeof(ram), (uint64_t)(uintptr_t)ram, 0, 77 };
	vp.nram = 1;
	/* MSI-X on, as a Linux driver has it. */
	pci_cfg_write(&vp.pci, vp.msix.cap + 2, 2, 0x8000);
}

static int xteardown(void **state)
{
	(void)state;
	virtio_pci_destroy(&vp);
	bounce_region_destroy(&bounce);
	dma_window_destroy(&win);
	return 0;
}

static void place(uint64_t at, uint16_t cmd)
{
	pci_cfg_write(&vp.pci, PCI_BASE_ADDRESS_0 + 8, 4, (uint32_t)at);
	pci_cfg_write(&vp.pci, PCI_BASE_ADDRESS_0 + 12, 4, (uint32_t)(at >> 32));
	pci_cfg_write(&vp.pci, PCI_COMMAND, 2, cmd);
}

/* Queue 0 at base (desc, avail +0x400, used +0x800), size 16, vector 1. */
static void queue0(uint64_t base)
{
	w(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	w(VIRTIO_PCI_COMMON_Q_SIZE, 2, 16);
	w(VIRTIO_PCI_COMMON_Q_MSIX, 2, 1);
	w(VIRTIO_PCI_COMMON_Q_DESCLO, 4, (uint32_t)base);
	w(VIRTIO_PCI_COMMON_Q_DESCHI, 4, (uint32_t)(base >> 32));
	w(VIRTIO_PCI_COMMON_Q_AVAILLO, 4, (uint32_t)(base + 0x400));
	w(VIRTIO_PCI_COMMON_Q_AVAILHI, 4, (uint32_t)((base + 0x400) >> 32));
	w(VIRTIO_PCI_COMMON_Q_USEDLO, 4, (uint32_t)(base + 0x800));
	w(VIRTIO_PCI_COMMON_Q_USEDHI, 4, (uint32_t)((base + 0x800) >> 32));
	w(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
}

static void driver_ok(void)
{
	w(VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
	  VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
}

#define DMB_FEATURES (1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_ACCESS_PLATFORM | 1ULL << VIRTIO_F_DMB | FEAT_DEV)
#define B27_FEATURES (1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_ACCESS_PLATFORM | 1ULL << VIRTIO_F_SWIOTLB | FEAT_DEV)

/* DMB: the backend gets the region alone at GPA 0, the rings as keys in
 * it, the notify and irq fds, and none of the isolation bits. */
static void dmb_gives_the_region_alone(void **state)
{
	(void)state;
	make(BSIZE);
	place(BAR_A, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	negotiate(DMB_FEATURES);
	queue0(0x1000);
	assert_int_equal(starts, 0);            /* not before DRIVER_OK */
	driver_ok();
	assert_int_equal(starts, 1);
	assert_int_equal(last.nmem, 1);
	assert_true(last.mem[0].gpa == 0 && last.mem[0].size == BSIZE && last.mem[0].fd == bounce.fd);
	assert_true(last.mem[0].uaddr == (uint64_t)(uintptr_t)bounce.host);
	assert_true(last.features == (1ULL << VIRTIO_F_VERSION_1 | FEAT_DEV));
	assert_int_equal(last.q[0].size, 16);
	assert_true(last.q[0].desc == (uint64_t)(uintptr_t)bounce.host + 0x1000);
	assert_true(last.q[0].used == (uint64_t)(uintptr_t)bounce.host + 0x1800);
	assert_int_equal(last.q[0].kick_fd, vp.q[0].notify_fd);
	assert_int_equal(last.q[0].call_fd, vp.vec_fd[1]);
	assert_int_equal(last.q[1].size, 0);    /* not enabled */
	/* The window stops: decoding off, bus mastering off, reset. */
	place(BAR_A, PCI_COMMAND_MASTER);
	assert_int_equal(stops, 1);
	place(BAR_A, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(starts, 2);
	/* A move is an unmap and a map: stopped, then started again on the
	 * same offsets (DMB does not follow the BAR). */
	place(BAR_B, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(stops, 2);
	assert_int_equal(starts, 3);
	assert_true(last.mem[0].gpa == 0 && last.q[0].desc == (uint64_t)(uintptr_t)bounce.host + 0x1000);
	pci_cfg_write(&vp.pci, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(stops, 3);
	pci_cfg_write(&vp.pci, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(starts, 4);
	w(VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_int_equal(stops, 4);
	assert_int_equal(starts, 4);
}

/* Bit 27: the region at BAR2's address, following it when it moves. */
static void swiotlb_follows_the_bar(void **state)
{
	(void)state;
	make(BSIZE);
	place(BAR_A, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	negotiate(B27_FEATURES);
	queue0(BAR_A + 0x1000);
	driver_ok();
	assert_int_equal(starts, 1);
	assert_true(last.mem[0].gpa == BAR_A && last.mem[0].size == BSIZE);
	assert_true(last.q[0].desc == (uint64_t)(uintptr_t)bounce.host + 0x1000);
	/* Moved: stopped first; the rings' bus addresses did not move with
	 * it, so they are outside the new window: refused, not started. */
	place(BAR_B, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(stops, 1);
	assert_int_equal(starts, 1);
	assert_true(r(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* A reset and the queue again at the new place: started there. */
	w(VIRTIO_PCI_COMMON_STATUS, 1, 0);
	negotiate(B27_FEATURES);
	queue0(BAR_B + 0x1000);
	driver_ok();
	assert_int_equal(starts, 2);
	assert_true(last.mem[0].gpa == BAR_B);
	assert_true(last.q[0].desc == (uint64_t)(uintptr_t)bounce.host + 0x1000);
}

/* Rings outside the window: the backend is not started, the device needs
 * a reset, the refusal is counted. */
static void rings_outside_are_refused(void **state)
{
	struct vp_counters c;

	(void)state;
	make(BSIZE);
	place(BAR_A, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	negotiate(DMB_FEATURES);
	queue0(BSIZE - 0x100);                   /* the used ring runs past the end */
	driver_ok();
	assert_int_equal(starts, 0);
	assert_true(r(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	virtio_pci_counters(&vp, &c);
	assert_true(c.ring_refusals >= 1);
}

/* A backend that fails: NEEDS_RESET, counted; nothing more until the
 * driver resets the device. */
static void failed_start_needs_reset(void **state)
{
	struct vp_counters c;

	(void)state;
	make(BSIZE);
	fail_start = 1;
	place(BAR_A, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	negotiate(DMB_FEATURES);
	queue0(0x1000);
	driver_ok();
	assert_int_equal(starts, 1);
	assert_true(r(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	virtio_pci_counters(&vp, &c);
	assert_int_equal(c.backend_failures, 1);
	place(BAR_B, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(starts, 1);
	assert_int_equal(stops, 0);
}

/* Isolation off: guest RAM as the host described it; the transport
 * offers only the transport bits the backend has. */
static void off_gives_guest_ram(void **state)
{
	(void)state;
	make(0);
	assert_false(vp.offered & (1ULL << VIRTIO_RING_F_EVENT_IDX));
	pci_cfg_write(&vp.pci, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	negotiate(1ULL << VIRTIO_F_VERSION_1);
	queue0(RAM_GPA);
	driver_ok();
	assert_int_equal(starts, 1);
	assert_true(last.nmem == 1 && last.mem[0].gpa == RAM_GPA && last.mem[0].fd == 77);
	assert_true(last.q[0].desc == (uint64_t)(uintptr_t)ram);
}

/* No MSI-X: the backend signals a relay fd, and the interrupt it stands
 * for is raised by airlock (INTx here). */
static void intx_is_relayed(void **state)
{
	uint64_t one = 1;

	(void)state;
	make(0);
	pci_cfg_write(&vp.pci, vp.msix.cap + 2, 2, 0);
	pci_cfg_write(&vp.pci, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	negotiate(1ULL << VIRTIO_F_VERSION_1);
	queue0(RAM_GPA);
	driver_ok();
	assert_int_equal(starts, 1);
	assert_int_equal(last.q[0].call_fd, vp.q[0].relay_fd);
	assert_int_equal(write(vp.q[0].relay_fd, &one, 8), 8);
	intx_level = 0;
	virtio_pci_relay(&vp, 0);
	assert_int_equal(intx_level, 1);
	assert_int_equal(r(VP_ISR_OFF, 1) & 1, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(dmb_gives_the_region_alone, xteardown),
		cmocka_unit_test_teardown(swiotlb_follows_the_bar, xteardown),
		cmocka_unit_test_teardown(rings_outside_are_refused, xteardown),
		cmocka_unit_test_teardown(failed_start_needs_reset, xteardown),
		cmocka_unit_test_teardown(off_gives_guest_ram, xteardown),
		cmocka_unit_test_teardown(intx_is_relayed, xteardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
