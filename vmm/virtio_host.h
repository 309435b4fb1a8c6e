/* Puts virtio-pci devices on the VM: the KVM side of the transport
 * (ioeventfds, irqfds, MMIO mapping of BAR0) and the DMA window. */
#ifndef AIRLOCK_VIRTIO_HOST_H
#define AIRLOCK_VIRTIO_HOST_H

struct vm;
struct virtio_device;

/* Creates the devices the config asks for. 0 or -1 after one error line. */
int virtio_host_init(struct vm *vm);
int virtio_host_start(struct vm *vm);
void virtio_host_destroy(struct vm *vm);

/* The i-th virtio device (creation order), or NULL past the last. */
struct virtio_pci;
struct virtio_pci *virtio_host_device(struct vm *vm, unsigned i);

#endif
