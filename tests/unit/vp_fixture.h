/* The transport under test without KVM: an rng device over a small guest
 * RAM at GPA, fake host operations, register helpers. Shared by the
 * transport's unit tests (test_virtio_pci.c, test_dmb.c). */
#ifndef AIRLOCK_VP_FIXTURE_H
#define AIRLOCK_VP_FIXTURE_H

#include "devices/virtio_rng.h"
#include "vmm/mem.h"
#include "lib/log.h"

#define GPA  0x100000ULL
#define DESC (GPA + 0x0000)
#define AVAIL (GPA + 0x1000)
#define USED (GPA + 0x2000)

static uint8_t mem[0x4000];
static struct dma_window win;
static struct virtio_pci vp;
static struct virtio_device *dev;
static struct bounce_region bounce;
static int intx_level, maps;

static inline int map_bar(void *h, struct virtio_pci *v, uint64_t a, bool m) { (void)h; (void)v; (void)a; maps += m ? 1 : -1; return 0; }
static inline int irq_alloc(void *h, int *efd) { static int gsi = 24; (void)h; *efd = -1; return gsi++; }
static inline int irq_route(void *h, struct virtio_pci *v, int g, uint64_t a, uint32_t d) { (void)h; (void)v; (void)g; (void)a; (void)d; return 0; }
static inline void intx(void *h, unsigned g, int l) { (void)h; (void)g; intx_level = l; }
static int bounce_maps;
static inline int map_bounce(void *h, struct virtio_pci *v, uint64_t a, bool m) { (void)h; (void)v; (void)a; bounce_maps += m ? 1 : -1; return 0; }
static const struct virtio_host_ops ops = { map_bar, map_bounce, irq_alloc, irq_route, intx };

static inline void w(unsigned off, unsigned len, uint32_t v) { virtio_pci_bar_io(&vp, off, (uint8_t *)&v, len, true); }
static inline uint32_t r(unsigned off, unsigned len) { uint32_t v = 0; virtio_pci_bar_io(&vp, off, (uint8_t *)&v, len, false); return v; }

/* An rng device over guest RAM at GPA; bounce_size 0 is isolation off. */
static inline int make_device(uint64_t bounce_size)
{
	log_level = LOG_ERROR;
	memset(mem, 0, sizeof(mem));
	dma_window_init(&win);
	dma_window_add(&win, GPA, sizeof(mem), mem);
	dev = virtio_rng_create();
	intx_level = 0;
	bounce_maps = 0;
	bounce = (struct bounce_region){ .fd = -1 };
	if (bounce_size)
		assert_int_equal(bounce_region_create(&bounce, bounce_size), 0);
	assert_int_equal(virtio_pci_init(&vp, dev, &win, &bounce, &ops, NULL), 0);
	return 0;
}

static inline int setup(void **state)
{
	(void)state;
	return make_device(0);
}

static inline int teardown(void **state)
{
	(void)state;
	virtio_pci_destroy(&vp);
	bounce_region_destroy(&bounce);
	free(dev);
	dma_window_destroy(&win);
	return 0;
}

/* ACKNOWLEDGE | DRIVER, features, FEATURES_OK; returns the status read back. */
static inline uint8_t negotiate(uint64_t features)
{
	w(VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	w(VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	w(VIRTIO_PCI_COMMON_GF, 4, (uint32_t)features);
	w(VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	w(VIRTIO_PCI_COMMON_GF, 4, (uint32_t)(features >> 32));
	w(VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	return (uint8_t)r(VIRTIO_PCI_COMMON_STATUS, 1);
}

#define BOUNCE_SIZE 0x10000
#define BOUNCE_GPA  0x1000000000ULL

static inline int setup_strict(void **state)
{
	(void)state;
	return make_device(BOUNCE_SIZE);
}

static inline void place_bounce_bar(uint64_t at, bool decode)
{
	pci_cfg_write(&vp.pci, PCI_BASE_ADDRESS_0 + 8, 4, (uint32_t)at);
	pci_cfg_write(&vp.pci, PCI_BASE_ADDRESS_0 + 12, 4, (uint32_t)(at >> 32));
	pci_cfg_write(&vp.pci, PCI_COMMAND, 2,
		      decode ? PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER : PCI_COMMAND_MASTER);
}

static inline void setup_queue(uint16_t size)
{
	w(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	w(VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
	w(VIRTIO_PCI_COMMON_Q_DESCLO, 4, (uint32_t)DESC);
	w(VIRTIO_PCI_COMMON_Q_DESCHI, 4, 0);
	w(VIRTIO_PCI_COMMON_Q_AVAILLO, 4, (uint32_t)AVAIL);
	w(VIRTIO_PCI_COMMON_Q_AVAILHI, 4, 0);
	w(VIRTIO_PCI_COMMON_Q_USEDLO, 4, (uint32_t)USED);
	w(VIRTIO_PCI_COMMON_Q_USEDHI, 4, 0);
	w(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
}

#endif
