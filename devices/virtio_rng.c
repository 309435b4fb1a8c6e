/* virtio-rng (virtio 1.2 §5.4): one queue; every writable buffer the driver
 * posts is filled from getrandom(). */
#include "virtio_rng.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static uint32_t rng_fill(struct virtio_device *d, const struct virtio_io *io, unsigned q,
			 const struct virtq_chain *c)
{
	uint32_t done = 0;

	(void)d;
	(void)q;

	for (unsigned i = c->nread; i < c->n; i++) {
		const struct virtq_buf *b = &c->buf[i];
		uint8_t *p = b->len ? dma_resolve(io->win, b->addr, b->len) : NULL;
		ssize_t n;

		if (!p)
			break;
		n = getrandom(p, b->len, 0);
		if (n < 0)
			break;
		done += (uint32_t)n;
		if ((uint32_t)n < b->len)
			break;
	}
	return done;
}

static void rng_config_read(struct virtio_device *d, unsigned off, void *data, unsigned len)
{
	(void)d;
	(void)off;
	memset(data, 0, len);
}

struct virtio_device *virtio_rng_create(void)
{
	struct virtio_rng *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->dev.name = "virtio-rng";
	r->dev.type = 4;
	r->dev.pci_class = 0x00ff0000;
	r->dev.nqueues = 1;
	r->dev.queue_max = 64;
	r->dev.config_len = 0;
	r->dev.config_read = rng_config_read;
	r->dev.request = rng_fill;
	r->dev.request_queues = 1;
	return &r->dev;
}
