/* SPDX-License-Identifier: GPL-2.0 */
/*
 * airlock_virtio's parts: av_main.c (the virtio transport, probe, module),
 * av_caps.c (capabilities read once and checked: the host is not trusted),
 * av_pool.c (the bounce pool and the DMA ops over it), av_hooks.c (the
 * isolation tests' hostile request).
 */
#ifndef AIRLOCK_AV_H
#define AIRLOCK_AV_H

#include <linux/cache.h>
#include <linux/dma-map-ops.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>
#include <linux/virtio_pci_modern.h>

#define VIRTIO_F_SWIOTLB		27
#define VIRTIO_PCI_CAP_SWIOTLB		10
/* Provisional in the VIRTIO_F_DMB proposal itself: the bit, and where
 * dmb_shm_id (le16, valid after FEATURES_OK) sits in the common cfg. */
#define VIRTIO_F_DMB			44
#define AV_COMMON_DMB_SHM_ID		64
#define AV_COMMON_LEN_DMB		(AV_COMMON_DMB_SHM_ID + 2)
#define AV_MAX_SHM			8	/* shared-memory capabilities read */
#define AV_SLOT_SHIFT			11	/* 2 KiB slots */
#define AV_SLOT				(1UL << AV_SLOT_SHIFT)
#define AV_MAX_MAPPING			(256 * 1024)
#define AV_MAX_POOL			(1UL << 30)	/* the VMM's largest, --bounce 1G */
#define AV_MAX_QUEUE			32768		/* the spec's largest queue_size */
/* The smallest region used: below it the rings leave too little for one
 * request (the block layer's segments are a page at least), and I/O would
 * wait for room that never comes; refused instead. */
#define AV_MIN_REGION			max_t(u64, SZ_64K, 8 * PAGE_SIZE)
/* Areas are 512 pages or more (as swiotlb's and the DMB RFC's). */
#define AV_AREA_MIN_SLOTS		(512 * (PAGE_SIZE / AV_SLOT))

/* What the device is given: bus addresses in the region (SWIOTLB), offsets
 * into it (DMB). As the mode parameter AV_NONE is auto: DMB if offered. */
enum av_mode { AV_NONE, AV_SWIOTLB, AV_DMB };
extern const char * const av_mode_names[];
extern unsigned int av_pool_areas;	/* module parameter pool_areas */

/*
 * The host is not trusted: every value read from config space or from the
 * device is checked before it sizes, offsets or bounds anything, and a
 * device that lies is refused with one line naming the value. Capabilities
 * are read once each (the host may answer differently every time), and
 * what was checked is what is mapped.
 */
struct av_cap {
	int pos;			/* in config space; 0: absent */
	u8 cap_len, bar;
	u32 off, len;
};

/* A shared-memory capability (cfg_type 8): struct virtio_pci_cap64. */
struct av_shm {
	int pos;
	u8 cap_len, bar, id;
	u64 off, len;
};

struct av_caps {
	struct av_cap cap[VIRTIO_PCI_CAP_SWIOTLB + 1];	/* by cfg_type */
	struct av_shm shm[AV_MAX_SHM];			/* every one, in order */
	unsigned int nshm;
	u32 notify_mult;
};

/* Where the pool lives: len bytes at off in a BAR, as checked. */
struct av_region {
	u8 bar;
	u64 off, len;
};

/* One CPU's part of the pool (several CPUs share one when there are more
 * CPUs than areas): its own lock over its own slots, whose first is a
 * multiple of BITS_PER_LONG so that no two areas share a bitmap word. */
struct av_area {
	spinlock_t lock;
	unsigned long start, nslots;
} ____cacheline_aligned_in_smp;

/* The bounce pool: a bitmap of 2 KiB slots over the region (with DMB, over
 * all of it but its first page, so that no address handed out is 0), in
 * per-CPU areas; a mapping never straddles two. */
struct av_pool {
	enum av_mode mode;		/* AV_NONE: no pool, every mapping fails */
	struct av_region r;
	void *region_va;		/* write-back mapping of the whole region */
	void *va;			/* the pool's start in it */
	dma_addr_t base;		/* what the device is given for va: its bus
					 * address (== guest physical: identity-
					 * mapped PCI), or its offset in the region */
	size_t size;
	unsigned long nslots;
	unsigned long *map;
	phys_addr_t *orig;		/* streaming: where the data really lives */
	size_t *len;			/* bytes mapped at a first slot */
	struct av_area *areas;
	unsigned int nareas;
	unsigned long area_slots;	/* each area's, but the last may have more */
	size_t max_mapping;		/* what av_max_mapping_size() says */
	atomic_long_t full;		/* streaming mappings refused for lack of room */
};

struct av_dev {
	struct virtio_device vdev;
	struct virtio_pci_modern_device mdev;
	struct pci_dev *pdev;
	struct av_pool pool;
	struct av_caps caps;		/* as read and checked at probe */
	enum av_mode mode;		/* negotiated by av_finalize_features() */
	u32 common_len;
	struct virtqueue **vqs;
	unsigned int nvqs;
	int irq;
	struct av_cap notify;		/* mapped per queue (map_notify) */
};

/* av_pool.c */
extern const struct dma_map_ops av_dma_ops;
int av_pool_set(struct av_dev *av, enum av_mode mode, const struct av_region *r);
void av_pool_destroy(struct av_dev *av);

/* av_caps.c */
int av_find_caps(struct pci_dev *pdev, struct av_caps *caps);
int av_check_caps(struct pci_dev *pdev, const struct av_caps *caps);
int av_map_caps(struct av_dev *av, const struct av_caps *caps);
void av_unmap_caps(struct av_dev *av);
int av_dmb_region(struct av_dev *av, struct av_region *r);

/* av_hooks.c */
int av_hooks_add(struct pci_dev *pdev);
void av_hooks_remove(struct pci_dev *pdev);

#endif
