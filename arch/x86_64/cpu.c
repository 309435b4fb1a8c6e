/* vCPU state at power-on: CPUID, MSRs, local APIC and, for the boot CPU, the
 * 64-bit register state the Linux boot protocol asks for. */
#include "x86.h"
#include "layout.h"

#include "../arch.h"
#include "../../lib/log.h"
#include "../../vmm/vm.h"

#include <errno.h>
#include <stdio.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define CR0_PE  (1ULL << 0)
#define CR0_ET  (1ULL << 4)
#define CR0_NE  (1ULL << 5)
#define CR0_PG  (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

static unsigned order_of(unsigned n)
{
	unsigned s = 0;

	while ((1u << s) < n)
		s++;
	return s;
}

/*
 * Without XSAVE a guest cannot enable the AVX state (XCR0), so nothing that
 * needs it may be offered: an AVX instruction would fault with #UD. KVM can
 * report such a set (seen in nested KVM under QEMU 7.2 TCG with XSAVE hidden:
 * Debian's aesni_intel took its AVX path and oopsed with an invalid opcode),
 * so clear what depends on XSAVE, as Linux's own cpuid-deps table does
 * when it turns XSAVE off.
 */
#define BIT(n) (1u << (n))
static void drop_xsave_dependents(struct kvm_cpuid_entry2 *e, unsigned nent)
{
	for (unsigned i = 0; i < nent; i++)
		if (e[i].function == 1 && (e[i].ecx & BIT(26)))
			return;
	for (unsigned i = 0; i < nent; i++, e++) {
		switch (e->function) {
		case 0x1:       /* FMA, OSXSAVE, AVX, F16C */
			e->ecx &= ~(BIT(12) | BIT(27) | BIT(28) | BIT(29));
			break;
		case 0x7:
			if (e->index == 0) {
				/* AVX2, AVX-512 F/DQ/IFMA/PF/ER/CD/BW/VL */
				e->ebx &= ~(BIT(5) | BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) |
					    BIT(28) | BIT(30) | BIT(31));
				/* AVX-512 VBMI/VBMI2, VAES, VPCLMULQDQ, VNNI, BITALG, VPOPCNTDQ */
				e->ecx &= ~(BIT(1) | BIT(6) | BIT(9) | BIT(10) | BIT(11) | BIT(12) | BIT(14));
				/* AVX-512 4VNNIW/4FMAPS/VP2INTERSECT/FP16, AMX */
				e->edx &= ~(BIT(2) | BIT(3) | BIT(8) | BIT(22) | BIT(23) | BIT(24) | BIT(25));
			} else if (e->index == 1) {
				e->eax &= ~(BIT(4) | BIT(5));   /* AVX-VNNI, AVX-512 BF16 */
			}
			break;
		case 0xd:       /* the XSAVE state components */
			e->eax = e->ebx = e->ecx = e->edx = 0;
			break;
		case 0x80000001:        /* XOP, FMA4 */
			e->ecx &= ~(BIT(11) | BIT(16));
			break;
		}
	}
}

void x86_cpuid_patch(struct kvm_cpuid_entry2 *e, unsigned nent, unsigned cpu, unsigned ncpus)
{
	unsigned shift = order_of(ncpus);

	drop_xsave_dependents(e, nent);

	for (unsigned i = 0; i < nent; i++, e++) {
		switch (e->function) {
		case 0x1:
			/* Initial APIC ID, logical processors per package. */
			e->ebx = (e->ebx & 0xffff) | (cpu << 24) | (((1u << shift) & 0xff) << 16);
			e->ecx |= 1u << 31;                     /* running on a hypervisor */
			if (ncpus > 1)
				e->edx |= 1u << 28;             /* HTT: the count is valid */
			else
				e->edx &= ~(1u << 28);
			break;
		case 0x4:
			/* Cores per package - 1; every vCPU is one core. */
			e->eax = (e->eax & 0x03ffffff) | (((1u << shift) - 1) << 26);
			break;
		case 0xb:
		case 0x1f:
			/* Two levels: one thread per core, ncpus cores. */
			if (e->index == 0) {
				e->eax = 0;
				e->ebx = 1;
				e->ecx = 1u << 8;
			} else if (e->index == 1) {
				e->eax = shift;
				e->ebx = ncpus;
				e->ecx = 2u << 8 | 1;
			} else {
				e->eax = e->ebx = 0;
				e->ecx = e->index;
			}
			e->edx = cpu;
			break;
		case 0x40000000:
			e->eax = 0x40000001;
			memcpy(&e->ebx, "KVMK", 4);
			memcpy(&e->ecx, "VMKV", 4);
			memcpy(&e->edx, "M\0\0\0", 4);
			break;
		case 0x80000008:
			/* AMD: ApicIdSize and cores per package - 1. */
			e->ecx = (e->ecx & ~0xf0ffu) | (shift << 12) | (ncpus - 1);
			break;
		case 0x8000001e:
			/* AMD topology extensions: one thread per compute unit. */
			e->eax = cpu;
			e->ebx = cpu & 0xff;
			e->ecx = 0;
			e->edx = 0;
			break;
		}
	}
}

void x86_cpuid_tsc_deadline(struct kvm_cpuid_entry2 *e, unsigned nent)
{
	for (unsigned i = 0; i < nent; i++)
		if (e[i].function == 0x1)
			e[i].ecx |= BIT(24);
}

static int setup_cpuid(struct vcpu *vcpu)
{
	const struct kvm_cpuid2 *host = vcpu->vm->arch->cpuid;
	size_t sz = sizeof(*host) + host->nent * sizeof(host->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	int ret;

	if (!c)
		return -ENOMEM;
	memcpy(c, host, sz);
	x86_cpuid_patch(c->entries, c->nent, vcpu->id, vcpu->vm->cfg->cpus);
	if (vcpu->vm->arch->tsc_deadline)
		x86_cpuid_tsc_deadline(c->entries, c->nent);
	ret = ioctl(vcpu->fd, KVM_SET_CPUID2, c);
	free(c);
	return ret < 0 ? -errno : 0;
}

static int setup_msrs(struct vcpu *vcpu)
{
	static const struct { uint32_t index; uint64_t data; } init[] = {
		{ 0x174, 0 }, { 0x175, 0 }, { 0x176, 0 },         /* SYSENTER_* */
		{ 0xc0000081, 0 }, { 0xc0000082, 0 },             /* STAR, LSTAR */
		{ 0xc0000083, 0 }, { 0xc0000084, 0 },             /* CSTAR, SFMASK */
		{ 0xc0000102, 0 },                                /* KERNEL_GS_BASE */
		{ 0x10, 0 },                                      /* TSC */
		{ 0x1a0, 1 },                                     /* MISC_ENABLE: fast strings */
		/* MTRRs on, default type write-back: without it the guest may
		 * run everything uncached (and map BARs UC later). */
		{ 0x2ff, (1u << 11) | 6 },
	};
	const unsigned n = sizeof(init) / sizeof(init[0]);
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[sizeof(init) / sizeof(init[0])];
	} m;
	int ret;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = n;
	for (unsigned i = 0; i < n; i++) {
		m.e[i].index = init[i].index;
		m.e[i].data = init[i].data;
	}
	ret = ioctl(vcpu->fd, KVM_SET_MSRS, &m);
	if (ret < 0)
		return -errno;
	/* KVM stops at the first it refuses: say which, the rest are unset. */
	if ((unsigned)ret != n)
		pr_warn("vcpu%u: KVM refused boot MSR %#x (took %d of %u)", vcpu->id, init[ret].index, ret, n);
	return 0;
}

/* LINT0 delivers the 8259's ExtINT, LINT1 NMI, as a BIOS would leave them. */
static int setup_lapic(struct vcpu *vcpu)
{
	struct kvm_lapic_state l;
	uint32_t v;

	if (ioctl(vcpu->fd, KVM_GET_LAPIC, &l) < 0)
		return -errno;
	memcpy(&v, &l.regs[0x350], 4);
	v = (v & ~0x700u) | 0x700u;
	memcpy(&l.regs[0x350], &v, 4);
	memcpy(&v, &l.regs[0x360], 4);
	v = (v & ~0x700u) | 0x400u;
	memcpy(&l.regs[0x360], &v, 4);
	return ioctl(vcpu->fd, KVM_SET_LAPIC, &l) < 0 ? -errno : 0;
}

static int setup_fpu(struct vcpu *vcpu)
{
	struct kvm_fpu fpu;

	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37f;
	fpu.mxcsr = 0x1f80;
	return ioctl(vcpu->fd, KVM_SET_FPU, &fpu) < 0 ? -errno : 0;
}

static struct kvm_segment segment(uint16_t sel, uint8_t type, int code)
{
	struct kvm_segment s = {
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = !code, .s = 1, .l = !!code, .g = 1,
	};
	return s;
}

/* Long mode with paging on the boot identity map (set up by the loader). */
static int setup_boot_regs(struct vcpu *vcpu)
{
	struct arch_vm *a = vcpu->vm->arch;
	struct kvm_sregs sr;
	struct kvm_regs r;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sr) < 0)
		return -errno;
	sr.cs = segment(X86_BOOT_CS, 0xb, 1);
	sr.ds = sr.es = sr.fs = sr.gs = sr.ss = segment(X86_BOOT_DS, 0x3, 0);
	sr.tr = segment(X86_BOOT_TSS, 0xb, 0);
	sr.tr.s = 0;
	sr.tr.db = 0;
	sr.tr.limit = 0xfffff;
	sr.gdt.base = X86_GDT_ADDR;
	sr.gdt.limit = 5 * 8 - 1;
	sr.idt.base = 0;
	sr.idt.limit = 0;
	sr.cr3 = X86_PML4;
	sr.cr4 |= CR4_PAE;
	/* Reset leaves CD and NW set: caches off, which makes a guest crawl. */
	sr.cr0 = CR0_PE | CR0_PG | CR0_ET | CR0_NE;
	sr.efer |= EFER_LME | EFER_LMA;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sr) < 0)
		return -errno;

	memset(&r, 0, sizeof(r));
	r.rflags = 0x2;
	r.rip = a->entry;
	r.rsi = a->zero_page;
	return ioctl(vcpu->fd, KVM_SET_REGS, &r) < 0 ? -errno : 0;
}

int arch_vcpu_init(struct vcpu *vcpu)
{
	int ret;
	const char *step;

	if ((ret = setup_cpuid(vcpu)) < 0) {
		step = "set CPUID";
	} else if ((ret = setup_msrs(vcpu)) < 0) {
		step = "set MSRs";
	} else if ((ret = setup_lapic(vcpu)) < 0) {
		step = "set up the local APIC";
	} else if ((ret = setup_fpu(vcpu)) < 0) {
		step = "set up the FPU";
	} else if (vcpu->id == 0 && (ret = setup_boot_regs(vcpu)) < 0) {
		step = "set boot registers";
	} else {
		/* Other vCPUs wait in the kernel for INIT/SIPI from the guest. */
		return 0;
	}
	pr_err("vcpu%u: cannot %s: %s", vcpu->id, step, strerror(-ret));
	return -1;
}

void arch_vcpu_describe(struct vcpu *vcpu, char *buf, unsigned len)
{
	struct kvm_regs r;
	struct kvm_sregs sr;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(vcpu->fd, KVM_GET_SREGS, &sr) < 0) {
		snprintf(buf, len, "registers unavailable: %s", strerror(errno));
		return;
	}
	int n = snprintf(buf, len, "rip=%#llx rsp=%#llx rflags=%#llx cr0=%#llx cr2=%#llx cr3=%#llx cr4=%#llx efer=%#llx",
			 (unsigned long long)r.rip, (unsigned long long)r.rsp, (unsigned long long)r.rflags,
			 (unsigned long long)sr.cr0, (unsigned long long)sr.cr2, (unsigned long long)sr.cr3,
			 (unsigned long long)sr.cr4, (unsigned long long)sr.efer);
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[3];
	} m = { .hdr.nmsrs = 3, .e = { { .index = 0xc0000082 }, { .index = 0xc0000084 }, { .index = 0xc0000102 } } };
	struct kvm_vcpu_events ev;

	/* What a crash in the syscall path needs (LSTAR, SFMASK, the other
	 * GS base), and an exception the vCPU was delivering. */
	if (n > 0 && (unsigned)n < len && ioctl(vcpu->fd, KVM_GET_MSRS, &m) == 3)
		n += snprintf(buf + n, len - (unsigned)n, " lstar=%#llx sfmask=%#llx kgsbase=%#llx",
			      (unsigned long long)m.e[0].data, (unsigned long long)m.e[1].data,
			      (unsigned long long)m.e[2].data);
	if (n > 0 && (unsigned)n < len && ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev) == 0 &&
	    (ev.exception.injected || ev.exception.pending))
		snprintf(buf + n, len - (unsigned)n, " exception=%u%s error=%#x", ev.exception.nr,
			 ev.exception.injected ? " (injected)" : " (pending)", ev.exception.error_code);
	if (getenv("AIRLOCK_DUMP_CODE")) {
		const uint8_t *code = guest_mem_ptr(&vcpu->vm->mem, r.rip, 32);
		for (int i = 0; code && i < 32; i++)
			fprintf(stderr, "%02x ", code[i]);
		fprintf(stderr, "\n");
	}
}
