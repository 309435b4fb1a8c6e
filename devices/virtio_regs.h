/* The virtio register layouts and feature bits, named once: Linux's uapi
 * headers (virtio's, not KVM's) for what the spec defines, and below them
 * what the proposals and airlock's own BAR0 layout add. The transport, the
 * models, the tests and the fuzzers use these names. */
#ifndef AIRLOCK_VIRTIO_REGS_H
#define AIRLOCK_VIRTIO_REGS_H

#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

/* Provisional: the VIRTIO_F_SWIOTLB proposal (bit 27, a bounce BAR named
 * by cfg_type 10; ../shared/docs/BOUNCE-BAR.md). */
#define VIRTIO_F_SWIOTLB        27
#define VIRTIO_PCI_CAP_SWIOTLB  10

/* Provisional, as the VIRTIO_F_DMB proposal (2026) itself says: the bit,
 * where dmb_shm_id sits in the common configuration, and the shmid airlock
 * gives its region (no device type of ours defines shared memory; virtio-fs
 * uses 0 for its DAX window). A change in the proposal is a change here. */
#define VIRTIO_F_DMB                    44
#define VIRTIO_PCI_COMMON_DMB_SHM_ID    64      /* le16, read after FEATURES_OK */
#define VP_DMB_SHMID                    0x44

/* The common configuration airlock implements: virtio 1.2's fields, then
 * queue_notif_config_data, queue_reset, admin_queue_index and
 * admin_queue_num (56..63: present, zero, read-only: those features are not
 * offered), then dmb_shm_id. */
#define VP_COMMON_LEN                   (VIRTIO_PCI_COMMON_DMB_SHM_ID + 2)

/* airlock's BAR0 layout. */
#define VP_COMMON_OFF  0x0000
#define VP_ISR_OFF     0x1000
#define VP_DEVICE_OFF  0x2000
#define VP_NOTIFY_OFF  0x3000
#define VP_NOTIFY_MULT 4
#define VP_MSIX_OFF    0x4000
#define VP_PBA_OFF     0x5000
#define VP_BAR_SIZE    0x8000
#define VP_BOUNCE_BAR  2              /* 64-bit prefetchable: the bounce region */

#endif
