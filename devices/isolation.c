#include "isolation.h"

#include "virtio_regs.h"

bool bounce_size_valid(uint64_t size)
{
	return size >= BOUNCE_MIN && size <= BOUNCE_MAX && !(size & (size - 1));
}

int isolation_init(struct isolation *iso, const struct dma_window *ram, const struct bounce_region *b)
{
	*iso = (struct isolation){ .bounce = { .fd = -1 } };
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
	return 0;
}

void isolation_destroy(struct isolation *iso)
{
	dma_window_destroy(&iso->win);
}

uint64_t isolation_features(const struct isolation *iso)
{
	return isolation_strict(iso) ? 1ULL << VIRTIO_F_SWIOTLB | 1ULL << VIRTIO_F_ACCESS_PLATFORM : 0;
}

const char *isolation_refusal(const struct isolation *iso, uint64_t driver_features)
{
	/* Strict isolation: a driver that will not keep its DMA in the bounce
	 * region gets no device (the proposal's MAY fail). */
	if (isolation_strict(iso) && !(driver_features & (1ULL << VIRTIO_F_SWIOTLB)))
		return "driver declined VIRTIO_F_SWIOTLB: load the airlock guest driver, or run with "
		       "--isolation off";
	return NULL;
}

void isolation_update(struct isolation *iso, bool features_ok, uint64_t driver_features)
{
	if (!isolation_strict(iso))
		return;
	dma_window_clear(&iso->win);
	if (iso->bounce_mapped && features_ok && (driver_features & (1ULL << VIRTIO_F_SWIOTLB)))
		dma_window_add(&iso->win, iso->bounce_addr, iso->bounce.size, iso->bounce.host);
}

void isolation_bounce_moved(struct isolation *iso, uint64_t addr, bool mapped)
{
	iso->bounce_addr = addr;
	iso->bounce_mapped = mapped;
}
