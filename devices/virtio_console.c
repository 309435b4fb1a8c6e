/* virtio-console (virtio 1.2 §5.3), one port without MULTIPORT: queue 0
 * carries host input to the guest, queue 1 the guest's output. */
#include "virtio_console.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RXQ 0
#define TXQ 1

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void console_tx(struct virtio_console *c, struct virtio_pci *vp)
{
	struct virtq *q = virtio_queue(vp, TXQ);
	bool any = false;
	int got;

	while (q && (got = virtq_pop(q, &c->chain)) != 0) {
		if (got < 0) {
			virtio_queue_fault(vp, TXQ);
			return;
		}
		for (unsigned i = 0; i < c->chain.nread; i++) {
			const struct virtq_buf *b = &c->chain.buf[i];
			const uint8_t *p = b->len ? dma_resolve(vp->win, b->addr, b->len) : NULL;

			if (p) {
				write_all(c->out_fd, p, b->len);
				c->bytes_out += b->len;
			}
		}
		if (virtq_push(q, c->chain.head, 0) < 0) {
			virtio_queue_fault(vp, TXQ);
			return;
		}
		vp->requests++;
		any = true;
	}
	if (any)
		virtio_queue_interrupt(vp, TXQ);
}

static void console_notify(struct virtio_device *d, unsigned q)
{
	if (q == TXQ)
		console_tx((struct virtio_console *)d, d->vp);
	/* A new receive buffer needs nothing now: input waiting in the
	 * console thread is offered again shortly. */
}

size_t virtio_console_receive(void *opaque, const uint8_t *buf, size_t n)
{
	struct virtio_console *c = opaque;
	struct virtio_pci *vp = c->dev.vp;
	size_t took = 0;
	struct virtq *q;

	pthread_mutex_lock(&vp->lock);
	q = virtio_queue(vp, RXQ);
	while (q && took < n) {
		int got = virtq_pop(q, &c->chain);
		uint32_t len = 0;

		if (got < 0) {
			virtio_queue_fault(vp, RXQ);
			break;
		}
		if (got == 0)
			break;
		for (unsigned i = c->chain.nread; i < c->chain.n && took < n; i++) {
			const struct virtq_buf *b = &c->chain.buf[i];
			size_t k = n - took < b->len ? n - took : b->len;

			if (!k || dma_write(vp->win, b->addr, buf + took, k) < 0)
				break;
			took += k;
			len += (uint32_t)k;
		}
		if (virtq_push(q, c->chain.head, len) < 0) {
			virtio_queue_fault(vp, RXQ);
			break;
		}
		virtio_queue_interrupt(vp, RXQ);
	}
	c->bytes_in += took;
	pthread_mutex_unlock(&vp->lock);
	return took;
}

static void console_config_read(struct virtio_device *d, unsigned off, void *data, unsigned len)
{
	(void)d;
	(void)off;
	memset(data, 0, len);
}

struct virtio_device *virtio_console_create(int out_fd)
{
	struct virtio_console *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->out_fd = out_fd;
	c->dev.name = "virtio-console";
	c->dev.type = 3;
	c->dev.pci_class = 0x07800000;
	c->dev.nqueues = 2;
	c->dev.queue_max = 128;
	c->dev.config_len = 12;
	c->dev.config_read = console_config_read;
	c->dev.notify = console_notify;
	return &c->dev;
}
