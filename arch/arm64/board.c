/* The arm64 board as the guest learns it: the device tree. Pure code (no
 * KVM), so the unit tests check it through libfdt on any host. */
#include "arm64.h"
#include "layout.h"

#include <libfdt.h>
#include <stdio.h>

#define PHANDLE_GIC 1
#define PHANDLE_MSI 2

/* Device-tree interrupt specifier flags. */
#define FDT_SPI         0
#define FDT_PPI         1
#define FDT_LEVEL_HIGH  4

enum arm64_gic arm64_gic_choose(unsigned ncpus, arm64_gic_try_fn try, void *opaque, int *err)
{
	int e3 = try(opaque, ARM64_GIC_V3);

	*err = e3;
	if (e3 == 0)
		return ARM64_GIC_V3;
	/* GICv2 addresses at most 8 CPUs. */
	if (ncpus <= 8 && try(opaque, ARM64_GIC_V2) == 0)
		return ARM64_GIC_V2;
	return ARM64_GIC_NONE;
}

uint64_t arm64_mpidr(unsigned i)
{
	return (uint64_t)(i & 0xf) | (uint64_t)((i >> 4) & 0xff) << 8;
}

#define TRY(x)                      \
	do {                        \
		int r_ = (x);       \
		if (r_ < 0)         \
			return r_;  \
	} while (0)

static int prop_cells(void *fdt, const char *name, const uint32_t *v, unsigned n)
{
	fdt32_t *be;

	TRY(fdt_property_placeholder(fdt, name, (int)(n * sizeof(*be)), (void **)&be));
	for (unsigned i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(v[i]);
	return 0;
}

/* reg = <base size> with two cells each. */
static int prop_reg2(void *fdt, const uint64_t *pairs, unsigned npairs)
{
	uint32_t c[16];

	for (unsigned i = 0; i < npairs * 2 && i < 8; i++) {
		c[2 * i] = (uint32_t)(pairs[i] >> 32);
		c[2 * i + 1] = (uint32_t)pairs[i];
	}
	return prop_cells(fdt, "reg", c, npairs * 4);
}

static int begin_node_at(void *fdt, const char *name, uint64_t addr)
{
	char n[64];

	snprintf(n, sizeof(n), "%s@%llx", name, (unsigned long long)addr);
	return fdt_begin_node(fdt, n);
}

static int cpus_node(void *fdt, const struct arm64_board *b)
{
	TRY(fdt_begin_node(fdt, "cpus"));
	TRY(fdt_property_u32(fdt, "#address-cells", 1));
	TRY(fdt_property_u32(fdt, "#size-cells", 0));
	for (unsigned i = 0; i < b->ncpus; i++) {
		uint64_t mpidr = arm64_mpidr(i);

		TRY(begin_node_at(fdt, "cpu", mpidr));
		TRY(fdt_property_string(fdt, "device_type", "cpu"));
		TRY(fdt_property_string(fdt, "compatible", "arm,arm-v8"));
		TRY(fdt_property_string(fdt, "enable-method", "psci"));
		TRY(fdt_property_u32(fdt, "reg", (uint32_t)mpidr));
		TRY(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int gic_node(void *fdt, const struct arm64_board *b)
{
	uint64_t reg[4];

	TRY(begin_node_at(fdt, "intc", ARM64_GIC_DIST));
	if (b->gic == ARM64_GIC_V3) {
		reg[0] = ARM64_GIC_DIST;
		reg[1] = 0x10000;
		reg[2] = ARM64_GIC_REDIST;
		reg[3] = ARM64_GIC_REDIST_PER_CPU * b->ncpus;
		TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
	} else {
		reg[0] = ARM64_GIC_DIST;
		reg[1] = 0x1000;
		reg[2] = ARM64_GIC_CPU;
		reg[3] = 0x2000;
		TRY(fdt_property_string(fdt, "compatible", "arm,cortex-a15-gic"));
	}
	TRY(prop_reg2(fdt, reg, 2));
	TRY(fdt_property_u32(fdt, "#interrupt-cells", 3));
	TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	TRY(fdt_property_u32(fdt, "#address-cells", 2));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));
	TRY(fdt_property(fdt, "ranges", NULL, 0));
	TRY(fdt_property_u32(fdt, "phandle", PHANDLE_GIC));
	if (b->msi == ARM64_MSI_ITS) {
		reg[0] = ARM64_GIC_ITS;
		reg[1] = ARM64_GIC_ITS_SIZE;
		TRY(begin_node_at(fdt, "its", ARM64_GIC_ITS));
		TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3-its"));
		TRY(fdt_property(fdt, "msi-controller", NULL, 0));
		TRY(fdt_property_u32(fdt, "#msi-cells", 1));
		TRY(prop_reg2(fdt, reg, 1));
		TRY(fdt_property_u32(fdt, "phandle", PHANDLE_MSI));
		TRY(fdt_end_node(fdt));
	} else if (b->msi == ARM64_MSI_V2M) {
		reg[0] = ARM64_GIC_V2M;
		reg[1] = ARM64_GIC_V2M_SIZE;
		TRY(begin_node_at(fdt, "v2m", ARM64_GIC_V2M));
		TRY(fdt_property_string(fdt, "compatible", "arm,gic-v2m-frame"));
		TRY(fdt_property(fdt, "msi-controller", NULL, 0));
		TRY(prop_reg2(fdt, reg, 1));
		TRY(fdt_property_u32(fdt, "arm,msi-base-spi", 32 + ARM64_V2M_SPI_BASE));
		TRY(fdt_property_u32(fdt, "arm,msi-num-spis", ARM64_V2M_SPI_COUNT));
		TRY(fdt_property_u32(fdt, "phandle", PHANDLE_MSI));
		TRY(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int timer_node(void *fdt, const struct arm64_board *b)
{
	static const uint32_t ppi[4] = { ARM64_TIMER_PPI_S, ARM64_TIMER_PPI_NS,
					 ARM64_TIMER_PPI_VIRT, ARM64_TIMER_PPI_HYP };
	/* GICv2 PPIs carry a CPU mask in bits 8..15 of the flags. */
	uint32_t flags = FDT_LEVEL_HIGH, c[12];

	if (b->gic == ARM64_GIC_V2)
		flags |= ((1u << b->ncpus) - 1) << 8;
	for (unsigned i = 0; i < 4; i++) {
		c[3 * i] = FDT_PPI;
		c[3 * i + 1] = ppi[i];
		c[3 * i + 2] = flags;
	}
	TRY(fdt_begin_node(fdt, "timer"));
	TRY(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
	TRY(prop_cells(fdt, "interrupts", c, 12));
	TRY(fdt_property(fdt, "always-on", NULL, 0));
	return fdt_end_node(fdt);
}

static int uart_node(void *fdt)
{
	uint64_t reg[2] = { ARM64_UART, 8 };
	uint32_t irq[3] = { FDT_SPI, ARM64_UART_SPI, FDT_LEVEL_HIGH };

	TRY(begin_node_at(fdt, "uart", ARM64_UART));
	TRY(fdt_property_string(fdt, "compatible", "ns16550a"));
	TRY(prop_reg2(fdt, reg, 1));
	TRY(fdt_property_u32(fdt, "clock-frequency", ARM64_UART_CLOCK));
	TRY(prop_cells(fdt, "interrupts", irq, 3));
	return fdt_end_node(fdt);
}

/* Identity-mapped windows: 32-bit non-prefetchable memory, 64-bit
 * prefetchable memory (where the bounce BARs go). */
static int pci_node(void *fdt, const struct arm64_board *b)
{
	uint64_t reg[2] = { ARM64_PCI_ECAM, 1 << 20 };
	uint32_t ranges[14] = {
		0x02000000, 0, (uint32_t)ARM64_PCI_MMIO32, 0, (uint32_t)ARM64_PCI_MMIO32,
		0, (uint32_t)ARM64_PCI_MMIO32_SIZE,
		0x43000000, (uint32_t)(ARM64_PCI_MMIO64 >> 32), (uint32_t)ARM64_PCI_MMIO64,
		(uint32_t)(ARM64_PCI_MMIO64 >> 32), (uint32_t)ARM64_PCI_MMIO64,
		(uint32_t)(ARM64_PCI_MMIO64_SIZE >> 32), (uint32_t)ARM64_PCI_MMIO64_SIZE,
	};
	uint32_t map[32 * 10], mask[4] = { 0xf800, 0, 0, 7 }, bus_range[2] = { 0, 0 };
	unsigned n = 0;

	TRY(begin_node_at(fdt, "pcie", ARM64_PCI_ECAM));
	TRY(fdt_property_string(fdt, "compatible", "pci-host-ecam-generic"));
	TRY(fdt_property_string(fdt, "device_type", "pci"));
	TRY(fdt_property_u32(fdt, "#address-cells", 3));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));
	TRY(fdt_property_u32(fdt, "#interrupt-cells", 1));
	TRY(prop_cells(fdt, "bus-range", bus_range, 2));
	TRY(prop_reg2(fdt, reg, 1));
	TRY(prop_cells(fdt, "ranges", ranges, 14));
	TRY(fdt_property(fdt, "dma-coherent", NULL, 0));
	/* INTA of slot s: SPI 8 + s (no sharing, no swizzle needed on bus 0). */
	for (unsigned s = 0; s < b->pci_slots && s < 32; s++) {
		uint32_t e[10] = { s << 11, 0, 0, 1, PHANDLE_GIC, 0, 0,
				   FDT_SPI, ARM64_PCI_INTX_SPI + s, FDT_LEVEL_HIGH };

		for (unsigned i = 0; i < 10; i++)
			map[n++] = e[i];
	}
	TRY(prop_cells(fdt, "interrupt-map-mask", mask, 4));
	if (n)
		TRY(prop_cells(fdt, "interrupt-map", map, n));
	if (b->msi == ARM64_MSI_ITS) {
		uint32_t msi_map[4] = { 0, PHANDLE_MSI, 0, 0x10000 };

		TRY(prop_cells(fdt, "msi-map", msi_map, 4));
	} else if (b->msi == ARM64_MSI_V2M) {
		TRY(fdt_property_u32(fdt, "msi-parent", PHANDLE_MSI));
	}
	return fdt_end_node(fdt);
}

int arm64_fdt_build(void *buf, size_t size, const struct arm64_board *b)
{
	uint64_t mem[2] = { b->ram_base, b->ram_size };
	char stdout_path[32];

	snprintf(stdout_path, sizeof(stdout_path), "/uart@%llx", (unsigned long long)ARM64_UART);
	TRY(fdt_create(buf, (int)size));
	TRY(fdt_finish_reservemap(buf));
	TRY(fdt_begin_node(buf, ""));
	TRY(fdt_property_string(buf, "compatible", "linux,dummy-virt"));
	TRY(fdt_property_string(buf, "model", "airlock"));
	TRY(fdt_property_u32(buf, "#address-cells", 2));
	TRY(fdt_property_u32(buf, "#size-cells", 2));
	TRY(fdt_property_u32(buf, "interrupt-parent", PHANDLE_GIC));

	TRY(fdt_begin_node(buf, "chosen"));
	TRY(fdt_property_string(buf, "bootargs", b->cmdline));
	TRY(fdt_property_string(buf, "stdout-path", stdout_path));
	if (b->initrd_size) {
		TRY(fdt_property_u64(buf, "linux,initrd-start", b->initrd_start));
		TRY(fdt_property_u64(buf, "linux,initrd-end", b->initrd_start + b->initrd_size));
	}
	TRY(fdt_end_node(buf));

	TRY(begin_node_at(buf, "memory", b->ram_base));
	TRY(fdt_property_string(buf, "device_type", "memory"));
	TRY(prop_reg2(buf, mem, 1));
	TRY(fdt_end_node(buf));

	TRY(cpus_node(buf, b));
	TRY(fdt_begin_node(buf, "psci"));
	TRY(fdt_property(buf, "compatible", "arm,psci-0.2\0arm,psci", sizeof("arm,psci-0.2\0arm,psci")));
	TRY(fdt_property_string(buf, "method", "hvc"));
	TRY(fdt_end_node(buf));
	TRY(gic_node(buf, b));
	TRY(timer_node(buf, b));
	TRY(uart_node(buf));
	TRY(pci_node(buf, b));

	TRY(fdt_end_node(buf));
	TRY(fdt_finish(buf));
	return 0;
}
