/* Where things go in an x86_64 guest's physical address space. */
#ifndef AIRLOCK_X86_LAYOUT_H
#define AIRLOCK_X86_LAYOUT_H

#define X86_GDT_ADDR        0x500ULL
#define X86_ZERO_PAGE       0x7000ULL
#define X86_PML4            0x9000ULL
#define X86_PDPT            0xa000ULL
#define X86_PD              0xb000ULL      /* 4 pages: identity map of 4 GiB */
#define X86_CMDLINE         0x20000ULL
#define X86_CMDLINE_MAX     0x10000ULL
#define X86_EBDA            0x9fc00ULL
#define X86_LOW_RAM_END     0xa0000ULL
#define X86_ACPI_BASE       0xe0000ULL     /* to 1 MiB: firmware tables */
#define X86_ACPI_END        0x100000ULL
#define X86_KERNEL_LOAD     0x100000ULL
#define X86_MMIO_HOLE       0xc0000000ULL  /* RAM below 4 GiB ends here */
#define X86_4G              0x100000000ULL
#define X86_PCI_MMIO32      X86_MMIO_HOLE  /* 32-bit PCI window, to the IOAPIC */
#define X86_PCI_MMIO32_SIZE (X86_IOAPIC_ADDR - X86_MMIO_HOLE)
#define X86_PCI_MMIO64_ALIGN (64ULL << 30) /* 64-bit window: above RAM, this aligned */
#define X86_PCI_MMIO64_SIZE (64ULL << 30)
#define X86_PCI_INTX_GSI    16             /* INTx lines: GSI 16..23 */
#define X86_IOAPIC_ADDR     0xfec00000ULL
#define X86_LAPIC_ADDR      0xfee00000ULL
#define X86_IDENTITY_MAP    0xfeffc000ULL  /* KVM's EPT identity page (Intel) */
#define X86_TSS_ADDR        0xfeffd000ULL  /* 3 pages (Intel real mode) */

/* Platform I/O ports. */
#define X86_COM1_PORT       0x3f8
#define X86_COM1_IRQ        4
#define X86_I8042_DATA      0x60
#define X86_I8042_CMD       0x64
#define X86_PCI_CONF1_PORT  0xcf8          /* 0xcf8..0xcff */
#define X86_ACPI_PM_PORT    0x600          /* PM1a event (4) + control (2) */
#define X86_ACPI_SCI_IRQ    9

#endif
