#ifndef AIRLOCK_VIRTIO_NET_H
#define AIRLOCK_VIRTIO_NET_H

#include "virtio_pci.h"

#include <linux/virtio_net.h>   /* VIRTIO_NET_F_*, VIRTIO_NET_S_*, the header */
#include <stdint.h>
#include <sys/uio.h>

#define VIRTIO_NET_HDR_LEN ((unsigned)sizeof(struct virtio_net_hdr_mrg_rxbuf))
#define VIRTIO_NET_MAX_FRAME (65536 + VIRTIO_NET_HDR_LEN)

struct virtio_net {
	struct virtio_device dev;       /* first: the transport sees this */
	int tap;
	int ctl_sock;                   /* for SIOCGIFFLAGS (link state) */
	char ifname[16];
	uint8_t mac[6];
	uint16_t link;                  /* VIRTIO_NET_S_LINK_UP or 0 */
	bool rx_stalled;                /* a frame waits for receive buffers */
	bool link_stale;                /* a send failed with EIO: query the link */
	size_t pending_len;             /* bytes of that frame in rxbuf */
	uint64_t rx_frames, tx_frames, rx_dropped, tx_errors;
	struct virtq_chain chain;
	struct iovec iov[VIRTQ_CHAIN_MAX + 1];
	uint8_t rxbuf[VIRTIO_NET_MAX_FRAME];
};

/* Attaches to an existing tap interface. mac may be NULL (one is made up). */
struct virtio_device *virtio_net_create(const char *tap, const uint8_t *mac);
/* The same on an open fd that carries frames with the virtio-net header
 * (a tap set up as above, or a socket in tests); takes the fd over. */
struct virtio_device *virtio_net_create_fd(int fd, const char *name, const uint8_t *mac);

/* Sends the frame a transmit chain carries to the tap, with a header that
 * asks for no offload (none is offered), whatever the guest's said. */
uint32_t virtio_net_send(struct virtio_net *n, struct dma_window *win, const struct virtq_chain *c);

#endif
