/* Private to arch/x86_64. */
#ifndef AIRLOCK_X86_H
#define AIRLOCK_X86_H

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
};

int x86_power_init(struct vm *vm);

/* Adjusts the host's supported CPUID for vCPU `cpu` of `ncpus`: APIC IDs,
 * topology, hypervisor bit and KVM signature. Pure. */
void x86_cpuid_patch(struct kvm_cpuid_entry2 *e, unsigned nent, unsigned cpu, unsigned ncpus);


/* The boot GDT (Documentation/arch/x86/boot.rst, 64-bit protocol). */
#define X86_BOOT_CS  0x10
#define X86_BOOT_DS  0x18
#define X86_BOOT_TSS 0x20
#define X86_GDT_CODE64 0x00af9b000000ffffULL
#define X86_GDT_DATA   0x00cf93000000ffffULL
#define X86_GDT_TSS    0x00808b000000ffffULL

#endif
