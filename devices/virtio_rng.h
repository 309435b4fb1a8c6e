#ifndef AIRLOCK_VIRTIO_RNG_H
#define AIRLOCK_VIRTIO_RNG_H

#include "virtio_pci.h"

struct virtio_rng {
	struct virtio_device dev;       /* first: the transport sees this */
};

struct virtio_device *virtio_rng_create(void);

#endif
