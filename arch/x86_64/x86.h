/* Private to arch/x86_64. */
#ifndef AIRLOCK_X86_H
#define AIRLOCK_X86_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct kvm_cpuid2;
struct kvm_cpuid_entry2;

struct acpi_pm {
	struct vm *vm;
	uint8_t regs[6];
};

struct arch_vm {
	struct acpi_pm acpi_pm;
	struct kvm_cpuid2 *cpuid;   /* KVM_GET_SUPPORTED_CPUID, fetched once */
	uint64_t entry;             /* 64-bit kernel entry point */
	uint64_t zero_page;
	bool tsc_deadline;          /* KVM_CAP_TSC_DEADLINE_TIMER */
};

int x86_power_init(struct vm *vm);

/* Adjusts the host's supported CPUID for vCPU `cpu` of `ncpus`: APIC IDs,
 * topology, hypervisor bit and KVM signature. Pure. */
void x86_cpuid_patch(struct kvm_cpuid_entry2 *e, unsigned nent, unsigned cpu, unsigned ncpus);
/* Offers the TSC-deadline timer (CPUID.1:ECX[24]), which KVM emulates
 * when it has KVM_CAP_TSC_DEADLINE_TIMER but never lists in
 * KVM_GET_SUPPORTED_CPUID (as QEMU and Firecracker do). Pure. */
void x86_cpuid_tsc_deadline(struct kvm_cpuid_entry2 *e, unsigned nent);


/* The boot GDT (Documentation/arch/x86/boot.rst, 64-bit protocol). */
#define X86_BOOT_CS  0x10
#define X86_BOOT_DS  0x18
#define X86_BOOT_TSS 0x20
#define X86_GDT_CODE64 0x00af9b000000ffffULL
#define X86_GDT_DATA   0x00cf93000000ffffULL
#define X86_GDT_TSS    0x00808b000000ffffULL

#endif
