/* The VM: KVM handles, guest RAM, the I/O bus and the vCPU threads. Only
 * vm.c, its arch half (arch/<arch>/) and main.c see this struct; the parts
 * the VM owns (console, irq table, virtio devices, device processes, the
 * exit summary) get narrow handles instead (handles.h, virtio_host.h). */
#ifndef AIRLOCK_VM_H
#define AIRLOCK_VM_H

#include "config.h"
#include "../devices/pci.h"
#include "handles.h"
#include "iobus.h"
#include "mem.h"
#include "pciwin.h"
#include "stats.h"

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
	struct vcpu_stats *st;          /* its entry in vm->vcpu_stats */
};

struct vm {
	const struct vm_config *cfg;
	int kvm_fd, vm_fd;
	int run_size;             /* size of the kvm_run mapping */
	long long start_us;       /* main() to vCPU 0's first KVM_RUN (the VMM's start time) */
	struct guest_mem mem;
	struct iobus bus;
	struct pci_bus pci;
	struct pci_dev host_bridge;
	struct pci_windows pciwin;        /* set by the arch */
	struct pvpanic *pvpanic;          /* --pvpanic, or NULL */
	unsigned nr_vcpus;        /* created so far; cfg->cpus when running */
	struct vcpu *vcpus;
	struct vcpu_stats *vcpu_stats;
	/* What a device process unmaps: guest RAM and each vCPU's state. */
	struct host_mapping *drop;
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
/* The guest asked for a reboot: status 0, or 6 with --on-reboot
 * exit-code, or 3 when its console showed a kernel panic (--console-panic). */
void vm_guest_reboot(struct vm *vm);

/* The handles for the VM's parts: its exit latch (vm_request_exit) and its
 * irqchip lines (needs the irq table: after irq_init). */
struct exit_latch vm_exit_latch(struct vm *vm);
struct irq_lines vm_irq_lines(struct vm *vm);

/* What the run leaves for the exit summary (valid until vm_destroy). */
void vm_summary(const struct vm *vm, struct run_summary *s);

#endif
