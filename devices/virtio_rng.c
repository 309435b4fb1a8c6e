/* virtio-rng (virtio 1.2 §5.4): one queue; every writable buffer the driver
 * posts is filled from getrandom(). */
#include "virtio_rng.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static void rng_notify(struct virtio_device *d, unsigned qi)
{
	struct virtio_pci *vp = d->vp;
	struct virtio_rng *r = (struct virtio_rng *)d;
	struct virtq *q = virtio_queue(vp, qi);
	int got;

	while (q && (got = virtq_pop(q, &r->chain)) != 0) {
		uint32_t done = 0;

		if (got < 0) {
			virtio_queue_fault(vp, qi);
			return;
		}
		for (unsigned i = 0; i < r->chain.n; i++) {
			const struct virtq_buf *b = &r->chain.buf[i];
			uint8_t *p;
			ssize_t n;

			if (!b->write || !b->len)
				continue;
			p = dma_resolve(vp->win, b->addr, b->len);
			if (!p)
				break;
			n = getrandom(p, b->len, 0);
			if (n < 0)
				break;
			done += (uint32_t)n;
			if ((uint32_t)n < b->len)
				break;
		}
		vp->requests++;
		if (virtq_push(q, r->chain.head, done) < 0) {
			virtio_queue_fault(vp, qi);
			return;
		}
		virtio_queue_interrupt(vp, qi);
	}
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
	r->dev.notify = rng_notify;
	return &r->dev;
}
