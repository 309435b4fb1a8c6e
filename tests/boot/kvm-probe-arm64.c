/* Exits 0 if /dev/kvm runs guest code at hardware speed: a loop of two
 * million instructions must finish within 200 ms (about 1 ms on hardware).
 * The arm64 twin of kvm-probe-x86_64.c. */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#define CORE_REG(name) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
			(offsetof(struct kvm_regs, name) / sizeof(uint32_t)))

static int set_reg(int cpu, uint64_t id, uint64_t v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&v };

	return ioctl(cpu, KVM_SET_ONE_REG, &r);
}

int main(void)
{
	/* movz x0, #0x4240; movk x0, #0xf, lsl 16; 1: subs x0, x0, #1; b.ne 1b;
	 * str x0, [x1] (x1 points outside RAM: an MMIO exit) */
	static const uint32_t code[] = { 0xd2884800, 0xf2a001e0, 0xf1000400, 0x54ffffe1,
					 0xf9000020 };
	struct kvm_vcpu_init init;
	struct timespec a, b;
	struct kvm_run *run;
	unsigned char *mem;
	int kvm, vm, cpu;
	double secs;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0 || (vm = ioctl(kvm, KVM_CREATE_VM, 0)) < 0)
		return 2;
	mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memcpy(mem, code, sizeof(code));
	struct kvm_userspace_memory_region slot = { 0, 0, 0, 0x10000, (unsigned long)mem };
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0 ||
	    (cpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0 ||
	    ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0 ||
	    ioctl(cpu, KVM_ARM_VCPU_INIT, &init) < 0 ||
	    set_reg(cpu, CORE_REG(regs.pc), 0) < 0 || set_reg(cpu, CORE_REG(regs.regs[1]), 0x100000) < 0)
		return 2;
	run = mmap(NULL, (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE,
		   MAP_SHARED, cpu, 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (ioctl(cpu, KVM_RUN, 0) < 0 || run->exit_reason != KVM_EXIT_MMIO)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("kvm-probe: 2M guest instructions in %.3f s\n", secs);
	return secs < 0.2 ? 0 : 1;
}
