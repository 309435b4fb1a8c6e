/* x86_64. Exits 0 if /dev/kvm runs guest code at hardware speed: a real-mode loop of
 * two million instructions must finish within 200 ms (it takes about 1 ms on
 * hardware). Some sandboxes expose a working /dev/kvm that is ~1000x slower. */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

int main(void)
{
	/* mov ecx, 1000000; 1: dec ecx; jnz 1b; out 0x10, al */
	static const unsigned char code[] = { 0x66, 0xb9, 0x40, 0x42, 0x0f, 0x00, 0x66, 0x49,
					      0x75, 0xfc, 0xe6, 0x10 };
	struct timespec a, b;
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = 0, .rflags = 2 };
	struct kvm_run *run;
	unsigned char *mem;
	int kvm, vm, cpu;
	double secs;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0 || (vm = ioctl(kvm, KVM_CREATE_VM, 0)) < 0)
		return 2;
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memcpy(mem, code, sizeof(code));
	struct kvm_userspace_memory_region slot = { 0, 0, 0, 0x1000, (unsigned long)mem };
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0 ||
	    (cpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0)
		return 2;
	run = mmap(NULL, (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE,
		   MAP_SHARED, cpu, 0);
	ioctl(cpu, KVM_GET_SREGS, &s);
	s.cs.base = 0;
	s.cs.selector = 0;
	ioctl(cpu, KVM_SET_SREGS, &s);
	ioctl(cpu, KVM_SET_REGS, &r);
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (ioctl(cpu, KVM_RUN, 0) < 0 || run->exit_reason != KVM_EXIT_IO)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("kvm-probe: 2M guest instructions in %.3f s\n", secs);
	return secs < 0.2 ? 0 : 1;
}
