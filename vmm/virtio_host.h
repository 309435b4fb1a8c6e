/* Puts virtio-pci devices on the VM: the KVM side of the transport
 * (ioeventfds, irqfds, MMIO mapping of BAR0) and the DMA window. */
#ifndef AIRLOCK_VIRTIO_HOST_H
#define AIRLOCK_VIRTIO_HOST_H

#include "sandbox.h"

#include <stdbool.h>
#include <sys/types.h>

struct console;
struct guest_mem;
struct iobus;
struct irq_table;
struct pci_bus;
struct pci_windows;
struct virtio_device;
struct virtio_host;
struct virtio_pci;
struct vm_config;

/* What the devices get of the VM: no struct vm, only these. */
struct virtio_host_env {
	const struct vm_config *cfg;
	int vm_fd;                      /* ioeventfds and the bounce memslots */
	struct iobus *bus;              /* BAR0 handlers */
	struct pci_bus *pci;
	struct pci_windows *win;        /* where BARs are placed and may go */
	struct irq_table *irq;          /* MSI routes and the INTx line */
	struct console *console;        /* typed input for a virtio console */
	const struct guest_mem *mem;    /* isolation off: the window is all of RAM */
	struct sandbox_host sandbox;    /* device processes: their exit latch, what they unmap */
};

/* Creates the devices the config asks for. NULL after one error line. */
struct virtio_host *virtio_host_init(const struct virtio_host_env *env);
int virtio_host_start(struct virtio_host *h);
void virtio_host_destroy(struct virtio_host *h);

/* Sandbox: fresh counters from the device processes; a child that exited
 * (true when it was a device process: the VM is ending with status 4). */
void virtio_host_sync_stats(struct virtio_host *h);
bool virtio_host_reap(struct virtio_host *h, pid_t pid, int status);

/* The i-th virtio device (creation order), or NULL past the last. */
struct virtio_pci *virtio_host_device(const struct virtio_host *h, unsigned i);

#endif
