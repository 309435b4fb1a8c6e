/* Puts virtio-pci devices on the VM: the KVM side of the transport
 * (ioeventfds, irqfds, MMIO mapping of BAR0) and the DMA window. */
#ifndef AIRLOCK_VIRTIO_HOST_H
#define AIRLOCK_VIRTIO_HOST_H

#include <stdbool.h>
#include <sys/types.h>

struct vm;
struct virtio_device;

/* Creates the devices the config asks for. 0 or -1 after one error line. */
int virtio_host_init(struct vm *vm);
int virtio_host_start(struct vm *vm);
void virtio_host_destroy(struct vm *vm);

/* Sandbox: fresh counters from the device processes; a child that exited
 * (true when it was a device process: the VM is ending with status 4). */
void virtio_host_sync_stats(struct vm *vm);
bool virtio_host_reap(struct vm *vm, pid_t pid, int status);

/* The i-th virtio device (creation order), or NULL past the last. */
struct virtio_pci;
struct virtio_pci *virtio_host_device(struct vm *vm, unsigned i);

#endif
