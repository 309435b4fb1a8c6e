/* Where things go in an arm64 guest's physical address space. Close to
 * QEMU's virt board so that guests and habits carry over. */
#ifndef AIRLOCK_ARM64_LAYOUT_H
#define AIRLOCK_ARM64_LAYOUT_H

#define ARM64_GIC_DIST       0x08000000ULL   /* 64 KiB (v2: 4 KiB used) */
#define ARM64_GIC_CPU        0x08010000ULL   /* v2 CPU interface, 8 KiB */
#define ARM64_GIC_V2M        0x08020000ULL   /* v2 MSI frame, 4 KiB */
#define ARM64_GIC_V2M_SIZE   0x1000ULL
#define ARM64_GIC_ITS        0x08080000ULL   /* v3 ITS, 128 KiB */
#define ARM64_GIC_ITS_SIZE   0x20000ULL
#define ARM64_GIC_REDIST     0x080a0000ULL   /* v3: 128 KiB per vCPU */
#define ARM64_GIC_REDIST_PER_CPU 0x20000ULL
#define ARM64_UART           0x09000000ULL
#define ARM64_UART_SIZE      0x1000ULL
#define ARM64_PCI_ECAM       0x10000000ULL   /* bus 0 only: 1 MiB */
#define ARM64_PCI_MMIO32     0x20000000ULL
#define ARM64_PCI_MMIO32_SIZE 0x20000000ULL
#define ARM64_RAM_BASE       0x80000000ULL
#define ARM64_PCI_MMIO64     0x4000000000ULL  /* 256 GiB; 40-bit IPA space */
#define ARM64_PCI_MMIO64_SIZE 0x4000000000ULL
#define ARM64_MAX_RAM        (ARM64_PCI_MMIO64 - ARM64_RAM_BASE)

/* Interrupts, as SPI numbers (GSI n is INTID 32 + n). */
#define ARM64_UART_SPI       1
#define ARM64_PCI_INTX_SPI   8                /* slot s: SPI 8 + s */
#define ARM64_V2M_SPI_BASE   64
#define ARM64_V2M_SPI_COUNT  64
#define ARM64_NR_IRQS        256              /* INTIDs the vGIC implements */

/* Arch timer PPIs (INTID - 16): secure, non-secure, virtual, hypervisor. */
#define ARM64_TIMER_PPI_S    13
#define ARM64_TIMER_PPI_NS   14
#define ARM64_TIMER_PPI_VIRT 11
#define ARM64_TIMER_PPI_HYP  10

#define ARM64_FDT_MAX        0x10000ULL       /* 64 KiB is plenty */
#define ARM64_UART_CLOCK     1843200

#endif
