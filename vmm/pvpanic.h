/* pvpanic-pci, QEMU's device (PCI 1b36:0011, which Debian's amd64 kernel
 * drives with its pvpanic-pci module): a guest kernel that panics writes
 * PVPANIC_PANICKED to BAR0, and airlock stops the VM with status 3. It
 * does no DMA and raises no interrupt, so strict isolation has nothing to
 * confine in it. */
#ifndef AIRLOCK_PVPANIC_H
#define AIRLOCK_PVPANIC_H

#include "handles.h"

struct iobus;
struct pci_bus;
struct pci_windows;
struct pvpanic;

/* Adds the function to the bus (its BAR placed in the PCI windows);
 * panicked fires on a panic. NULL (one warning) when the bus is full: the
 * VM runs without it. */
struct pvpanic *pvpanic_add(struct pci_bus *pci, struct pci_windows *win, struct iobus *bus,
			    struct exit_latch panicked);
void pvpanic_destroy(struct pvpanic *p);

#endif
