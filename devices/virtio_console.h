#ifndef AIRLOCK_VIRTIO_CONSOLE_H
#define AIRLOCK_VIRTIO_CONSOLE_H

#include "virtio_pci.h"

#include <stddef.h>
#include <stdint.h>

struct virtio_console {
	struct virtio_device dev;       /* first: the transport sees this */
	int out_fd;                     /* where the guest's hvc0 output goes */
	struct virtq_chain chain;
	uint64_t bytes_in, bytes_out;
};

struct virtio_device *virtio_console_create(int out_fd);

#endif
