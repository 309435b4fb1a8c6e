/* MSI-X for an emulated PCI function: the capability, the vector table and
 * pending-bit array in a BAR, and function/vector masking. Delivery is a
 * callback (the VMM writes a KVM irqfd bound to an MSI route); whenever a
 * vector's address/data changes the owner is told so it can re-route. */
#ifndef AIRLOCK_MSIX_H
#define AIRLOCK_MSIX_H

#include "pci.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define MSIX_MAX_VECTORS 64
#define MSIX_ENTRY_SIZE  16
#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_CTRL_MASKALL 0x4000
#define MSIX_VEC_MASKED  1u
#define MSIX_NO_VECTOR   0xffff

struct msix {
	pthread_mutex_t lock;
	struct pci_dev *dev;
	unsigned cap;           /* capability offset in config space */
	unsigned nvec;
	uint8_t table[MSIX_MAX_VECTORS * MSIX_ENTRY_SIZE];
	uint64_t pba;           /* pending bits (nvec <= 64) */
	void (*fire)(void *opaque, unsigned vec);
	void (*route)(void *opaque, unsigned vec, uint64_t addr, uint32_t data);
	void *opaque;
	uint64_t fired, held;   /* delivered now / left pending by a mask */
};

/* Adds the capability to dev: table at table_off and PBA at pba_off in
 * BAR bar. 0, -EINVAL or -ENOSPC. */
int msix_init(struct msix *m, struct pci_dev *dev, unsigned nvec, int bar, uint32_t table_off,
	      uint32_t pba_off);
void msix_destroy(struct msix *m);

/* I/O bus handlers, offsets relative to the table / the PBA. */
void msix_table_io(void *m, uint64_t off, uint8_t *data, unsigned len, bool is_write);
void msix_pba_io(void *m, uint64_t off, uint8_t *data, unsigned len, bool is_write);

/* Call after any config write into the capability (enable, function mask). */
void msix_control_written(struct msix *m);

bool msix_enabled(struct msix *m);

/* The device raises vector vec: delivered, or held pending while masked.
 * Returns false when MSI-X is disabled or vec is out of range. */
bool msix_notify(struct msix *m, unsigned vec);

#endif
