/* The seam between the generic VM core and one architecture. The core calls
 * only these; everything named x86 or arm lives behind them. */
#ifndef AIRLOCK_ARCH_H
#define AIRLOCK_ARCH_H

#include "../vmm/mem.h"

#include <stdint.h>

struct vm;
struct vcpu;
struct arch_vm;

/* Default kernel command line when the user gives none. */
extern const char arch_default_cmdline[];

/* Checks arch-specific KVM capabilities. 0, or -1 after one error line. */
int arch_check_kvm(int kvm_fd);

/* Guest-physical RAM regions for ram_size bytes of RAM. */
void arch_ram_layout(uint64_t ram_size, struct mem_layout *out);

/* After KVM_CREATE_VM and memory slots, before vCPUs: irqchip, timers,
 * platform devices. 0 or -1 after one error line. */
int arch_vm_init(struct vm *vm);

/* Loads kernel, initrd and firmware tables into guest RAM. */
int arch_load_guest(struct vm *vm);

/* Per vCPU, after the guest is loaded: CPUID, registers, MSRs. */
int arch_vcpu_init(struct vcpu *vcpu);

/* An exit the generic loop does not know. Returns 0 to continue, 1 when the
 * VM has been asked to stop, -1 for an unexpected exit (already reported). */
int arch_handle_exit(struct vcpu *vcpu);

/* One line of vCPU state (instruction pointer and the like) for reports. */
void arch_vcpu_describe(struct vcpu *vcpu, char *buf, unsigned len);

/* The board's fixed interrupt routes (legacy irqchip pins); MSI routes are
 * added after them by vmm/irq.c. Returns how many it wrote. */
struct kvm_irq_routing_entry;
unsigned arch_irq_routes(struct kvm_irq_routing_entry *e, unsigned max);

/* First GSI free for MSI routes. */
extern const unsigned arch_first_msi_gsi;

/* Fills route e (its gsi already set) for an MSI the guest programmed as
 * addr/data on PCI function devid (bus << 8 | slot << 3 | function). */
void arch_msi_route(const struct arch_vm *a, struct kvm_irq_routing_entry *e, uint64_t addr, uint32_t data,
		    uint32_t devid);

/* The GSI that INTA of PCI slot raises (what the firmware tables say). */
unsigned arch_pci_intx_gsi(unsigned slot);

/* KVM_IRQ_LINE's irq field for a GSI. */
uint32_t arch_irq_line_id(unsigned gsi);

/* After every vCPU exists, before devices bind interrupts (e.g. to
 * initialise an irqchip that needs the vCPUs). 0 or -1 after one error line. */
int arch_vm_finish(struct vm *vm);

void arch_vm_destroy(struct vm *vm);

#endif
