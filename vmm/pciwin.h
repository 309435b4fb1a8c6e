/* The PCI memory windows: where BARs may decode (never RAM, the ECAM, the
 * irqchip or MSI frames). The arch sets them; airlock places its BARs in
 * them bottom-up, and every guest placement is checked against them here. */
#ifndef AIRLOCK_PCIWIN_H
#define AIRLOCK_PCIWIN_H

#include <stdbool.h>
#include <stdint.h>

struct pci_windows {
	uint64_t mmio32_start, mmio32_next, mmio32_end;
	uint64_t mmio64_start, mmio64_next, mmio64_end;
};

/* A 32-bit window [m32, m32 + m32_size) and a 64-bit one. */
void pci_windows_set(struct pci_windows *w, uint64_t m32, uint64_t m32_size, uint64_t m64,
		     uint64_t m64_size);

/* Guest address for a BAR of size bytes (a power of two, naturally aligned)
 * in the 64-bit or 32-bit window, or 0 when the window is full. */
uint64_t pci_windows_alloc(struct pci_windows *w, uint64_t size, bool is64);

/* Is [addr, addr + size) a naturally aligned range inside a window? */
bool pci_windows_contains(const struct pci_windows *w, uint64_t addr, uint64_t size);

#endif
