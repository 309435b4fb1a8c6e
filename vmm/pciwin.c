#include "pciwin.h"

void pci_windows_set(struct pci_windows *w, uint64_t m32, uint64_t m32_size, uint64_t m64,
		     uint64_t m64_size)
{
	w->mmio32_start = w->mmio32_next = m32;
	w->mmio32_end = m32 + m32_size;
	w->mmio64_start = w->mmio64_next = m64;
	w->mmio64_end = m64 + m64_size;
}

uint64_t pci_windows_alloc(struct pci_windows *w, uint64_t size, bool is64)
{
	uint64_t *next = is64 ? &w->mmio64_next : &w->mmio32_next;
	uint64_t end = is64 ? w->mmio64_end : w->mmio32_end;
	uint64_t at;

	if (!size || (size & (size - 1)))
		return 0;
	at = (*next + size - 1) & ~(size - 1);
	if (at < *next || at + size > end || at + size < at)
		return 0;
	*next = at + size;
	return at;
}

static bool within(uint64_t addr, uint64_t size, uint64_t lo, uint64_t hi)
{
	return addr >= lo && addr + size > addr && addr + size <= hi;
}

bool pci_windows_contains(const struct pci_windows *w, uint64_t addr, uint64_t size)
{
	if (!size || (addr & (size - 1)))
		return false;
	return within(addr, size, w->mmio32_start, w->mmio32_end) ||
	       within(addr, size, w->mmio64_start, w->mmio64_end);
}
