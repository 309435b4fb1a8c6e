/* The isolation policy of a virtio-pci function: what it reaches and when.
 * Isolation off: guest RAM. Strict: its region alone (BAR2), only while
 * BAR2 decodes, named in one of two ways the driver picks at most one of:
 * VIRTIO_F_SWIOTLB (bit 27; cfg_type 10): addresses are bus addresses
 * inside BAR2, so the window follows the BAR; VIRTIO_F_DMB (bit 44, the
 * 2026 proposal; a cfg_type 8 shared-memory capability and dmb_shm_id):
 * every address is an offset into the region, 0 reserved, and BAR moves do
 * not matter. A driver that accepts neither, or both, or DMB without
 * ACCESS_PLATFORM, gets no device. The register model (virtio_pci.c) asks
 * this file wherever the policy decides; it knows nothing of registers. */
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

/* The one rule for bounce region sizes: a power of two from 64K to 1G.
 * Below 64K a device's rings leave too little room for one request (the
 * guest driver refuses such a region; I/O would wait for ever). */
#define BOUNCE_MIN 65536ULL
#define BOUNCE_MAX (1ULL << 30)
bool bounce_size_valid(uint64_t size);

/* What the driver negotiated (at FEATURES_OK), for the summary too. */
enum iso_mode { ISO_OFF, ISO_NONE, ISO_SWIOTLB, ISO_DMB };
const char *iso_mode_name(enum iso_mode m);   /* "off", "none", "swiotlb", "dmb" */

struct isolation {
	struct dma_window win;          /* what device code may reach */
	struct bounce_region bounce;    /* strict: the region (size 0: off) */
	uint64_t bounce_addr;           /* where BAR2 decodes, while mapped */
	bool bounce_mapped;
	enum iso_mode mode;             /* strict: ISO_NONE until FEATURES_OK */
	enum iso_mode negotiated;       /* the last mode FEATURES_OK took (for the summary:
					 * a reset at power-off does not clear it) */
	uint16_t shmid;                 /* strict: what dmb_shm_id reports (VP_DMB_SHMID,
					 * the id of the region's capability) */
};

/* Off (b NULL or size 0): the window is ram. Strict: b, which must be a
 * valid size. 0, or -1 (the caller says why). */
int isolation_init(struct isolation *iso, const struct dma_window *ram, const struct bounce_region *b);
void isolation_destroy(struct isolation *iso);
static inline bool isolation_strict(const struct isolation *iso)
{
	return iso->bounce.size != 0;
}

/* The feature bits the policy offers (strict: SWIOTLB, DMB, ACCESS_PLATFORM). */
uint64_t isolation_features(const struct isolation *iso);

/* At FEATURES_OK: NULL when the driver's features may stand, or why not. */
const char *isolation_refusal(const struct isolation *iso, uint64_t driver_features);

/* The shmid dmb_shm_id reports (strict: iso->shmid), else 0. */
uint16_t isolation_shmid(const struct isolation *iso);

/* The window again, after the status, the features or BAR2 changed:
 * strict, the region only while BAR2 decodes and the driver has FEATURES_OK
 * with SWIOTLB (at BAR2's address) or DMB (at offset 0, which is refused).
 * Anything in flight when the BAR moves or stops decoding resolves against
 * the new window or fails; nothing is ever resolved against a stale range. */
void isolation_update(struct isolation *iso, bool features_ok, uint64_t driver_features);

/* BAR2 now decodes at addr (mapped) or no longer does; then update. */
void isolation_bounce_moved(struct isolation *iso, uint64_t addr, bool mapped);

#endif
