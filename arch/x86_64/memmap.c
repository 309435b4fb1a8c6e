#include "memmap.h"
#include "layout.h"

#include <string.h>

void x86_ram_layout(uint64_t ram_size, struct mem_layout *out)
{
	memset(out, 0, sizeof(*out));
	out->r[0].gpa = 0;
	out->r[0].size = ram_size < X86_MMIO_HOLE ? ram_size : X86_MMIO_HOLE;
	out->nr = 1;
	if (ram_size > X86_MMIO_HOLE) {
		out->r[1].gpa = X86_4G;
		out->r[1].size = ram_size - X86_MMIO_HOLE;
		out->nr = 2;
	}
}

static unsigned add(struct e820_entry *e, unsigned n, unsigned max, uint64_t addr, uint64_t size,
		    uint32_t type)
{
	if (n < max && size)
		e[n++] = (struct e820_entry){ addr, size, type };
	return n;
}

unsigned x86_e820_build(const struct mem_layout *l, struct e820_entry *e, unsigned max)
{
	unsigned n = 0;

	/* Conventional memory up to the EBDA; the 640K-1M hole holds the
	 * firmware tables, which are reserved, never RAM. */
	n = add(e, n, max, 0, X86_EBDA, E820_RAM);
	n = add(e, n, max, X86_EBDA, X86_LOW_RAM_END - X86_EBDA, E820_RESERVED);
	n = add(e, n, max, X86_ACPI_BASE, X86_ACPI_END - X86_ACPI_BASE, E820_RESERVED);
	for (unsigned i = 0; i < l->nr; i++) {
		uint64_t start = l->r[i].gpa, end = l->r[i].gpa + l->r[i].size;

		if (start < X86_ACPI_END)
			start = X86_ACPI_END;
		if (end > start)
			n = add(e, n, max, start, end - start, E820_RAM);
	}
	return n;
}

uint64_t x86_pci_mmio64_base(const struct mem_layout *l)
{
	uint64_t top = X86_4G;

	for (unsigned i = 0; i < l->nr; i++)
		if (l->r[i].gpa + l->r[i].size > top)
			top = l->r[i].gpa + l->r[i].size;
	return (top + X86_PCI_MMIO64_ALIGN - 1) & ~(X86_PCI_MMIO64_ALIGN - 1);
}
