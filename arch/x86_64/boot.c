/* Putting an x86_64 guest in memory: bzImage, command line, initrd, the zero
 * page, ACPI tables, and the GDT and identity page tables the 64-bit entry
 * expects. */
#include "x86.h"
#include "acpi.h"
#include "layout.h"
#include "kernel.h"
#include "memmap.h"

#include "../arch.h"
#include "../../boot/bzimage.h"
#include "../../vmm/loader.h"
#include "../../lib/log.h"
#include "../../vmm/util.h"
#include "../../vmm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char arch_default_cmdline[] = "console=ttyS0";

static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* GDT at X86_GDT_ADDR; PML4 -> one PDPT -> four page directories of 2 MiB
 * pages: the first 4 GiB identity-mapped. */
static void write_boot_tables(struct guest_mem *mem)
{
	uint8_t *gdt = guest_mem_ptr(mem, X86_GDT_ADDR, 5 * 8);
	uint8_t *pml4 = guest_mem_ptr(mem, X86_PML4, 4096);
	uint8_t *pdpt = guest_mem_ptr(mem, X86_PDPT, 4096);
	uint8_t *pd = guest_mem_ptr(mem, X86_PD, 4 * 4096);

	memset(gdt, 0, 5 * 8);
	wr64(gdt + X86_BOOT_CS, X86_GDT_CODE64);
	wr64(gdt + X86_BOOT_DS, X86_GDT_DATA);
	wr64(gdt + X86_BOOT_TSS, X86_GDT_TSS);

	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	wr64(pml4, X86_PDPT | 3);
	for (unsigned i = 0; i < 4; i++)
		wr64(pdpt + i * 8, (X86_PD + i * 4096) | 3);
	for (unsigned i = 0; i < 4 * 512; i++)
		wr64(pd + i * 8, ((uint64_t)i << 21) | 0x83);   /* present, rw, 2M */
}

int arch_load_guest(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	const struct mem_region *low = &vm->mem.layout.r[0];
	const char *cmdline = cfg->cmdline ? cfg->cmdline : arch_default_cmdline;
	struct e820_entry e820[BZ_E820_MAX];
	struct bzimage_boot b = { 0 };
	struct x86_acpi_cfg acpi_cfg;
	struct x86_kernel k;
	uint64_t run_base, need_end, highest, entry, base;
	size_t len, cmdlen = strlen(cmdline);
	uint8_t *img, *zp;
	long acpi;

	if (cfg->dump_dtb) {
		pr_err("dump-dtb: x86_64 guests are described by ACPI tables, not a device tree");
		return -1;
	}
	if (load_kernel_file(cfg->kernel, &img, &len) < 0)
		return -1;
	if (x86_kernel_prepare(cfg, img, len, &k) < 0)
		goto err;

	if (k.host) {
		need_end = k.load_phys + k.span;
	} else {
		/* The decompressor runs at the preferred address when that is
		 * above where we load it, and needs init_size bytes from there. */
		run_base = k.info.pref_address > X86_KERNEL_LOAD ? k.info.pref_address : X86_KERNEL_LOAD;
		need_end = run_base + k.info.init_size;
	}
	if (!mem_layout_contains(&vm->mem.layout, X86_KERNEL_LOAD, need_end - X86_KERNEL_LOAD)) {
		pr_err("kernel %s needs %llu MiB of RAM but --mem gives %llu MiB",
		       cfg->kernel, (unsigned long long)((need_end + MIB(1) - 1) >> 20),
		       (unsigned long long)(cfg->mem_size >> 20));
		goto err;
	}
	if (cmdlen > k.info.cmdline_size || cmdlen >= X86_CMDLINE_MAX) {
		pr_err("command line is %zu bytes; this kernel takes at most %u", cmdlen,
		       k.info.cmdline_size);
		goto err;
	}
	memcpy(guest_mem_ptr(&vm->mem, X86_CMDLINE, cmdlen + 1), cmdline, cmdlen + 1);
	b.cmdline_addr = (uint32_t)X86_CMDLINE;

	highest = low->gpa + low->size;
	if (cfg->initrd) {
		if (k.info.initrd_addr_max && highest > (uint64_t)k.info.initrd_addr_max + 1)
			highest = (uint64_t)k.info.initrd_addr_max + 1;
		if (load_initrd(&vm->mem, cfg->initrd, need_end, highest, &b.initrd_addr,
				&b.initrd_size) < 0)
			goto err;
	}
	if (k.host) {
		if (x86_kernel_place(cfg, &vm->mem, &k, cfg->initrd ? b.initrd_addr : highest, &entry,
				     &base) < 0)
			goto err;
	} else {
		memcpy(guest_mem_ptr(&vm->mem, X86_KERNEL_LOAD, k.info.kernel_size),
		       img + k.info.setup_size, k.info.kernel_size);
		entry = X86_KERNEL_LOAD + 0x200;        /* the decompressor's startup_64 */
		base = X86_KERNEL_LOAD;
		snprintf(k.how, sizeof(k.how), "decompressed in the guest");
	}

	acpi_cfg.ncpus = cfg->cpus;
	acpi_cfg.mmio32_base = X86_PCI_MMIO32;
	acpi_cfg.mmio32_size = X86_PCI_MMIO32_SIZE;
	acpi_cfg.mmio64_base = x86_pci_mmio64_base(&vm->mem.layout);
	acpi_cfg.mmio64_size = X86_PCI_MMIO64_SIZE;
	acpi = x86_acpi_build(guest_mem_ptr(&vm->mem, X86_ACPI_BASE, X86_ACPI_END - X86_ACPI_BASE),
			      X86_ACPI_END - X86_ACPI_BASE, X86_ACPI_BASE, &acpi_cfg);
	if (acpi < 0) {
		pr_err("ACPI tables do not fit below 1 MiB");
		goto err;
	}
	b.rsdp_addr = X86_ACPI_BASE;
	b.e820 = e820;
	b.nr_e820 = x86_e820_build(&vm->mem.layout, e820, BZ_E820_MAX);
	zp = guest_mem_ptr(&vm->mem, X86_ZERO_PAGE, BZ_ZERO_PAGE_SIZE);
	bzimage_fill_zero_page(zp, k.hdr, &k.info, &b);
	if (k.host && k.kaslr)
		bzimage_zero_page_set_kaslr(zp);
	write_boot_tables(&vm->mem);

	vm->arch->entry = entry;
	vm->arch->zero_page = X86_ZERO_PAGE;
	pr_info("kernel: boot protocol %u.%02u, %s, at %#llx (%llu MiB); initrd %llu KiB",
		k.info.version >> 8, k.info.version & 0xff, k.how, (unsigned long long)base,
		(unsigned long long)((k.host ? k.span : k.info.init_size) >> 20),
		(unsigned long long)(b.initrd_size >> 10));
	x86_kernel_free(&k);
	free(img);
	return 0;
err:
	x86_kernel_free(&k);
	free(img);
	return -1;
}
