#include "kernel.h"
#include "layout.h"

#include "../arch.h"
#include "../../lib/clock.h"
#include "../../lib/le.h"
#include "../../lib/log.h"
#include "../../vmm/loader.h"
#include "../../vmm/util.h"
#include "../../vmm/vm.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#define MIN_ALIGN MIB(2)            /* startup_64 runs only 2 MiB-aligned */

/* The command line has a parameter w (a whole word, or w=...), with
 * Linux's separators: any byte up to ' '. */
static int has_param(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = s; (p = strstr(p, w)); p += n)
		if ((p == s || (unsigned char)p[-1] <= ' ') &&
		    ((unsigned char)p[n] <= ' ' || p[n] == '='))
			return 1;
	return 0;
}

static const char *check_elf(const uint8_t *b, size_t n)
{
	struct elf_info e;
	enum elf_err r = elf_parse(b, n, ELF_EM_X86_64, &e);

	return r == ELF_OK ? NULL : elf_strerror(r);
}

/* The classic path, and why, at debug level. */
static int classic(struct x86_kernel *k, const char *path, const char *why)
{
	pr_debug("kernel %s: %s: its own decompressor runs in the guest", path, why);
	kblob_free(&k->elf);
	k->host = 0;
	return 0;
}

/* A bzImage: its payload decompressed here. 1 when that is the path, 0 for
 * the classic one, -1 on an error. */
static int from_bzimage(const struct vm_config *cfg, const uint8_t *img, struct x86_kernel *k,
			int nokaslr)
{
	const struct bzimage_info *i = &k->info;
	const uint8_t *payload = img + i->setup_size + i->payload_offset;
	char what[300];
	enum dc_fmt f;
	int hit;

	if (i->payload_length < 8 || i->payload_offset > i->kernel_size ||
	    i->payload_length > i->kernel_size - i->payload_offset)
		return classic(k, cfg->kernel, "no payload in its setup header"), 0;
	f = dc_detect(payload, i->payload_length);
	if (f == DC_NONE || f == DC_BZIP2 || f == DC_LZO)
		return classic(k, cfg->kernel, f == DC_NONE ? "payload format unknown"
				: f == DC_BZIP2 ? "bzip2 payload" : "lzo payload"), 0;
	if (!nokaslr && !i->relocatable)
		return classic(k, cfg->kernel, "not relocatable (and no nokaslr)"), 0;
	snprintf(what, sizeof(what), "kernel %s", cfg->kernel);
	/* The payload ends in its decompressed length: a first guess only.
	 * No kernel is 1 GiB: that bounds the host's memory too. */
	if (loader_inflate(what, "x86-vmlinux", f, payload, i->payload_length,
			   cfg->mem_size < X86_KERNEL_IMAGE_SIZE ? cfg->mem_size : X86_KERNEL_IMAGE_SIZE,
			   le32(payload + i->payload_length - 4), check_elf, &k->elf, &hit) < 0)
		return -1;
	elf_parse(k->elf.p, k->elf.len, ELF_EM_X86_64, &k->e);
	k->load_phys = i->pref_address;
	k->kaslr = !nokaslr && i->relocatable &&
		   x86_relocs_find(k->elf.p, k->elf.len, (size_t)k->e.file_end, &k->relocs) == 0;
	if (!nokaslr && !k->kaslr)
		return classic(k, cfg->kernel,
			       "no relocation table after its payload's ELF (and no nokaslr)"), 0;
	snprintf(k->how, sizeof(k->how), "%s payload decompressed on the host%s", dc_name(f),
		 hit ? " (cached)" : "");
	return 1;
}

int x86_kernel_prepare(const struct vm_config *cfg, const uint8_t *img, size_t len,
		       struct x86_kernel *k)
{
	const char *cmd = cfg->cmdline ? cfg->cmdline : arch_default_cmdline;
	int nokaslr = has_param(cmd, "nokaslr"), r;
	enum bz_err bz;
	char why[128];

	memset(k, 0, sizeof(*k));
	if (elf_is_elf(img, len)) {
		enum elf_err e = elf_parse(img, len, ELF_EM_X86_64, &k->e);

		if (e != ELF_OK) {
			pr_err("kernel %s: %s", cfg->kernel, elf_strerror(e));
			return -1;
		}
		bzimage_synth_header(k->synth, &k->info);
		k->hdr = k->synth;
		k->elf.p = img;                  /* the caller's buffer */
		k->elf.len = len;
		k->load_phys = k->e.pmin & ~(MIN_ALIGN - 1);
		/* A vmlinux has no relocation table; the ELF a payload holds does. */
		k->kaslr = !nokaslr && x86_relocs_find(img, len, (size_t)k->e.file_end, &k->relocs) == 0;
		snprintf(k->how, sizeof(k->how), "ELF%s", k->kaslr ? "" : ", no relocation table: no KASLR");
	} else {
		bz = bzimage_parse(img, len, &k->info);
		if (bz != BZ_OK) {
			pr_err("kernel %s: %s", cfg->kernel, bz_strerror(bz, &k->info, why, sizeof(why)));
			return -1;
		}
		k->hdr = img;
		if ((r = from_bzimage(cfg, img, k, nokaslr)) <= 0)
			return r;
	}
	if (k->load_phys < X86_KERNEL_LOAD || k->e.pmin < k->load_phys) {
		pr_err("kernel %s: its ELF loads at %#llx, below 1 MiB or its load address",
		       cfg->kernel, (unsigned long long)k->e.pmin);
		kblob_free(&k->elf);
		return -1;
	}
	k->span = k->e.pmax - k->load_phys;
	k->align = k->info.kernel_alignment;
	if (k->align < MIN_ALIGN || (k->align & (k->align - 1)))
		k->align = MIN_ALIGN;
	if (k->load_phys & (MIN_ALIGN - 1))
		k->kaslr = 0;
	/* The decompressor keeps a randomized kernel inside mem= and out of
	 * memmap= ranges; airlock does not parse them: with either, the
	 * kernel stays at its load address (the virtual offset still moves). */
	k->fixed_phys = has_param(cmd, "mem") || has_param(cmd, "memmap");
	k->host = 1;
	return 0;
}

/* A random multiple of align in [0, range], or 0 without randomness. */
static uint64_t random_slot(uint64_t range, uint64_t align)
{
	uint64_t r;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		return 0;
	return r % (range / align + 1) * align;
}

int x86_kernel_place(const struct vm_config *cfg, struct guest_mem *mem, struct x86_kernel *k,
		     uint64_t top, uint64_t *entry, uint64_t *base)
{
	uint64_t b = k->load_phys, delta = 0;
	long long t0, t1;
	uint8_t *dst;

	if (b + k->span > top || !mem_layout_contains(&mem->layout, b, k->span)) {
		pr_err("kernel %s needs %llu MiB of RAM but --mem gives %llu MiB", cfg->kernel,
		       (unsigned long long)((b + k->span + MIB(1) - 1) >> 20),
		       (unsigned long long)(cfg->mem_size >> 20));
		return -1;
	}
	if (k->kaslr) {
		/* As the decompressor: a physical slot anywhere the image fits
		 * below top, and a virtual one in the kernel image's 1 GiB. */
		if (!k->fixed_phys)
			b += random_slot(top - k->span - b, k->align);
		if (k->load_phys + k->span <= X86_KERNEL_IMAGE_SIZE)
			delta = random_slot(X86_KERNEL_IMAGE_SIZE - k->load_phys - k->span, k->align);
	}
	dst = guest_mem_ptr(mem, b, k->span);
	t0 = mono_us();
	for (unsigned i = 0; i < k->e.nseg; i++) {
		const struct elf_seg *s = &k->e.seg[i];
		uint8_t *d = dst + (s->paddr - k->load_phys);

		memcpy(d, k->elf.p + s->offset, s->filesz);
		memset(d + s->filesz, 0, s->memsz - s->filesz);
	}
	t1 = mono_us();
	if (delta && x86_relocs_apply(&k->relocs, dst, k->span, k->load_phys, delta) < 0) {
		pr_err("kernel %s: a relocation points outside the kernel", cfg->kernel);
		return -1;
	}
	*entry = b + (k->e.entry - k->load_phys);
	*base = b;
	pr_debug("kernel: KASLR %s: physical %#llx, virtual offset %#llx; segments copied in %lld us, relocated in %lld us",
		 k->kaslr ? "on" : "off", (unsigned long long)b, (unsigned long long)delta, t1 - t0,
		 mono_us() - t1);
	return 0;
}

void x86_kernel_free(struct x86_kernel *k)
{
	kblob_free(&k->elf);     /* a vmlinux's blob is the caller's: nothing to free */
}
