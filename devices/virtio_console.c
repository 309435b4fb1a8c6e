/* virtio-console (virtio 1.2 §5.3), one port without MULTIPORT: queue 0
 * carries host input to the guest, queue 1 the guest's output. */
#include "virtio_console.h"

#include "../lib/fdio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RXQ 0
#define TXQ 1

static uint32_t console_out(struct virtio_device *d, const struct virtio_io *io, unsigned q,
			    const struct virtq_chain *c)
{
	struct virtio_console *con = (struct virtio_console *)d;

	(void)q;
	for (unsigned i = 0; i < c->nread; i++) {
		const struct virtq_buf *b = &c->buf[i];
		const uint8_t *p = b->len ? dma_resolve(io->win, b->addr, b->len) : NULL;

		if (p) {
			fd_write_all(con->out_fd, p, b->len);
			con->bytes_out += b->len;
		}
	}
	return 0;
}

/* Typed input into the receive queue's buffers. A new receive buffer
 * needs nothing at notify time: input waiting in the console thread is
 * offered again shortly. */
static size_t console_in(struct virtio_device *d, const struct virtio_io *io, const uint8_t *buf,
			 size_t n)
{
	struct virtio_console *c = (struct virtio_console *)d;
	struct virtq *q = virtio_io_queue(io, RXQ);
	size_t took = 0;

	while (q && took < n) {
		int got = virtq_pop(q, &c->chain);
		uint32_t len = 0;

		if (got < 0) {
			virtio_io_fault(io, RXQ);
			break;
		}
		if (got == 0)
			break;
		for (unsigned i = c->chain.nread; i < c->chain.n && took < n; i++) {
			const struct virtq_buf *b = &c->chain.buf[i];
			size_t k = n - took < b->len ? n - took : b->len;

			if (!k || dma_write(io->win, b->addr, buf + took, k) < 0)
				break;
			took += k;
			len += (uint32_t)k;
		}
		if (virtq_push(q, c->chain.head, len) < 0) {
			virtio_io_fault(io, RXQ);
			break;
		}
		virtio_io_interrupt(io, RXQ);
	}
	c->bytes_in += took;
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
	c->dev.own_fds[c->dev.nown++] = out_fd;
	c->dev.name = "virtio-console";
	c->dev.type = 3;
	c->dev.pci_class = 0x07800000;
	c->dev.nqueues = 2;
	c->dev.queue_max = 128;
	c->dev.config_len = 12;
	c->dev.config_read = console_config_read;
	c->dev.request = console_out;
	c->dev.request_queues = 1u << TXQ;
	c->dev.input = console_in;
	return &c->dev;
}
