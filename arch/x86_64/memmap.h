/* The x86_64 guest memory map: RAM regions and the e820 table the kernel
 * receives. Pure functions, unit-tested. */
#ifndef AIRLOCK_X86_MEMMAP_H
#define AIRLOCK_X86_MEMMAP_H

#include "../../boot/bzimage.h"
#include "../../vmm/mem.h"

/* RAM below the MMIO hole first, the rest from 4 GiB. */
void x86_ram_layout(uint64_t ram_size, struct mem_layout *out);

/* Builds the e820 table for a layout. Returns the number of entries. */
unsigned x86_e820_build(const struct mem_layout *l, struct e820_entry *e, unsigned max);

/* Start of the 64-bit PCI window: above all RAM and 4 GiB, aligned. */
uint64_t x86_pci_mmio64_base(const struct mem_layout *l);

#endif
