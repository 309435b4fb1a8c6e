#include "isolation.h"

#include "virtio_regs.h"

bool bounce_size_valid(uint64_t size)
{
	return size >= BOUNCE_MIN && size <= BOUNCE_MAX && !(size & (size - 1));
}

const char *iso_mode_name(enum iso_mode m)
{
	static const char *const names[] = { "off", "none", "swiotlb", "dmb" };

	return m <= ISO_DMB ? names[m] : "?";
}

int isolation_init(struct isolation *iso, const struct dma_window *ram, const struct bounce_region *b)
{
	*iso = (struct isolation){ .bounce = { .fd = -1 }, .mode = ISO_OFF, .negotiated = ISO_OFF };
	dma_window_init(&iso->win);
	/* Isolation off: guest RAM, in a window of the device's own so that
	 * its denials are counted apart from the other devices'. */
	if (!b || !b->size) {
		for (unsigned i = 0; i < ram->nr; i++)
			dma_window_add(&iso->win, ram->r[i].gpa, ram->r[i].len, ram->r[i].host);
		return 0;
	}
	if (!bounce_size_valid(b->size) || !b->host)
		return -1;
	iso->bounce = *b;
	iso->mode = iso->negotiated = ISO_NONE;
	iso->shmid = VP_DMB_SHMID;
	return 0;
}

void isolation_destroy(struct isolation *iso)
{
	dma_window_destroy(&iso->win);
}

uint64_t isolation_features(const struct isolation *iso)
{
	return isolation_strict(iso) ? 1ULL << VIRTIO_F_SWIOTLB | 1ULL << VIRTIO_F_DMB |
					       1ULL << VIRTIO_F_ACCESS_PLATFORM
				     : 0;
}

uint16_t isolation_shmid(const struct isolation *iso)
{
	return isolation_strict(iso) ? iso->shmid : 0;
}

const char *isolation_refusal(const struct isolation *iso, uint64_t driver_features)
{
	bool swiotlb = driver_features & (1ULL << VIRTIO_F_SWIOTLB);
	bool dmb = driver_features & (1ULL << VIRTIO_F_DMB);

	/* Strict isolation: a driver that will not keep its DMA in the
	 * region gets no device (both proposals' MAY fail). */
	if (!isolation_strict(iso))
		return NULL;
	if (swiotlb && dmb)
		return "driver accepted both VIRTIO_F_SWIOTLB and VIRTIO_F_DMB (at most one)";
	if (dmb && !(driver_features & (1ULL << VIRTIO_F_ACCESS_PLATFORM)))
		return "driver accepted VIRTIO_F_DMB without VIRTIO_F_ACCESS_PLATFORM";
	if (!swiotlb && !dmb)
		return "driver declined VIRTIO_F_SWIOTLB and VIRTIO_F_DMB: load the airlock guest "
		       "driver, or run with --isolation off";
	return NULL;
}

void isolation_update(struct isolation *iso, bool features_ok, uint64_t driver_features)
{
	if (!isolation_strict(iso))
		return;
	iso->mode = !features_ok ? ISO_NONE
		    : driver_features & (1ULL << VIRTIO_F_DMB) ? ISO_DMB
		    : driver_features & (1ULL << VIRTIO_F_SWIOTLB) ? ISO_SWIOTLB
		    : ISO_NONE;
	if (iso->mode != ISO_NONE)
		iso->negotiated = iso->mode;
	dma_window_clear(&iso->win);
	if (!iso->bounce_mapped)
		return;         /* BAR2 does not decode: no access at all */
	if (iso->mode == ISO_SWIOTLB)
		dma_window_add(&iso->win, iso->bounce_addr, iso->bounce.size, iso->bounce.host);
	else if (iso->mode == ISO_DMB)  /* offsets; offset 0 is reserved */
		dma_window_add(&iso->win, 1, iso->bounce.size - 1, iso->bounce.host + 1);
}

void isolation_bounce_moved(struct isolation *iso, uint64_t addr, bool mapped)
{
	iso->bounce_addr = addr;
	iso->bounce_mapped = mapped;
}
