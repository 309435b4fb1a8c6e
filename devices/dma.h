/* The DMA window: the one door from device code to guest-visible memory.
 *
 * A window holds the guest-physical ranges a device may reach (all of guest
 * RAM with isolation off; its bounce region alone in strict mode). Every
 * access names [addr, addr+len) and is checked as a whole, with overflow
 * checks, against one range; anything else is refused and counted. Device
 * code never holds a pointer wider than the range it asked for. */
#ifndef AIRLOCK_DMA_H
#define AIRLOCK_DMA_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define DMA_MAX_RANGES 4

struct dma_range {
	uint64_t gpa, len;
	uint8_t *host;
};

struct dma_window {
	pthread_rwlock_t lock;
	unsigned nr;
	struct dma_range r[DMA_MAX_RANGES];
	uint64_t denied;        /* refused accesses */
};

void dma_window_init(struct dma_window *w);
void dma_window_destroy(struct dma_window *w);

/* 0, -EINVAL (empty or wrapping) or -ENOSPC. */
int dma_window_add(struct dma_window *w, uint64_t gpa, uint64_t len, void *host);
/* Closes the window: every later access is refused until ranges are added. */
void dma_window_clear(struct dma_window *w);

/* Host address of [addr, addr+len), valid for exactly len bytes until the
 * window next changes (device code holds the transport lock, which every
 * change to a device's window takes); NULL (and counted) when the range is
 * empty, wraps, or is not wholly inside one allowed range. */
void *dma_resolve(struct dma_window *w, uint64_t addr, uint64_t len);

/* Copies between the guest and a host buffer. 0, or -EFAULT (counted). */
int dma_read(struct dma_window *w, uint64_t addr, void *dst, size_t len);
int dma_write(struct dma_window *w, uint64_t addr, const void *src, size_t len);

uint64_t dma_denied(struct dma_window *w);

#endif
