#ifndef AIRLOCK_VIRTIO_BLK_H
#define AIRLOCK_VIRTIO_BLK_H

#include "virtio_pci.h"

#include <linux/virtio_blk.h>   /* VIRTIO_BLK_F_*, _T_*, _S_*, VIRTIO_BLK_ID_BYTES */
#include <stdint.h>
#include <sys/uio.h>

struct virtio_blk {
	struct virtio_device dev;       /* first: the transport sees this */
	int fd;
	bool ro;
	uint64_t sectors;               /* whole 512-byte sectors in the image */
	char id[VIRTIO_BLK_ID_BYTES];
	uint64_t reads, writes, flushes, errors;
	struct virtq_chain chain;
	struct iovec iov[VIRTQ_CHAIN_MAX];
};

/* Opens and locks the image. NULL after one error line. */
struct virtio_device *virtio_blk_create(const char *path, bool ro);

/* Handles one request chain; returns bytes written to the driver (status
 * included). Pure over the DMA window and the image fd: unit-tested. */
uint32_t virtio_blk_handle(struct virtio_blk *b, struct dma_window *win,
			   const struct virtq_chain *c);

#endif
