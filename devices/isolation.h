/* The isolation policy of a virtio-pci function: what it reaches and when.
 * Isolation off: guest RAM. Strict: its bounce region alone (BAR2, named by
 * the VIRTIO_PCI_CAP_SWIOTLB capability), only while BAR2 decodes and the
 * driver has accepted VIRTIO_F_SWIOTLB; a driver that declines gets no
 * device. The register model (virtio_pci.c) asks this file wherever the
 * policy decides; a second policy (VIRTIO_F_DMB) goes here too. It knows
 * nothing of the transport's registers. */
#ifndef AIRLOCK_ISOLATION_H
#define AIRLOCK_ISOLATION_H

#include "dma.h"

#include <stdbool.h>
#include <stdint.h>

/* A bounce region: host memory (a memfd mapping) the host hands a device
 * in strict mode and frees after it. size 0: none (isolation off). */
struct bounce_region {
	uint8_t *host;
	int fd;                 /* its memfd, or -1 */
	uint64_t size;
};

/* The one rule for bounce region sizes: a power of two from 4K to 1G. */
#define BOUNCE_MIN 4096ULL
#define BOUNCE_MAX (1ULL << 30)
bool bounce_size_valid(uint64_t size);

struct isolation {
	struct dma_window win;          /* what device code may reach */
	struct bounce_region bounce;    /* strict: the region (size 0: off) */
	uint64_t bounce_addr;           /* where BAR2 decodes, while mapped */
	bool bounce_mapped;
};

/* Off (b NULL or size 0): the window is ram. Strict: b, which must be a
 * valid size. 0, or -1 (the caller says why). */
int isolation_init(struct isolation *iso, const struct dma_window *ram, const struct bounce_region *b);
void isolation_destroy(struct isolation *iso);
static inline bool isolation_strict(const struct isolation *iso)
{
	return iso->bounce.size != 0;
}

/* The feature bits the policy offers (strict: SWIOTLB, ACCESS_PLATFORM). */
uint64_t isolation_features(const struct isolation *iso);

/* At FEATURES_OK: NULL when the driver's features may stand, or why not. */
const char *isolation_refusal(const struct isolation *iso, uint64_t driver_features);

/* The window again, after the status, the features or BAR2 changed:
 * strict, the bounce region only while BAR2 decodes and the driver has
 * FEATURES_OK with SWIOTLB. Anything in flight when the BAR moves or stops
 * decoding resolves against the new window or fails; nothing is ever
 * resolved against a stale range. */
void isolation_update(struct isolation *iso, bool features_ok, uint64_t driver_features);

/* BAR2 now decodes at addr (mapped) or no longer does; then update. */
void isolation_bounce_moved(struct isolation *iso, uint64_t addr, bool mapped);

#endif
