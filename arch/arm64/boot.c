/* Putting an arm64 guest in memory (Documentation/arch/arm64/booting.rst):
 * the Image at a 2 MiB-aligned base plus text_offset, the device tree in
 * the last 2 MiB of RAM, the initrd just below it. */
#include "arm64.h"
#include "layout.h"

#include "../arch.h"
#include "../../boot/arm64_image.h"
#include "../../vmm/loader.h"
#include "../../lib/log.h"
#include "../../vmm/util.h"
#include "../../vmm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char arch_default_cmdline[] = "console=ttyS0";

static int dump_dtb(const char *path, const void *fdt)
{
	size_t len = fdt_totalsize(fdt);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n = fd < 0 ? -1 : write(fd, fdt, len);

	if (fd < 0 || n != (ssize_t)len || close(fd) < 0) {
		pr_err("dump-dtb %s: %s", path, n >= 0 ? "short write" : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	pr_info("device tree (%zu bytes) written to %s", len, path);
	return 0;
}

static const char *check_image(const uint8_t *b, size_t n)
{
	struct arm64_image_info info;
	enum arm64_image_err e = arm64_image_parse(b, n, &info);

	return e == ARM64_IMAGE_OK ? NULL : arm64_image_strerror(e);
}

/* An Image.gz (or another compressed Image) decompressed on the host, or
 * taken from the boot cache; *img becomes a buffer of its own. */
static int unpack_image(const struct vm_config *cfg, uint8_t **img, size_t *len, char *how,
			size_t howlen)
{
	enum dc_fmt f = dc_detect(*img, *len);
	struct kblob b;
	char what[300];
	int hit;

	if (f == DC_NONE)
		return 0;
	snprintf(what, sizeof(what), "kernel %s", cfg->kernel);
	if (f == DC_BZIP2 || f == DC_LZO) {
		pr_err("%s: a %s-compressed Image: decompress it first", what, dc_name(f));
		return -1;
	}
	if (loader_inflate(what, "arm64-image", f, *img, *len, cfg->mem_size, 0, check_image, &b,
			   &hit) < 0)
		return -1;
	free(*img);
	if (b.heap) {
		*img = b.heap;               /* inflated here: the buffer is ours */
	} else {
		*img = malloc(b.len);        /* a cache entry's mapping */
		if (!*img) {
			pr_err("%s: out of memory", what);
			kblob_free(&b);
			return -1;
		}
		memcpy(*img, b.p, b.len);
		kblob_free(&b);
	}
	*len = b.len;
	snprintf(how, howlen, ", %s, decompressed on the host%s", dc_name(f), hit ? " (cached)" : "");
	return 0;
}

int arch_load_guest(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	const uint64_t ram_end = ARM64_RAM_BASE + cfg->mem_size;
	struct arm64_board b = { 0 };
	struct arm64_image_info info;
	enum arm64_image_err e;
	uint64_t kernel, kernel_end, dtb;
	uint8_t *img;
	size_t len;
	void *fdt;
	char how[80] = "";
	int ret;

	if (load_kernel_file(cfg->kernel, &img, &len) < 0)
		return -1;
	if (unpack_image(cfg, &img, &len, how, sizeof(how)) < 0)
		goto err;
	e = arm64_image_parse(img, len, &info);
	if (e != ARM64_IMAGE_OK) {
		pr_err("kernel %s: %s", cfg->kernel, arm64_image_strerror(e));
		goto err;
	}
	kernel = ARM64_RAM_BASE + info.text_offset;
	kernel_end = kernel + info.image_size;
	/* The device tree gets the last 2 MiB block of RAM to itself. */
	dtb = (ram_end - ARM64_IMAGE_ALIGN) & ~(ARM64_IMAGE_ALIGN - 1);
	if (ram_end < ARM64_RAM_BASE + 2 * ARM64_IMAGE_ALIGN || kernel_end > dtb) {
		pr_err("kernel %s needs %llu MiB of RAM but --mem gives %llu MiB", cfg->kernel,
		       (unsigned long long)((info.image_size + info.text_offset + 2 * ARM64_IMAGE_ALIGN) >> 20),
		       (unsigned long long)(cfg->mem_size >> 20));
		goto err;
	}
	memcpy(guest_mem_ptr(&vm->mem, kernel, len), img, len);
	free(img);
	img = NULL;

	if (cfg->initrd &&
	    load_initrd(&vm->mem, cfg->initrd, kernel_end, dtb, &b.initrd_start, &b.initrd_size) < 0)
		return -1;

	b.ncpus = cfg->cpus;
	b.ram_base = ARM64_RAM_BASE;
	b.ram_size = cfg->mem_size;
	b.cmdline = cfg->cmdline ? cfg->cmdline : arch_default_cmdline;
	b.gic = vm->arch->gic;
	b.msi = vm->arch->msi;
	b.pci_slots = PCI_MAX_DEVICES;
	fdt = guest_mem_ptr(&vm->mem, dtb, ARM64_FDT_MAX);
	ret = arm64_fdt_build(fdt, ARM64_FDT_MAX, &b);
	if (ret < 0) {
		pr_err("building the device tree: %s", fdt_strerror(ret));
		return -1;
	}
	if (cfg->dump_dtb && dump_dtb(cfg->dump_dtb, fdt) < 0)
		return -1;
	vm->arch->entry = kernel;
	vm->arch->dtb = dtb;
	pr_info("kernel: arm64 Image%s, %zu KiB at %#llx (text_offset %#llx); dtb at %#llx; initrd %llu KiB",
		how, len >> 10, (unsigned long long)kernel, (unsigned long long)info.text_offset,
		(unsigned long long)dtb, (unsigned long long)(b.initrd_size >> 10));
	return 0;
err:
	free(img);
	return -1;
}
