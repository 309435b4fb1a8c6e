/* The VM: KVM handles, guest RAM, the I/O bus and the vCPU threads. */
#ifndef AIRLOCK_VM_H
#define AIRLOCK_VM_H

#include "config.h"
#include "../devices/pci.h"
#include "iobus.h"
#include "mem.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct kvm_run;
struct arch_vm;
struct console;
struct irq_table;
struct virtio_host;

struct vcpu {
	struct vm *vm;
	unsigned id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	uint64_t exits_io, exits_mmio, exits_intr, exits_other;
};

struct vm {
	const struct vm_config *cfg;
	int kvm_fd, vm_fd;
	int run_size;             /* size of the kvm_run mapping */
	struct guest_mem mem;
	struct iobus bus;
	struct pci_bus pci;
	struct pci_dev host_bridge;
	/* PCI memory windows (set by the arch); BARs are placed bottom-up. */
	uint64_t pci_mmio32_start, pci_mmio32_next, pci_mmio32_end;
	uint64_t pci_mmio64_start, pci_mmio64_next, pci_mmio64_end;
	unsigned nr_vcpus;        /* created so far; cfg->cpus when running */
	struct vcpu *vcpus;
	struct arch_vm *arch;
	struct console *console;
	struct irq_table *irq;
	struct virtio_host *virtio;

	/* First request to stop wins; the main thread waits on exit_efd. */
	int exit_efd;
	int exit_status;
	char exit_why[160];       /* what stopped it, for the summary */
	bool stopping;
	pthread_mutex_t exit_lock;
};

/* Opens /dev/kvm, checks the API, creates the VM, its RAM and vCPUs, and
 * loads the guest. Returns 0, or -1 after printing one error line. */
int vm_create(struct vm *vm, const struct vm_config *cfg);

/* Starts the vCPU threads and waits until the guest stops. Returns the
 * process exit status. */
int vm_run(struct vm *vm);

void vm_destroy(struct vm *vm);

/* Asks the VM to stop with this exit status (callable from any thread). */
void vm_request_exit(struct vm *vm, int status, const char *why);

/* Guest address for a BAR of size bytes (naturally aligned) in the 64-bit
 * or 32-bit PCI window, or 0 when the window is full. */
uint64_t vm_pci_alloc(struct vm *vm, uint64_t size, bool is64);
/* Is [addr, addr + size) a naturally aligned range inside a PCI window
 * (where a BAR may decode: never RAM, the ECAM, the irqchip or MSI frames)? */
bool vm_pci_contains(const struct vm *vm, uint64_t addr, uint64_t size);

/* Drives an interrupt line (a GSI) of the in-kernel irqchip. */
void vm_irq_line(struct vm *vm, unsigned gsi, int level);

#endif
