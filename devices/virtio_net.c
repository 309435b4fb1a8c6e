/* virtio-net (virtio 1.2 §5.1) on a tap interface: one queue pair,
 * mergeable receive buffers, link status. The tap carries the same 12-byte
 * virtio-net header (IFF_VNET_HDR), so frames pass through unchanged. */
#include "virtio_net.h"

#include "../lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#define RXQ 0
#define TXQ 1

static bool tap_is_up(struct virtio_net *n)
{
	struct ifreq ifr = { 0 };
	bool up = true;

	if (n->ctl_sock < 0)
		return true;
	memcpy(ifr.ifr_name, n->ifname, sizeof(n->ifname));
	if (ioctl(n->ctl_sock, SIOCGIFFLAGS, &ifr) == 0)
		up = ifr.ifr_flags & IFF_UP;
	return up;
}

/* Tells the guest when the tap's state changed. */
static void check_link(struct virtio_net *n, const struct virtio_io *io)
{
	uint16_t link = tap_is_up(n) ? VIRTIO_NET_S_LINK_UP : 0;

	if (link != n->link) {
		n->link = link;
		pr_info("virtio-net %s: link %s", n->ifname, link ? "up" : "down");
		virtio_io_config_changed(io);
	}
}

/* We offer no checksum or segmentation offload: whatever the guest put in
 * the header, the tap gets one that asks for none. */
static const uint8_t plain_hdr[VIRTIO_NET_HDR_LEN];

uint32_t virtio_net_send(struct virtio_net *n, struct dma_window *win, const struct virtq_chain *c)
{
	struct iovec *iov = n->iov;
	unsigned k = 1;
	uint32_t skip = VIRTIO_NET_HDR_LEN;

	iov[0] = (struct iovec){ (void *)plain_hdr, sizeof(plain_hdr) };
	for (unsigned i = 0; i < c->nread; i++) {
		const struct virtq_buf *b = &c->buf[i];
		uint32_t drop = b->len < skip ? b->len : skip;
		uint8_t *p;

		/* The guest's header is resolved too (so a bad one is refused
		 * and counted), but not sent. */
		if (!b->len)
			continue;
		p = dma_resolve(win, b->addr, b->len);
		if (!p)
			return 0;           /* refused and counted by the window */
		skip -= drop;
		if (b->len == drop)
			continue;
		iov[k++] = (struct iovec){ p + drop, b->len - drop };
	}
	if (skip) {
		n->tx_errors++;         /* shorter than its header */
		return 0;
	}
	if (k > 1 && writev(n->tap, iov, (int)k) < 0) {
		n->tx_errors++;
		if (errno == EIO)
			n->link_stale = true;   /* the tap went down? */
	} else if (k > 1) {
		n->tx_frames++;
	}
	return 0;
}

static uint32_t net_send(struct virtio_device *d, const struct virtio_io *io, unsigned q,
			 const struct virtq_chain *c)
{
	struct virtio_net *n = (struct virtio_net *)d;
	uint32_t ret = virtio_net_send(n, io->win, c);

	(void)q;
	if (n->link_stale) {
		n->link_stale = false;
		check_link(n, io);
	}
	return ret;
}

/* Copies the frame in rxbuf into as many receive chains as it needs and
 * records their number in the header's num_buffers. false: no receive
 * buffer at all yet (the frame waits). A frame that runs out of buffers
 * midway is delivered truncated and counted as dropped. */
static bool deliver(struct virtio_net *n, const struct virtio_io *io, struct virtq *q)
{
	uint64_t hdr_addr = 0;
	uint16_t used = 0;
	size_t off = 0;

	while (off < n->pending_len) {
		int got = virtq_pop(q, &n->chain);
		uint32_t len = 0;

		if (got < 0) {
			virtio_io_fault(io, RXQ);
			return true;
		}
		if (got == 0) {
			if (!used)
				return false;
			n->rx_dropped++;
			break;
		}
		if (!used) {
			/* The header (and num_buffers at byte 10) must fit in the
			 * first buffer: anything else is a malformed ring. */
			if (n->chain.nread == n->chain.n ||
			    n->chain.buf[n->chain.nread].len < VIRTIO_NET_HDR_LEN) {
				n->chain.n = 0;
				virtio_io_fault(io, RXQ);
				return true;
			}
			hdr_addr = n->chain.buf[n->chain.nread].addr;
		}
		for (unsigned i = n->chain.nread; i < n->chain.n && off < n->pending_len; i++) {
			const struct virtq_buf *b = &n->chain.buf[i];
			size_t k = n->pending_len - off < b->len ? n->pending_len - off : b->len;

			if (dma_write(io->win, b->addr, n->rxbuf + off, k) < 0)
				break;
			off += k;
			len += (uint32_t)k;
		}
		used++;
		if (virtq_fill(q, n->chain.head, len) < 0) {
			virtio_io_fault(io, RXQ);
			return true;
		}
	}
	/* num_buffers first, then the used index that publishes every chain
	 * of the frame: a driver that polls the used ring (NAPI) must never
	 * see the frame before its header is complete. */
	dma_write(io->win, hdr_addr + 10, &used, 2);
	if (virtq_flush(q) < 0) {
		virtio_io_fault(io, RXQ);
		return true;
	}
	n->rx_frames++;
	virtio_io_interrupt(io, RXQ);
	return true;
}

static void net_rx(struct virtio_net *n, const struct virtio_io *io)
{
	struct virtq *q = virtio_io_queue(io, RXQ);

	while (q) {
		if (!n->rx_stalled) {
			ssize_t r = read(n->tap, n->rxbuf, sizeof(n->rxbuf));

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return;         /* EAGAIN: wait for the next edge */
			n->pending_len = (size_t)r;
		}
		n->rx_stalled = !deliver(n, io, q);
		if (n->rx_stalled)
			return;             /* resumed when the guest adds buffers */
	}
}

static void net_notify(struct virtio_device *d, const struct virtio_io *io, unsigned q)
{
	struct virtio_net *n = (struct virtio_net *)d;

	if (!n->link)
		check_link(n, io);
	if (q == RXQ)
		net_rx(n, io);
	/* Transmit chains: net_send, called by the transport. */
}

static void net_fd_ready(struct virtio_device *d, const struct virtio_io *io)
{
	net_rx((struct virtio_net *)d, io);
}

static void net_config_read(struct virtio_device *d, unsigned off, void *data, unsigned len)
{
	struct virtio_net *n = (struct virtio_net *)d;
	uint8_t cfg[8];

	memcpy(cfg, n->mac, 6);
	memcpy(cfg + 6, &n->link, 2);
	memcpy(data, cfg + off, len);
}

static void net_reset(struct virtio_device *d)
{
	struct virtio_net *n = (struct virtio_net *)d;

	n->rx_stalled = false;
	n->pending_len = 0;
}

static void net_destroy(struct virtio_device *d)
{
	struct virtio_net *n = (struct virtio_net *)d;

	if (n->tap >= 0)
		close(n->tap);
	if (n->ctl_sock >= 0)
		close(n->ctl_sock);
}

struct virtio_device *virtio_net_create(const char *tap, const uint8_t *mac)
{
	struct ifreq ifr = { 0 };
	int hdr = VIRTIO_NET_HDR_LEN, fd;

	if (strlen(tap) >= IFNAMSIZ) {
		pr_err("--net tap=%s: interface name too long", tap);
		return NULL;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		pr_err("--net tap=%s: /dev/net/tun: %s", tap, strerror(errno));
		return NULL;
	}
	strcpy(ifr.ifr_name, tap);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) {
		pr_err("--net tap=%s: cannot attach: %s (does the tap exist, and may you use it?)",
		       tap, strerror(errno));
		close(fd);
		return NULL;
	}
	return virtio_net_create_fd(fd, tap, mac);
}

struct virtio_device *virtio_net_create_fd(int fd, const char *name, const uint8_t *mac)
{
	struct virtio_net *n = calloc(1, sizeof(*n));

	if (!n) {
		close(fd);
		return NULL;
	}
	n->tap = fd;
	/* For the link state: opened once, so a sandboxed device process
	 * needs no socket() later. */
	n->ctl_sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(n->ifname, sizeof(n->ifname), "%s", name);
	if (mac) {
		memcpy(n->mac, mac, 6);
	} else {
		/* Locally administered, unicast. */
		if (getrandom(n->mac, 6, 0) != 6)
			memset(n->mac, 0x5a, 6);
		n->mac[0] = (uint8_t)((n->mac[0] & 0xfe) | 0x02);
	}
	n->link = tap_is_up(n) ? VIRTIO_NET_S_LINK_UP : 0;
	n->dev.name = "virtio-net";
	snprintf(n->dev.what, sizeof(n->dev.what), "tap %s", name);
	n->dev.type = 1;
	n->dev.pci_class = 0x02000000;
	n->dev.features = 1ULL << VIRTIO_NET_F_MAC | 1ULL << VIRTIO_NET_F_MRG_RXBUF |
			  1ULL << VIRTIO_NET_F_STATUS;
	n->dev.nqueues = 2;
	n->dev.queue_max = 256;
	n->dev.config_len = 8;
	n->dev.config_read = net_config_read;
	n->dev.notify = net_notify;
	n->dev.request = net_send;
	n->dev.request_queues = 1u << TXQ;
	n->dev.reset = net_reset;
	n->dev.destroy = net_destroy;
	n->dev.host_fd = fd;
	n->dev.fd_ready = net_fd_ready;
	n->dev.own_fds[n->dev.nown++] = fd;
	if (n->ctl_sock >= 0)
		n->dev.own_fds[n->dev.nown++] = n->ctl_sock;
	return &n->dev;
}
