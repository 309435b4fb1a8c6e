/* The VM: KVM handles, guest RAM, the I/O bus and the vCPU threads. */
#ifndef AIRLOCK_VM_H
#define AIRLOCK_VM_H

#include "config.h"
#include "iobus.h"
#include "mem.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct kvm_run;
struct arch_vm;
struct console;

struct vcpu {
	struct vm *vm;
	unsigned id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	uint64_t exits_io, exits_mmio, exits_other;
};

struct vm {
	const struct vm_config *cfg;
	int kvm_fd, vm_fd;
	int run_size;             /* size of the kvm_run mapping */
	struct guest_mem mem;
	struct iobus bus;
	unsigned nr_vcpus;        /* created so far; cfg->cpus when running */
	struct vcpu *vcpus;
	struct arch_vm *arch;
	struct console *console;

	/* First request to stop wins; the main thread waits on exit_efd. */
	int exit_efd;
	int exit_status;
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

/* Drives an interrupt line (a GSI) of the in-kernel irqchip. */
void vm_irq_line(struct vm *vm, unsigned gsi, int level);

#endif
