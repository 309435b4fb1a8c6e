/* The arm64 device tree, read back through libfdt, and the GIC choice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <libfdt.h>

#include "arch/arm64/arm64.h"
#include "arch/arm64/layout.h"

static uint8_t blob[ARM64_FDT_MAX];

static struct arm64_board board(enum arm64_gic gic, enum arm64_msi msi)
{
	return (struct arm64_board){
		.ncpus = 2, .ram_base = ARM64_RAM_BASE, .ram_size = 256ULL << 20,
		.cmdline = "console=ttyS0 quiet", .initrd_start = 0x8c000000, .initrd_size = 0x100000,
		.gic = gic, .msi = msi, .pci_slots = 32,
	};
}

static int node(const char *path)
{
	int off = fdt_path_offset(blob, path);

	if (off < 0)
		fail_msg("%s: %s", path, fdt_strerror(off));
	return off;
}

static uint32_t cell(int off, const char *prop, unsigned i)
{
	int len;
	const fdt32_t *p = fdt_getprop(blob, off, prop, &len);

	if (!p || (unsigned)len < (i + 1) * 4)
		fail_msg("%s[%u] missing", prop, i);
	return fdt32_to_cpu(p[i]);
}

static uint64_t cell64(int off, const char *prop, unsigned i)
{
	return (uint64_t)cell(off, prop, i) << 32 | cell(off, prop, i + 1);
}

static const char *str(int off, const char *prop)
{
	const char *s = fdt_getprop(blob, off, prop, NULL);

	if (!s)
		fail_msg("%s missing", prop);
	return s;
}

static void the_root_memory_and_chosen_nodes_say_what_the_board_is(void **state)
{
	struct arm64_board b = board(ARM64_GIC_V3, ARM64_MSI_ITS);
	int off;

	(void)state;
	assert_int_equal(arm64_fdt_build(blob, sizeof(blob), &b), 0);
	assert_int_equal(fdt_check_header(blob), 0);
	off = node("/");
	assert_int_equal(cell(off, "#address-cells", 0), 2);
	assert_int_equal(cell(off, "#size-cells", 0), 2);
	off = node("/memory@80000000");
	assert_string_equal(str(off, "device_type"), "memory");
	assert_int_equal(cell64(off, "reg", 0), ARM64_RAM_BASE);
	assert_int_equal(cell64(off, "reg", 2), 256ULL << 20);
	off = node("/chosen");
	assert_string_equal(str(off, "bootargs"), "console=ttyS0 quiet");
	assert_int_equal(cell64(off, "linux,initrd-start", 0), 0x8c000000);
	assert_int_equal(cell64(off, "linux,initrd-end", 0), 0x8c100000);
	/* stdout-path names a node that exists. */
	assert_true(fdt_path_offset(blob, str(off, "stdout-path")) > 0);
}

static void cpus_use_psci_and_carry_kvm_mpidrs(void **state)
{
	struct arm64_board b = board(ARM64_GIC_V3, ARM64_MSI_ITS);
	int off;

	(void)state;
	b.ncpus = 18;
	assert_int_equal(arm64_fdt_build(blob, sizeof(blob), &b), 0);
	off = node("/cpus/cpu@0");
	assert_string_equal(str(off, "enable-method"), "psci");
	assert_string_equal(str(off, "device_type"), "cpu");
	off = node("/cpus/cpu@101");            /* vCPU 17: Aff1 1, Aff0 1 */
	assert_int_equal(cell(off, "reg", 0), 0x101);
	assert_int_equal(arm64_mpidr(17), 0x101);
	off = node("/psci");
	assert_string_equal(str(off, "compatible"), "arm,psci-0.2");
	assert_string_equal(str(off, "method"), "hvc");
	off = node("/timer");
	assert_string_equal(str(off, "compatible"), "arm,armv8-timer");
	assert_int_equal(cell(off, "interrupts", 0), 1);            /* PPI */
	assert_int_equal(cell(off, "interrupts", 1), ARM64_TIMER_PPI_S);
	assert_int_equal(cell(off, "interrupts", 7), ARM64_TIMER_PPI_VIRT);
}

static void gicv3_has_redistributors_for_every_cpu_and_an_its(void **state)
{
	struct arm64_board b = board(ARM64_GIC_V3, ARM64_MSI_ITS);
	int gic, its, pci;

	(void)state;
	assert_int_equal(arm64_fdt_build(blob, sizeof(blob), &b), 0);
	gic = node("/intc@8000000");
	assert_string_equal(str(gic, "compatible"), "arm,gic-v3");
	assert_non_null(fdt_getprop(blob, gic, "interrupt-controller", NULL));
	assert_int_equal(cell64(gic, "reg", 4), ARM64_GIC_REDIST);
	assert_int_equal(cell64(gic, "reg", 6), 2 * ARM64_GIC_REDIST_PER_CPU);
	its = node("/intc@8000000/its@8080000");
	assert_string_equal(str(its, "compatible"), "arm,gic-v3-its");
	assert_non_null(fdt_getprop(blob, its, "msi-controller", NULL));
	/* Phandles resolve: the root's interrupt-parent is the GIC, the PCI
	 * node's msi-map points at the ITS. */
	assert_int_equal(fdt_node_offset_by_phandle(blob, cell(node("/"), "interrupt-parent", 0)), gic);
	pci = node("/pcie@10000000");
	assert_int_equal(fdt_node_offset_by_phandle(blob, cell(pci, "msi-map", 1)), its);
	assert_int_equal(cell(pci, "msi-map", 3), 0x10000);
	assert_null(fdt_getprop(blob, pci, "msi-parent", NULL));
}

static void gicv2_has_a_cpu_interface_and_a_v2m_frame(void **state)
{
	struct arm64_board b = board(ARM64_GIC_V2, ARM64_MSI_V2M);
	int gic, v2m, pci, timer;

	(void)state;
	assert_int_equal(arm64_fdt_build(blob, sizeof(blob), &b), 0);
	gic = node("/intc@8000000");
	assert_string_equal(str(gic, "compatible"), "arm,cortex-a15-gic");
	assert_int_equal(cell64(gic, "reg", 4), ARM64_GIC_CPU);
	v2m = node("/intc@8000000/v2m@8020000");
	assert_string_equal(str(v2m, "compatible"), "arm,gic-v2m-frame");
	assert_int_equal(cell(v2m, "arm,msi-base-spi", 0), 32 + ARM64_V2M_SPI_BASE);
	pci = node("/pcie@10000000");
	assert_int_equal(fdt_node_offset_by_phandle(blob, cell(pci, "msi-parent", 0)), v2m);
	assert_null(fdt_getprop(blob, pci, "msi-map", NULL));
	/* GICv2 PPIs carry the CPU mask. */
	timer = node("/timer");
	assert_int_equal(cell(timer, "interrupts", 2), 0x304);
}

static void pci_windows_are_identity_mapped_and_intx_reaches_the_gic(void **state)
{
	struct arm64_board b = board(ARM64_GIC_V3, ARM64_MSI_ITS);
	int pci, len, gic;
	const fdt32_t *map;

	(void)state;
	assert_int_equal(arm64_fdt_build(blob, sizeof(blob), &b), 0);
	pci = node("/pcie@10000000");
	gic = node("/intc@8000000");
	assert_string_equal(str(pci, "compatible"), "pci-host-ecam-generic");
	assert_int_equal(cell64(pci, "reg", 0), ARM64_PCI_ECAM);
	assert_int_equal(cell(pci, "bus-range", 1), 0);
	/* ranges: (flags, pci addr hi, lo) (cpu hi, lo) (size hi, lo), twice. */
	assert_int_equal(cell(pci, "ranges", 0), 0x02000000);
	assert_int_equal(cell64(pci, "ranges", 1), cell64(pci, "ranges", 3));
	assert_int_equal(cell64(pci, "ranges", 3), ARM64_PCI_MMIO32);
	assert_int_equal(cell64(pci, "ranges", 5), ARM64_PCI_MMIO32_SIZE);
	assert_int_equal(cell(pci, "ranges", 7), 0x43000000);   /* 64-bit prefetchable */
	assert_int_equal(cell64(pci, "ranges", 8), cell64(pci, "ranges", 10));
	assert_int_equal(cell64(pci, "ranges", 10), ARM64_PCI_MMIO64);
	assert_non_null(fdt_getprop(blob, pci, "dma-coherent", NULL));
	/* interrupt-map: 32 entries of 10 cells; slot 3 INTA -> SPI 11. */
	map = fdt_getprop(blob, pci, "interrupt-map", &len);
	assert_non_null(map);
	assert_int_equal(len, 32 * 10 * 4);
	assert_int_equal(fdt32_to_cpu(map[30]), 3 << 11);
	assert_int_equal(fdt32_to_cpu(map[33]), 1);
	assert_int_equal(fdt_node_offset_by_phandle(blob, fdt32_to_cpu(map[34])), gic);
	/* The GIC's #address-cells (2) are the zero cells that follow. */
	assert_int_equal(cell(gic, "#address-cells", 0), 2);
	assert_int_equal(fdt32_to_cpu(map[38]), ARM64_PCI_INTX_SPI + 3);
	assert_int_equal(cell(pci, "interrupt-map-mask", 0), 0xf800);
}

static void the_uart_is_an_mmio_16550_on_its_spi(void **state)
{
	struct arm64_board b = board(ARM64_GIC_V3, ARM64_MSI_NONE);
	int off;

	(void)state;
	assert_int_equal(arm64_fdt_build(blob, sizeof(blob), &b), 0);
	off = node("/uart@9000000");
	assert_string_equal(str(off, "compatible"), "ns16550a");
	assert_int_equal(cell64(off, "reg", 0), ARM64_UART);
	assert_int_equal(cell(off, "interrupts", 1), ARM64_UART_SPI);
	assert_int_equal(cell(off, "clock-frequency", 0), ARM64_UART_CLOCK);
	/* No MSI controller: PCI falls back to INTx. */
	off = node("/pcie@10000000");
	assert_null(fdt_getprop(blob, off, "msi-map", NULL));
	assert_null(fdt_getprop(blob, off, "msi-parent", NULL));
}

static void a_too_small_buffer_is_a_libfdt_error(void **state)
{
	struct arm64_board b = board(ARM64_GIC_V3, ARM64_MSI_ITS);

	(void)state;
	assert_int_equal(arm64_fdt_build(blob, 512, &b), -FDT_ERR_NOSPACE);
}

/* A fake KVM for the GIC choice: which versions can be created. */
struct fake { int v3, v2; unsigned tried; };

static int fake_try(void *opaque, enum arm64_gic v)
{
	struct fake *f = opaque;

	f->tried |= 1u << v;
	return v == ARM64_GIC_V3 ? f->v3 : f->v2;
}

static void gicv3_is_preferred_and_v2_is_the_fallback(void **state)
{
	struct fake both = { 0, 0, 0 }, only2 = { -19, 0, 0 }, none = { -19, -19, 0 };
	int err = 0;

	(void)state;
	assert_int_equal(arm64_gic_choose(4, fake_try, &both, &err), ARM64_GIC_V3);
	assert_int_equal(both.tried, 1u << 3);
	assert_int_equal(arm64_gic_choose(4, fake_try, &only2, &err), ARM64_GIC_V2);
	assert_int_equal(err, -19);             /* why v3 was not taken */
	assert_int_equal(arm64_gic_choose(4, fake_try, &none, &err), ARM64_GIC_NONE);
	assert_int_equal(err, -19);
	/* More than 8 vCPUs: GICv2 cannot address them, so it is not tried. */
	only2.tried = 0;
	assert_int_equal(arm64_gic_choose(9, fake_try, &only2, &err), ARM64_GIC_NONE);
	assert_int_equal(only2.tried, 1u << 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_root_memory_and_chosen_nodes_say_what_the_board_is),
		cmocka_unit_test(cpus_use_psci_and_carry_kvm_mpidrs),
		cmocka_unit_test(gicv3_has_redistributors_for_every_cpu_and_an_its),
		cmocka_unit_test(gicv2_has_a_cpu_interface_and_a_v2m_frame),
		cmocka_unit_test(pci_windows_are_identity_mapped_and_intx_reaches_the_gic),
		cmocka_unit_test(the_uart_is_an_mmio_16550_on_its_spi),
		cmocka_unit_test(a_too_small_buffer_is_a_libfdt_error),
		cmocka_unit_test(gicv3_is_preferred_and_v2_is_the_fallback),
	};
	return cmocka_run_group_tests_name("arm64_board", tests, NULL, NULL);
}
