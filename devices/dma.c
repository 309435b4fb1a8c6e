#include "dma.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

void dma_window_init(struct dma_window *w)
{
	memset(w, 0, sizeof(*w));
	pthread_rwlock_init(&w->lock, NULL);
}

void dma_window_destroy(struct dma_window *w)
{
	pthread_rwlock_destroy(&w->lock);
}

int dma_window_add(struct dma_window *w, uint64_t gpa, uint64_t len, void *host)
{
	uint64_t last;
	int ret = 0;

	if (len == 0 || !host || __builtin_add_overflow(gpa, len - 1, &last))
		return -EINVAL;
	pthread_rwlock_wrlock(&w->lock);
	if (w->nr == DMA_MAX_RANGES)
		ret = -ENOSPC;
	else
		w->r[w->nr++] = (struct dma_range){ gpa, len, host };
	pthread_rwlock_unlock(&w->lock);
	return ret;
}

void dma_window_clear(struct dma_window *w)
{
	pthread_rwlock_wrlock(&w->lock);
	w->nr = 0;
	pthread_rwlock_unlock(&w->lock);
}

/* Caller holds the lock. */
static void *lookup(const struct dma_window *w, uint64_t addr, uint64_t len)
{
	uint64_t last;

	if (len == 0 || __builtin_add_overflow(addr, len - 1, &last))
		return NULL;
	for (unsigned i = 0; i < w->nr; i++) {
		const struct dma_range *r = &w->r[i];

		/* r->gpa + r->len - 1 cannot wrap: checked when added. */
		if (addr >= r->gpa && last <= r->gpa + (r->len - 1))
			return r->host + (addr - r->gpa);
	}
	return NULL;
}

void *dma_resolve(struct dma_window *w, uint64_t addr, uint64_t len)
{
	void *p;

	pthread_rwlock_rdlock(&w->lock);
	p = lookup(w, addr, len);
	pthread_rwlock_unlock(&w->lock);
	if (!p)
		__atomic_add_fetch(&w->denied, 1, __ATOMIC_RELAXED);
	return p;
}

/* Copies between the guest range and buf while the window cannot change. */
static int copy(struct dma_window *w, uint64_t addr, void *buf, size_t len, bool to_guest)
{
	void *p;

	pthread_rwlock_rdlock(&w->lock);
	p = lookup(w, addr, len);
	if (p && to_guest)
		memcpy(p, buf, len);
	else if (p)
		memcpy(buf, p, len);
	pthread_rwlock_unlock(&w->lock);
	if (!p) {
		__atomic_add_fetch(&w->denied, 1, __ATOMIC_RELAXED);
		return -EFAULT;
	}
	return 0;
}

int dma_read(struct dma_window *w, uint64_t addr, void *dst, size_t len)
{
	return copy(w, addr, dst, len, false);
}

int dma_write(struct dma_window *w, uint64_t addr, const void *src, size_t len)
{
	return copy(w, addr, (void *)src, len, true);
}

uint64_t dma_denied(struct dma_window *w)
{
	return __atomic_load_n(&w->denied, __ATOMIC_RELAXED);
}
