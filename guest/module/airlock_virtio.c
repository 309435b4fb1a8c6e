// SPDX-License-Identifier: GPL-2.0
/*
 * airlock_virtio: a modern virtio-pci transport for devices that present a
 * VIRTIO_PCI_CAP_SWIOTLB capability (cfg_type 10): a bounce region in one of
 * their BARs that the device's DMA is confined to.
 *
 * It binds only such devices (others stay with virtio_pci), accepts one of
 * VIRTIO_F_SWIOTLB (bit 27) and VIRTIO_F_DMB (bit 44), both outside the
 * range the virtio core passes to a transport, so set here, maps the region
 * write-back, and installs DMA ops on the PCI device that serve the rings
 * (coherent allocations) and every buffer (streaming mappings, bounced by
 * copying) from the region. With bit 27 the device is given bus addresses
 * inside the region; with bit 44 (the region then named by a shared-memory
 * capability, cfg_type 8, and dmb_shm_id) offsets from its start, 0 never.
 * Loaded before virtio_pci it gets those devices first; loaded after, it
 * takes them over (releases them from virtio_pci and binds them here).
 */
#include <linux/dma-map-ops.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci_modern.h>
#include <linux/virtio_ring.h>
#include <linux/delay.h>
#include <linux/bitmap.h>
#include <linux/scatterlist.h>
#include <linux/virtio_ids.h>
#include <uapi/linux/virtio_ring.h>

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

static bool test_hooks;
module_param(test_hooks, bool, 0444);
MODULE_PARM_DESC(test_hooks, "add the airlock_hostile sysfs file (isolation tests only)");

static bool take_over = true;
module_param(take_over, bool, 0444);
MODULE_PARM_DESC(take_over, "at load, take devices with a bounce region over from the driver that has them");

/* What the device is given: bus addresses in the region (SWIOTLB), offsets
 * into it (DMB). As the mode parameter AV_NONE is auto: DMB if offered. */
enum av_mode { AV_NONE, AV_SWIOTLB, AV_DMB };
static const char * const av_mode_names[] = { "auto", "swiotlb", "dmb" };
static int av_want;			/* mode, parsed at load */
static char *mode_param = "auto";
module_param_named(mode, mode_param, charp, 0444);
MODULE_PARM_DESC(mode, "auto (VIRTIO_F_DMB if offered, else VIRTIO_F_SWIOTLB), swiotlb or dmb");

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

/* The bounce pool: a bitmap of 2 KiB slots over the region (with DMB, over
 * all of it but its first page, so that no address handed out is 0). */
struct av_pool {
	spinlock_t lock;
	enum av_mode mode;		/* AV_NONE: no pool, every mapping fails */
	struct av_region r;
	void *va;			/* write-back mapping of the pool */
	dma_addr_t base;		/* what the device is given for va: its bus
					 * address (== guest physical: identity-
					 * mapped PCI), or its offset in the region */
	size_t size;
	unsigned long nslots;
	unsigned long *map;
	phys_addr_t *orig;		/* streaming: where the data really lives */
	size_t *len;			/* bytes mapped at a first slot */
	unsigned long full;		/* mappings refused for lack of room */
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

static struct av_dev *to_av(struct virtio_device *vdev)
{
	return container_of(vdev, struct av_dev, vdev);
}

static struct av_pool *dev_pool(struct device *dev)
{
	struct av_dev *av = pci_get_drvdata(to_pci_dev(dev));

	return &av->pool;
}

/* --- the pool ------------------------------------------------------------ */

/* Slots a mapping of size bytes holds: an empty one still owns a slot. */
static unsigned long pool_slots(size_t size)
{
	return max_t(unsigned long, DIV_ROUND_UP(size, AV_SLOT), 1);
}

static long pool_alloc(struct av_pool *p, size_t size, unsigned long align_slots)
{
	unsigned long n = pool_slots(size), flags, at;

	if (!p->map)
		return -1;
	spin_lock_irqsave(&p->lock, flags);
	at = bitmap_find_next_zero_area(p->map, p->nslots, 0, n, align_slots - 1);
	if (at >= p->nslots) {
		p->full++;
		spin_unlock_irqrestore(&p->lock, flags);
		return -1;
	}
	bitmap_set(p->map, at, n);
	p->len[at] = size;
	spin_unlock_irqrestore(&p->lock, flags);
	return at;
}

static void pool_free(struct av_pool *p, unsigned long at)
{
	unsigned long flags;

	spin_lock_irqsave(&p->lock, flags);
	bitmap_clear(p->map, at, pool_slots(p->len[at]));
	p->len[at] = 0;
	p->orig[at] = 0;
	spin_unlock_irqrestore(&p->lock, flags);
}

/* Slot of an address the device was given (bus address or offset) inside
 * the pool, or -1: with DMB, 0 and the rest of the first page are not. */
static long pool_slot(struct av_pool *p, dma_addr_t addr)
{
	if (addr < p->base || addr - p->base >= p->size)
		return -1;
	return (addr - p->base) >> AV_SLOT_SHIFT;
}

/* --- DMA ops: everything the device sees lives in the pool --------------- */

/* A quarter of the pool at most, so that a mapping always fits once others
 * are done (a larger one could never succeed and would be retried forever). */
static size_t max_mapping(struct av_pool *p)
{
	return min_t(size_t, AV_MAX_MAPPING, p->size / 4);
}


static void *av_alloc(struct device *dev, size_t size, dma_addr_t *handle, gfp_t gfp,
		      unsigned long attrs)
{
	struct av_pool *p = dev_pool(dev);
	long at;
	void *va;

	if (size > p->size)		/* nor let PAGE_ALIGN() wrap */
		return NULL;
	at = pool_alloc(p, PAGE_ALIGN(size), PAGE_SIZE / AV_SLOT);
	if (at < 0)
		return NULL;
	va = p->va + (at << AV_SLOT_SHIFT);
	memset(va, 0, size);
	*handle = p->base + (at << AV_SLOT_SHIFT);
	return va;
}

static void av_free(struct device *dev, size_t size, void *va, dma_addr_t handle,
		    unsigned long attrs)
{
	struct av_pool *p = dev_pool(dev);
	long at = pool_slot(p, handle);

	if (at >= 0)
		pool_free(p, at);
}

/* Copies part of the mapping that starts at slot at, never past what was
 * mapped there whatever size it is asked for (which may derive from a
 * length the device gave back): not outside the pool nor the original. */
static void bounce_copy(struct device *dev, struct av_pool *p, unsigned long at, size_t off,
			size_t size, bool to_dev)
{
	size_t room = off < p->len[at] ? p->len[at] - off : 0;
	void *pool_va = p->va + (at << AV_SLOT_SHIFT) + off;
	void *orig_va = phys_to_virt(p->orig[at] + off);

	if (size > room) {
		dev_err_ratelimited(dev, "bounce copy of %zu bytes at +%zu of a %zu-byte mapping: clamped\n",
				    size, off, p->len[at]);
		size = room;
	}
	if (to_dev)
		memcpy(pool_va, orig_va, size);
	else
		memcpy(orig_va, pool_va, size);
}

static dma_addr_t av_map_page(struct device *dev, struct page *page, unsigned long offset,
			      size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	struct av_pool *p = dev_pool(dev);
	long at;

	if (size > max_mapping(p))
		return DMA_MAPPING_ERROR;
	at = pool_alloc(p, size, 1);
	if (at < 0)
		return DMA_MAPPING_ERROR;	/* back-pressure: the caller retries */
	p->orig[at] = page_to_phys(page) + offset;
	/* A buffer the device only writes is not cleared first (swiotlb
	 * copies the original in): the pool is this device's alone, so what
	 * a short write leaves behind is data the device has already seen,
	 * which it could write back anyway. It saves a pass over every read. */
	if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)
		bounce_copy(dev, p, at, 0, size, true);
	return p->base + (at << AV_SLOT_SHIFT);
}

static void av_unmap_page(struct device *dev, dma_addr_t handle, size_t size,
			  enum dma_data_direction dir, unsigned long attrs)
{
	struct av_pool *p = dev_pool(dev);
	long at = pool_slot(p, handle);

	/* Only what av_map_page() returned: a slot's start, with an original. */
	if (at < 0 || !p->orig[at] || ((handle - p->base) & (AV_SLOT - 1)))
		return;
	if (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)
		bounce_copy(dev, p, at, 0, size, false);
	pool_free(p, at);
}

static void av_sync_for_cpu(struct device *dev, dma_addr_t handle, size_t size,
			    enum dma_data_direction dir)
{
	struct av_pool *p = dev_pool(dev);
	long at = pool_slot(p, handle);

	if (at >= 0 && p->orig[at] && (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL))
		bounce_copy(dev, p, at, (handle - p->base) & (AV_SLOT - 1), size, false);
}

static void av_sync_for_device(struct device *dev, dma_addr_t handle, size_t size,
			       enum dma_data_direction dir)
{
	struct av_pool *p = dev_pool(dev);
	long at = pool_slot(p, handle);

	if (at >= 0 && p->orig[at] && (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL))
		bounce_copy(dev, p, at, (handle - p->base) & (AV_SLOT - 1), size, true);
}

static int av_map_sg(struct device *dev, struct scatterlist *sgl, int nents,
		     enum dma_data_direction dir, unsigned long attrs)
{
	struct scatterlist *sg;
	int i, j;

	for_each_sg(sgl, sg, nents, i) {
		sg->dma_address = av_map_page(dev, sg_page(sg), sg->offset, sg->length, dir, attrs);
		if (sg->dma_address == DMA_MAPPING_ERROR) {
			for_each_sg(sgl, sg, i, j)
				av_unmap_page(dev, sg->dma_address, sg->length, dir, attrs);
			return -ENOMEM;
		}
		sg_dma_len(sg) = sg->length;
	}
	return nents;
}

static void av_unmap_sg(struct device *dev, struct scatterlist *sgl, int nents,
			enum dma_data_direction dir, unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		av_unmap_page(dev, sg->dma_address, sg_dma_len(sg), dir, attrs);
}

static size_t av_max_mapping_size(struct device *dev)
{
	return max_mapping(dev_pool(dev));
}

static int av_dma_supported(struct device *dev, u64 mask)
{
	return 1;
}

static const struct dma_map_ops av_dma_ops = {
	.alloc = av_alloc,
	.free = av_free,
	.map_page = av_map_page,
	.unmap_page = av_unmap_page,
	.map_sg = av_map_sg,
	.unmap_sg = av_unmap_sg,
	.sync_single_for_cpu = av_sync_for_cpu,
	.sync_single_for_device = av_sync_for_device,
	.dma_supported = av_dma_supported,
	.max_mapping_size = av_max_mapping_size,
};

/* --- the region: checked, mapped, the pool built over it ------------------ */

/* Whole pages (min bytes or more, of a size the pool can track) of an
 * assigned memory BAR, not guest RAM, and a BAR of their own: nothing else
 * the driver maps (uncached) may alias the pool. */
static int check_region(struct pci_dev *pdev, const struct av_caps *caps, const char *what,
			const struct av_region *r, u64 min)
{
	resource_size_t start = pci_resource_start(pdev, r->bar) + r->off;
	pci_bus_addr_t bus = pci_bus_address(pdev, r->bar) + r->off;
	u32 table, pba;
	int t;

	if (r->len < min || !PAGE_ALIGNED(r->len) || r->len > AV_MAX_POOL || !PAGE_ALIGNED(start) ||
	    !PAGE_ALIGNED(bus) || bus + r->len - 1 < bus) {
		dev_err(&pdev->dev, "%s length %#llx at %pa: not whole pages, under %llu bytes, or over %lu MiB: refused\n",
			what, r->len, &start, min, AV_MAX_POOL >> 20);
		return -EINVAL;
	}
	/* memremap() of RAM would hand the device guest memory. */
	if (region_intersects(start, r->len, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE) != REGION_DISJOINT) {
		dev_err(&pdev->dev, "%s at %pa overlaps guest RAM: refused\n", what, &start);
		return -EINVAL;
	}
	if (pdev->msix_cap) {
		pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_TABLE, &table);
		pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_PBA, &pba);
		if ((table & PCI_MSIX_TABLE_BIR) == r->bar || (pba & PCI_MSIX_PBA_BIR) == r->bar) {
			dev_err(&pdev->dev, "MSI-X table or PBA in BAR %u, the %s's: refused\n", r->bar,
				what);
			return -EINVAL;
		}
	}
	for (t = VIRTIO_PCI_CAP_COMMON_CFG; t <= VIRTIO_PCI_CAP_DEVICE_CFG; t++)
		if (caps->cap[t].pos && caps->cap[t].bar == r->bar) {
			dev_err(&pdev->dev, "cfg_type %d: in BAR %u, the %s's: refused\n", t, r->bar, what);
			return -EINVAL;
		}
	return 0;
}

static void pool_destroy(struct av_dev *av)
{
	struct av_pool *p = &av->pool;

	if (p->mode == AV_NONE)
		return;
	if (p->full)
		dev_info(&av->pdev->dev, "bounce pool was full %lu times\n", p->full);
	bitmap_free(p->map);
	kvfree(p->orig);
	kvfree(p->len);
	if (p->va)
		memunmap(p->va);
	pci_release_region(av->pdev, p->r.bar);
	p->map = NULL;
	p->orig = NULL;
	p->len = NULL;
	p->va = NULL;
	p->base = 0;
	p->size = 0;
	p->nslots = 0;
	p->full = 0;
	p->mode = AV_NONE;
}

/* Maps a checked region write-back (every bounce copy runs through it) and
 * builds the pool over it. With DMB the device is given offsets from the
 * region's start; 0 is reserved, so the pool starts after the first page. */
static int pool_build(struct av_dev *av, enum av_mode mode, const struct av_region *r)
{
	struct av_pool *p = &av->pool;
	struct pci_dev *pdev = av->pdev;
	u64 skip = mode == AV_DMB ? PAGE_SIZE : 0;
	resource_size_t start = pci_resource_start(pdev, r->bar) + r->off;
	int err;

	err = pci_request_region(pdev, r->bar, "airlock-bounce");
	if (err)
		return err;
	p->mode = mode;
	p->r = *r;
	p->va = memremap(start + skip, r->len - skip, MEMREMAP_WB);
	p->base = mode == AV_DMB ? skip : pci_bus_address(pdev, r->bar) + r->off;
	p->size = r->len - skip;
	p->nslots = p->size >> AV_SLOT_SHIFT;
	p->map = bitmap_zalloc(p->nslots, GFP_KERNEL);
	p->orig = kvcalloc(p->nslots, sizeof(phys_addr_t), GFP_KERNEL);
	p->len = kvcalloc(p->nslots, sizeof(size_t), GFP_KERNEL);
	if (!p->va || !p->map || !p->orig || !p->len) {
		pool_destroy(av);
		return -ENOMEM;
	}
	if (mode == AV_DMB)
		dev_info(&pdev->dev, "DMB region %llu KiB at %pa (BAR %u): offsets %#llx.. handed out\n",
			 r->len >> 10, &start, r->bar, (u64)p->base);
	else
		dev_info(&pdev->dev, "bounce region %zu KiB at %pad (BAR %u)\n", p->size >> 10,
			 &p->base, r->bar);
	return 0;
}

/* Makes the pool the one for mode over r (none for AV_NONE): kept if it
 * already is, else rebuilt, but only while nothing is mapped in it (no
 * virtqueue, no buffer): what was handed out must stay valid. */
static int pool_set(struct av_dev *av, enum av_mode mode, const struct av_region *r)
{
	struct av_pool *p = &av->pool;

	if (p->mode == mode && (mode == AV_NONE || (p->r.bar == r->bar && p->r.off == r->off &&
						    p->r.len == r->len)))
		return 0;
	if (p->map && !bitmap_empty(p->map, p->nslots)) {
		dev_err(&av->pdev->dev, "the %s pool is in use: cannot replace it: refused\n",
			av_mode_names[p->mode]);
		return -EBUSY;
	}
	pool_destroy(av);
	return mode == AV_NONE ? 0 : pool_build(av, mode, r);
}

/* DMB: the region dmb_shm_id names (read after FEATURES_OK, so here, not
 * in finalize_features), from the shared-memory capabilities read at
 * probe: exactly one with that id, a 24-byte struct virtio_pci_cap64
 * naming a range inside an assigned memory BAR. Looked up again on every
 * negotiation; an unchanged region keeps its pool. */
static int av_dmb_pool(struct av_dev *av)
{
	struct pci_dev *pdev = av->pdev;
	const struct av_shm *s = NULL;
	struct av_region r;
	unsigned long flags;
	unsigned int i;
	u64 end;
	u16 id;

	id = vp_ioread16((__le16 __iomem *)((u8 __iomem *)av->mdev.common + AV_COMMON_DMB_SHM_ID));
	if (id > 255) {
		dev_err(&pdev->dev, "dmb_shm_id %u: over 255: refused\n", id);
		return -EINVAL;
	}
	for (i = 0; i < av->caps.nshm; i++) {
		if (av->caps.shm[i].id != id)
			continue;
		if (s) {
			dev_err(&pdev->dev, "dmb_shm_id %u: named by two shared-memory capabilities: refused\n",
				id);
			return -EINVAL;
		}
		s = &av->caps.shm[i];
	}
	if (!s) {
		dev_err(&pdev->dev, "dmb_shm_id %u: no shared-memory capability has it: refused\n", id);
		return -EINVAL;
	}
	if (s->cap_len != sizeof(struct virtio_pci_cap64) ||
	    s->pos + sizeof(struct virtio_pci_cap64) > PCI_CFG_SPACE_SIZE) {
		dev_err(&pdev->dev, "shared-memory capability %u at %#x: cap_len %u (%zu wanted): refused\n",
			id, s->pos, s->cap_len, sizeof(struct virtio_pci_cap64));
		return -EINVAL;
	}
	if (s->bar >= PCI_STD_NUM_BARS) {
		dev_err(&pdev->dev, "shared-memory capability %u: BAR %u: refused\n", id, s->bar);
		return -EINVAL;
	}
	flags = pci_resource_flags(pdev, s->bar);
	if (!(flags & IORESOURCE_MEM) || (flags & IORESOURCE_UNSET) || !pci_resource_start(pdev, s->bar)) {
		dev_err(&pdev->dev, "shared-memory capability %u: BAR %u is not an assigned memory BAR: refused\n",
			id, s->bar);
		return -EINVAL;
	}
	if (check_add_overflow(s->off, s->len, &end) || end > pci_resource_len(pdev, s->bar)) {
		dev_err(&pdev->dev, "shared-memory capability %u: length %#llx at offset %#llx is past BAR %u (%#llx bytes): refused\n",
			id, s->len, s->off, s->bar, (u64)pci_resource_len(pdev, s->bar));
		return -EINVAL;
	}
	r = (struct av_region){ .bar = s->bar, .off = s->off, .len = s->len };
	/* The first page is never used: at least one more. */
	return check_region(pdev, &av->caps, "DMB region", &r, 2 * PAGE_SIZE) ?:
	       pool_set(av, AV_DMB, &r);
}

/* --- virtio config ops ----------------------------------------------------- */

/* Inside the device-specific structure as mapped (there may be none). */
static bool config_ok(struct av_dev *av, unsigned int off, unsigned int len)
{
	size_t n = av->mdev.device ? av->mdev.device_len : 0;

	if ((len == 1 || len == 2 || len == 4 || len == 8) && off <= n && len <= n - off)
		return true;
	dev_err_ratelimited(&av->pdev->dev, "device config access %u@%#x outside its %zu bytes: refused\n",
			    len, off, n);
	return false;
}

static void av_get(struct virtio_device *vdev, unsigned int off, void *buf, unsigned int len)
{
	struct av_dev *av = to_av(vdev);
	void __iomem *d;
	u8 b; __le16 w; __le32 l;

	if (!config_ok(av, off, len)) {
		memset(buf, 0, len);
		return;
	}
	d = av->mdev.device + off;
	switch (len) {
	case 1: b = ioread8(d); memcpy(buf, &b, 1); break;
	case 2: w = cpu_to_le16(ioread16(d)); memcpy(buf, &w, 2); break;
	case 4: l = cpu_to_le32(ioread32(d)); memcpy(buf, &l, 4); break;
	case 8:
		l = cpu_to_le32(ioread32(d)); memcpy(buf, &l, 4);
		l = cpu_to_le32(ioread32(d + 4)); memcpy(buf + 4, &l, 4);
		break;
	}
}

static void av_set(struct virtio_device *vdev, unsigned int off, const void *buf,
		   unsigned int len)
{
	struct av_dev *av = to_av(vdev);
	void __iomem *d;
	u8 b; __le16 w; __le32 l;

	if (!config_ok(av, off, len))
		return;
	d = av->mdev.device + off;
	switch (len) {
	case 1: memcpy(&b, buf, 1); iowrite8(b, d); break;
	case 2: memcpy(&w, buf, 2); iowrite16(le16_to_cpu(w), d); break;
	case 4: memcpy(&l, buf, 4); iowrite32(le32_to_cpu(l), d); break;
	case 8:
		memcpy(&l, buf, 4); iowrite32(le32_to_cpu(l), d);
		memcpy(&l, buf + 4, 4); iowrite32(le32_to_cpu(l), d + 4);
		break;
	}
}

static u32 av_generation(struct virtio_device *vdev)
{
	return vp_modern_generation(&to_av(vdev)->mdev);
}

static u8 av_get_status(struct virtio_device *vdev)
{
	return vp_modern_get_status(&to_av(vdev)->mdev);
}

static void av_set_status(struct virtio_device *vdev, u8 status)
{
	vp_modern_set_status(&to_av(vdev)->mdev, status);
}

static void av_reset(struct virtio_device *vdev)
{
	struct av_dev *av = to_av(vdev);

	vp_modern_set_status(&av->mdev, 0);
	while (vp_modern_get_status(&av->mdev))
		msleep(1);
	if (av->irq > 0)
		synchronize_irq(av->irq);
}

static u64 av_get_features(struct virtio_device *vdev)
{
	return vp_modern_get_features(&to_av(vdev)->mdev);
}

static int av_finalize_features(struct virtio_device *vdev)
{
	struct av_dev *av = to_av(vdev);
	const struct av_cap *b = &av->caps.cap[VIRTIO_PCI_CAP_SWIOTLB];
	struct av_region r = { .bar = b->bar, .off = b->off, .len = b->len };
	u64 offered = vp_modern_get_features(&av->mdev);
	bool swiotlb = offered & BIT_ULL(VIRTIO_F_SWIOTLB), dmb = offered & BIT_ULL(VIRTIO_F_DMB);
	enum av_mode use;
	int err;

	av->mode = AV_NONE;		/* until negotiated again */
	vring_transport_features(vdev);
	if (!__virtio_test_bit(vdev, VIRTIO_F_VERSION_1))
		return -EINVAL;
	/* The host is not trusted either: without ACCESS_PLATFORM Linux's
	 * virtio ring bypasses our DMA ops and hands the device raw guest
	 * physical addresses, i.e. the whole of guest memory. */
	if (!__virtio_test_bit(vdev, VIRTIO_F_ACCESS_PLATFORM)) {
		dev_err(&av->pdev->dev, "device does not offer VIRTIO_F_ACCESS_PLATFORM: refused "
			"(its DMA would bypass the bounce region)\n");
		return -EINVAL;
	}
	/* Exactly one of the two: the device refuses both. */
	use = av_want == AV_NONE ? (dmb ? AV_DMB : swiotlb ? AV_SWIOTLB : AV_NONE)
	      : av_want == AV_DMB ? (dmb ? AV_DMB : AV_NONE) : (swiotlb ? AV_SWIOTLB : AV_NONE);
	if (use == AV_NONE) {
		dev_err(&av->pdev->dev, "device does not offer %s: refused (mode=%s)\n",
			av_want == AV_DMB ? "VIRTIO_F_DMB" : av_want == AV_SWIOTLB ? "VIRTIO_F_SWIOTLB"
			: "VIRTIO_F_DMB or VIRTIO_F_SWIOTLB", av_mode_names[av_want]);
		return -EINVAL;
	}
	if (use == AV_DMB && av->common_len < AV_COMMON_LEN_DMB) {
		dev_err(&av->pdev->dev, "common configuration of %u bytes has no dmb_shm_id (%u wanted): refused\n",
			av->common_len, AV_COMMON_LEN_DMB);
		return -EINVAL;
	}
	/* SWIOTLB: the pool over the cfg_type 10 region, now. DMB: the region
	 * is named only after FEATURES_OK (av_find_vqs); until then no pool
	 * but one already over it, so no bus address is handed out. */
	err = use == AV_SWIOTLB ? pool_set(av, AV_SWIOTLB, &r)
	      : av->pool.mode != AV_DMB ? pool_set(av, AV_NONE, NULL) : 0;
	if (err)
		return err;
	av->mode = use;
	/* The core keeps only transport bits 28..40; 27 and 44 are ours. */
	__virtio_clear_bit(vdev, VIRTIO_F_SWIOTLB);
	__virtio_clear_bit(vdev, VIRTIO_F_DMB);
	__virtio_set_bit(vdev, use == AV_DMB ? VIRTIO_F_DMB : VIRTIO_F_SWIOTLB);
	vp_modern_set_features(&av->mdev, vdev->features);
	return 0;
}

/* A queue's notification address, mapped on its own: queue_notify_off times
 * the multiplier (both the device's) must land inside the notify structure. */
static void __iomem *map_notify(struct av_dev *av, u16 index)
{
	struct virtio_pci_common_cfg __iomem *cfg = av->mdev.common;
	u32 mult = av->mdev.notify_offset_multiplier;
	u64 at;
	u16 qoff;

	vp_iowrite16(index, &cfg->queue_select);
	qoff = vp_ioread16(&cfg->queue_notify_off);
	at = (u64)qoff * mult;
	if (at + 2 > av->notify.len) {
		dev_err(&av->pdev->dev, "queue %u: queue_notify_off %u (x %u) is past the %u-byte notify structure: refused\n",
			index, qoff, mult, av->notify.len);
		return NULL;
	}
	return pci_iomap_range(av->pdev, av->notify.bar, av->notify.off + at, 2);
}

static bool av_notify(struct virtqueue *vq)
{
	iowrite16(vq->index, (void __iomem *)vq->priv);
	return true;
}

static irqreturn_t av_interrupt(int irq, void *opaque)
{
	struct av_dev *av = opaque;
	irqreturn_t ret = IRQ_NONE;
	unsigned int i;

	if (ioread8(av->mdev.isr) & 2) {
		virtio_config_changed(&av->vdev);
		ret = IRQ_HANDLED;
	}
	for (i = 0; i < av->nvqs; i++)
		if (av->vqs[i] && vring_interrupt(irq, av->vqs[i]) == IRQ_HANDLED)
			ret = IRQ_HANDLED;
	return ret;
}

static void av_del_vqs(struct virtio_device *vdev)
{
	struct av_dev *av = to_av(vdev);
	unsigned int i;

	if (av->irq > 0) {
		free_irq(av->irq, av);
		av->irq = 0;
		pci_free_irq_vectors(av->pdev);
	}
	for (i = 0; i < av->nvqs; i++) {
		if (!av->vqs[i])
			continue;
		vp_modern_queue_vector(&av->mdev, i, VIRTIO_MSI_NO_VECTOR);
		if (av->vqs[i]->priv)
			pci_iounmap(av->pdev, (void __iomem __force *)av->vqs[i]->priv);
		vring_del_virtqueue(av->vqs[i]);
	}
	kfree(av->vqs);
	av->vqs = NULL;
	av->nvqs = 0;
}

static int av_find_vqs(struct virtio_device *vdev, unsigned int nvqs, struct virtqueue *vqs[],
		       vq_callback_t *callbacks[], const char * const names[], const bool *ctx,
		       struct irq_affinity *desc)
{
	struct av_dev *av = to_av(vdev);
	unsigned int i;
	int err;

	/* After FEATURES_OK, before any ring is allocated. */
	if (av->mode == AV_DMB) {
		err = av_dmb_pool(av);
		if (err)
			return err;
	}
	av->vqs = kcalloc(nvqs, sizeof(*av->vqs), GFP_KERNEL);
	if (!av->vqs)
		return -ENOMEM;
	av->nvqs = nvqs;

	/* One vector for the configuration and every queue. */
	err = pci_alloc_irq_vectors(av->pdev, 1, 1, PCI_IRQ_MSIX | PCI_IRQ_LEGACY);
	if (err < 0)
		goto fail;
	av->irq = pci_irq_vector(av->pdev, 0);
	err = request_irq(av->irq, av_interrupt, av->pdev->msix_enabled ? 0 : IRQF_SHARED,
			  dev_name(&vdev->dev), av);
	if (err) {
		av->irq = 0;
		pci_free_irq_vectors(av->pdev);
		goto fail;
	}
	if (av->pdev->msix_enabled)
		vp_modern_config_vector(&av->mdev, 0);

	for (i = 0; i < nvqs; i++) {
		struct virtqueue *vq;
		u16 num, nq;

		vqs[i] = NULL;
		if (!names[i])
			continue;
		nq = vp_modern_get_num_queues(&av->mdev);
		if (i >= nq) {
			dev_err(&av->pdev->dev, "queue %u: past num_queues %u: refused\n", i, nq);
			err = -ENOENT;
			goto fail;
		}
		num = vp_modern_get_queue_size(&av->mdev, i);
		if (!num || vp_modern_get_queue_enable(&av->mdev, i)) {
			err = -ENOENT;
			goto fail;
		}
		/* Split rings need a power of two; the rings come from the pool. */
		if (num > AV_MAX_QUEUE ||
		    (!virtio_has_feature(vdev, VIRTIO_F_RING_PACKED) && !is_power_of_2(num))) {
			dev_err(&av->pdev->dev, "queue %u: queue_size %u: refused\n", i, num);
			err = -EINVAL;
			goto fail;
		}
		vq = vring_create_virtqueue(i, num, SMP_CACHE_BYTES, vdev, true, true,
					    ctx ? ctx[i] : false, av_notify, callbacks[i], names[i]);
		if (!vq) {
			err = -ENOMEM;
			goto fail;
		}
		av->vqs[i] = vq;
		vqs[i] = vq;
		vp_modern_set_queue_size(&av->mdev, i, virtqueue_get_vring_size(vq));
		vp_modern_queue_address(&av->mdev, i, virtqueue_get_desc_addr(vq),
					virtqueue_get_avail_addr(vq), virtqueue_get_used_addr(vq));
		vq->priv = (void __force *)map_notify(av, i);
		if (!vq->priv) {
			err = -ENOMEM;
			goto fail;
		}
		if (av->pdev->msix_enabled &&
		    vp_modern_queue_vector(&av->mdev, i, 0) == VIRTIO_MSI_NO_VECTOR) {
			err = -EBUSY;
			goto fail;
		}
	}
	for (i = 0; i < nvqs; i++)
		if (av->vqs[i])
			vp_modern_set_queue_enable(&av->mdev, i, true);
	return 0;
fail:
	av_del_vqs(vdev);
	return err;
}

static void av_synchronize_cbs(struct virtio_device *vdev)
{
	struct av_dev *av = to_av(vdev);

	if (av->irq > 0)
		synchronize_irq(av->irq);
}

static const char *av_bus_name(struct virtio_device *vdev)
{
	return pci_name(to_av(vdev)->pdev);
}

static const struct virtio_config_ops av_config_ops = {
	.get = av_get,
	.set = av_set,
	.generation = av_generation,
	.get_status = av_get_status,
	.set_status = av_set_status,
	.reset = av_reset,
	.find_vqs = av_find_vqs,
	.del_vqs = av_del_vqs,
	.synchronize_cbs = av_synchronize_cbs,
	.get_features = av_get_features,
	.finalize_features = av_finalize_features,
	.bus_name = av_bus_name,
};

/* --- test hook: a hostile request ---------------------------------------- */

/*
 * Writing to /sys/bus/pci/devices/.../airlock_hostile posts, behind the
 * virtio core's back, one request on queue 0 whose buffer lies in ordinary
 * guest RAM (a canary page), as a compromised or buggy driver might. The
 * device must refuse it: the canary must not change (rng would write
 * random bytes into it) and its contents must never leave the guest (blk
 * would write them to the disk image). Reading the file says whether the
 * canary is intact. The queue is dead afterwards, as a hostile ring
 * deserves; other devices are unaffected.
 */
#define AV_CANARY "AIRLOCK-CANARY-0123456789abcdef"

struct av_hostile {
	u8 *page;
	bool posted;
};
static struct av_hostile hostile[32];

static bool canary_intact(const u8 *page)
{
	size_t i;

	for (i = 0; i + sizeof(AV_CANARY) - 1 <= PAGE_SIZE; i += sizeof(AV_CANARY) - 1)
		if (memcmp(page + i, AV_CANARY, sizeof(AV_CANARY) - 1))
			return false;
	return true;
}

static ssize_t airlock_hostile_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct av_hostile *h = &hostile[PCI_SLOT(to_pci_dev(dev)->devfn)];

	if (!h->posted)
		return sysfs_emit(buf, "idle\n");
	return sysfs_emit(buf, "%s\n", canary_intact(h->page) ? "canary-intact" : "canary-modified");
}

static ssize_t airlock_hostile_store(struct device *dev, struct device_attribute *attr,
				     const char *buf, size_t count)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct av_dev *av = pci_get_drvdata(pdev);
	struct av_hostile *h = &hostile[PCI_SLOT(pdev->devfn)];
	struct virtqueue *vq;
	struct vring_desc *desc;
	__virtio16 *avail;
	dma_addr_t hdr_dma;
	u64 ram;
	u8 *hdr;
	unsigned int num, n = 0, i;
	u16 idx;

	if (!av || !av->vqs || !av->vqs[0] || h->posted)
		return -EBUSY;
	vq = av->vqs[0];
	num = virtqueue_get_vring_size(vq);
	if (num < 3)			/* the descriptors used below */
		return -EINVAL;
	h->page = (u8 *)__get_free_page(GFP_KERNEL);
	if (!h->page)
		return -ENOMEM;
	for (i = 0; i + sizeof(AV_CANARY) - 1 <= PAGE_SIZE; i += sizeof(AV_CANARY) - 1)
		memcpy(h->page + i, AV_CANARY, sizeof(AV_CANARY) - 1);
	desc = av->pool.va + (virtqueue_get_desc_addr(vq) - av->pool.base);
	avail = av->pool.va + (virtqueue_get_avail_addr(vq) - av->pool.base);
	/* With DMB every address is an offset, and the canary's guest-physical
	 * address read as one may name region memory: bias it past the
	 * region's end, where no offset is valid (and still not the pool). */
	ram = virt_to_phys(h->page) + (av->mode == AV_DMB ? av->pool.r.len : 0);
	/* Descriptors from the end of the table, which the core fills last. */
	if (av->vdev.id.device == VIRTIO_ID_BLOCK) {
		/* OUT of sector 0: header and status in the pool, data the canary. */
		hdr = dma_alloc_coherent(&pdev->dev, 64, &hdr_dma, GFP_KERNEL);
		if (!hdr)
			return -ENOMEM;
		memset(hdr, 0, 64);
		hdr[0] = 1;					/* VIRTIO_BLK_T_OUT */
		desc[num - 3].addr = cpu_to_virtio64(&av->vdev, hdr_dma);
		desc[num - 3].len = cpu_to_virtio32(&av->vdev, 16);
		desc[num - 3].flags = cpu_to_virtio16(&av->vdev, VRING_DESC_F_NEXT);
		desc[num - 3].next = cpu_to_virtio16(&av->vdev, num - 2);
		desc[num - 2].addr = cpu_to_virtio64(&av->vdev, ram);
		desc[num - 2].len = cpu_to_virtio32(&av->vdev, 512);
		desc[num - 2].flags = cpu_to_virtio16(&av->vdev, VRING_DESC_F_NEXT);
		desc[num - 2].next = cpu_to_virtio16(&av->vdev, num - 1);
		desc[num - 1].addr = cpu_to_virtio64(&av->vdev, hdr_dma + 32);
		desc[num - 1].len = cpu_to_virtio32(&av->vdev, 1);
		desc[num - 1].flags = cpu_to_virtio16(&av->vdev, VRING_DESC_F_WRITE);
		n = num - 3;
	} else {
		/* One device-writable buffer in the middle of the canary page. */
		desc[num - 1].addr = cpu_to_virtio64(&av->vdev, ram + 2048);
		desc[num - 1].len = cpu_to_virtio32(&av->vdev, 64);
		desc[num - 1].flags = cpu_to_virtio16(&av->vdev, VRING_DESC_F_WRITE);
		n = num - 1;
	}
	idx = virtio16_to_cpu(&av->vdev, avail[1]);
	avail[2 + idx % num] = cpu_to_virtio16(&av->vdev, n);
	virtio_wmb(true);
	avail[1] = cpu_to_virtio16(&av->vdev, idx + 1);
	virtio_mb(true);
	h->posted = true;
	iowrite16(0, (void __iomem *)vq->priv);
	msleep(200);
	dev_warn(&pdev->dev, "test hook: posted a request with a buffer in guest RAM\n");
	return count;
}
static DEVICE_ATTR_RW(airlock_hostile);

/* --- PCI ----------------------------------------------------------------- */

/* Reads the virtio capabilities of a modern virtio device, the first of
 * each cfg_type and the first AV_MAX_SHM shared-memory ones, each once.
 * -ENODEV: no bounce region, not ours (virtio_pci takes it). The values are
 * checked by check_caps(), a shared-memory one by av_dmb_pool() if used. */
static int find_caps(struct pci_dev *pdev, struct av_caps *caps)
{
	int pos;

	memset(caps, 0, sizeof(*caps));
	if (pdev->device < 0x1040 || pdev->device > 0x107f)
		return -ENODEV;

	for (pos = pci_find_capability(pdev, PCI_CAP_ID_VNDR); pos > 0;
	     pos = pci_find_next_capability(pdev, pos, PCI_CAP_ID_VNDR)) {
		struct av_cap *c;
		u8 type, bar;

		pci_read_config_byte(pdev, pos + offsetof(struct virtio_pci_cap, cfg_type), &type);
		pci_read_config_byte(pdev, pos + offsetof(struct virtio_pci_cap, bar), &bar);
		if (type == VIRTIO_PCI_CAP_SHARED_MEMORY_CFG) {
			struct av_shm *s = &caps->shm[caps->nshm];
			u32 lo, hi;

			if (caps->nshm == AV_MAX_SHM)
				continue;
			caps->nshm++;
			s->pos = pos;
			s->bar = bar;
			pci_read_config_byte(pdev, pos + offsetof(struct virtio_pci_cap, cap_len),
					     &s->cap_len);
			pci_read_config_byte(pdev, pos + offsetof(struct virtio_pci_cap, id), &s->id);
			pci_read_config_dword(pdev, pos + offsetof(struct virtio_pci_cap, offset), &lo);
			pci_read_config_dword(pdev, pos + offsetof(struct virtio_pci_cap64, offset_hi), &hi);
			s->off = (u64)hi << 32 | lo;
			pci_read_config_dword(pdev, pos + offsetof(struct virtio_pci_cap, length), &lo);
			pci_read_config_dword(pdev, pos + offsetof(struct virtio_pci_cap64, length_hi), &hi);
			s->len = (u64)hi << 32 | lo;
			continue;
		}
		/* The spec: ignore structures with a reserved BAR value. */
		if (type >= ARRAY_SIZE(caps->cap) || caps->cap[type].pos || bar >= PCI_STD_NUM_BARS)
			continue;
		c = &caps->cap[type];
		c->pos = pos;
		c->bar = bar;
		pci_read_config_byte(pdev, pos + offsetof(struct virtio_pci_cap, cap_len), &c->cap_len);
		pci_read_config_dword(pdev, pos + offsetof(struct virtio_pci_cap, offset), &c->off);
		pci_read_config_dword(pdev, pos + offsetof(struct virtio_pci_cap, length), &c->len);
		if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
			pci_read_config_dword(pdev, pos + offsetof(struct virtio_pci_notify_cap,
								   notify_off_multiplier),
					      &caps->notify_mult);
	}
	return caps->cap[VIRTIO_PCI_CAP_SWIOTLB].pos ? 0 : -ENODEV;
}

/* A present capability of cfg_type t, at least size bytes long in config
 * space, naming min or more bytes at an align-aligned offset inside an
 * assigned memory BAR (check_region() keeps it out of the bounce region's). */
static int check_cap(struct pci_dev *pdev, const struct av_caps *caps, int t, u8 size,
		     u32 min, u32 align)
{
	const struct av_cap *c = &caps->cap[t];
	unsigned long flags = pci_resource_flags(pdev, c->bar);
	u64 blen = pci_resource_len(pdev, c->bar);

	if (!c->pos)
		dev_err(&pdev->dev, "no capability of cfg_type %d: refused\n", t);
	else if (c->cap_len < size || c->pos + size > PCI_CFG_SPACE_SIZE)
		dev_err(&pdev->dev, "cfg_type %d at %#x: cap_len %u (%u wanted): refused\n", t, c->pos,
			c->cap_len, size);
	else if (!(flags & IORESOURCE_MEM) || (flags & IORESOURCE_UNSET) ||
		 !pci_resource_start(pdev, c->bar))
		dev_err(&pdev->dev, "cfg_type %d: BAR %u is not an assigned memory BAR: refused\n", t,
			c->bar);
	else if (c->len < min || c->off % align)
		dev_err(&pdev->dev, "cfg_type %d: length %#x at offset %#x (%u bytes %u-aligned wanted): refused\n",
			t, c->len, c->off, min, align);
	else if ((u64)c->off + c->len > blen)
		dev_err(&pdev->dev, "cfg_type %d: length %#x at offset %#x is past BAR %u (%#llx bytes): refused\n",
			t, c->len, c->off, c->bar, blen);
	else
		return 0;
	return -EINVAL;
}

static int check_caps(struct pci_dev *pdev, const struct av_caps *caps)
{
	const struct av_cap *b = &caps->cap[VIRTIO_PCI_CAP_SWIOTLB];
	struct av_region r = { .bar = b->bar, .off = b->off, .len = b->len };
	int err;

	/* The bounce region (what binds the device here, whichever mode). */
	err = check_cap(pdev, caps, VIRTIO_PCI_CAP_SWIOTLB, sizeof(struct virtio_pci_cap),
			PAGE_SIZE, PAGE_SIZE) ?:
	      check_region(pdev, caps, "bounce region", &r, PAGE_SIZE);
	if (err)
		return err;
	err = check_cap(pdev, caps, VIRTIO_PCI_CAP_COMMON_CFG, sizeof(struct virtio_pci_cap),
			sizeof(struct virtio_pci_common_cfg), 4) ?:
	      check_cap(pdev, caps, VIRTIO_PCI_CAP_ISR_CFG, sizeof(struct virtio_pci_cap), 1, 1) ?:
	      check_cap(pdev, caps, VIRTIO_PCI_CAP_NOTIFY_CFG, sizeof(struct virtio_pci_notify_cap),
			2, 2);
	if (!err && caps->cap[VIRTIO_PCI_CAP_DEVICE_CFG].pos)
		err = check_cap(pdev, caps, VIRTIO_PCI_CAP_DEVICE_CFG, sizeof(struct virtio_pci_cap), 1, 4);
	if (!err && caps->notify_mult % 2) {
		dev_err(&pdev->dev, "notify_off_multiplier %u is odd: refused\n", caps->notify_mult);
		err = -EINVAL;
	}
	return err;
}

static void av_unmap_caps(struct av_dev *av)
{
	struct virtio_pci_modern_device *m = &av->mdev;

	if (m->device)
		pci_iounmap(av->pdev, m->device);
	if (m->isr)
		pci_iounmap(av->pdev, m->isr);
	if (m->common)
		pci_iounmap(av->pdev, m->common);
	pci_release_selected_regions(av->pdev, m->modern_bars);
}

/* What vp_modern_probe() does, from the values check_caps() accepted rather
 * than from a second reading of config space. Queue notifications are
 * mapped per queue (map_notify). */
static int av_map_caps(struct av_dev *av, const struct av_caps *caps)
{
	struct virtio_pci_modern_device *m = &av->mdev;
	const struct av_cap *common = &caps->cap[VIRTIO_PCI_CAP_COMMON_CFG];
	const struct av_cap *isr = &caps->cap[VIRTIO_PCI_CAP_ISR_CFG];
	const struct av_cap *dcfg = &caps->cap[VIRTIO_PCI_CAP_DEVICE_CFG];
	int err;

	m->pci_dev = av->pdev;
	m->id.device = av->pdev->device - 0x1040;
	m->id.vendor = av->pdev->subsystem_vendor;
	av->notify = caps->cap[VIRTIO_PCI_CAP_NOTIFY_CFG];
	m->notify_offset_multiplier = caps->notify_mult;
	m->modern_bars = BIT(common->bar) | BIT(isr->bar) | BIT(av->notify.bar) |
			 (dcfg->pos ? BIT(dcfg->bar) : 0);
	err = pci_request_selected_regions(av->pdev, m->modern_bars, "virtio-pci-modern");
	if (err)
		return err;
	if (dma_set_mask_and_coherent(&av->pdev->dev, DMA_BIT_MASK(64)))
		dev_warn(&av->pdev->dev, "cannot set a 64-bit DMA mask\n");
	/* Up to dmb_shm_id where the structure is that long (check_cap()
	 * accepted sizeof(struct virtio_pci_common_cfg) or more). */
	av->common_len = min_t(u32, common->len, AV_COMMON_LEN_DMB);
	m->common = pci_iomap_range(av->pdev, common->bar, common->off, av->common_len);
	m->isr = pci_iomap_range(av->pdev, isr->bar, isr->off, 1);
	if (dcfg->pos) {
		m->device_len = min_t(size_t, dcfg->len, PAGE_SIZE);
		m->device = pci_iomap_range(av->pdev, dcfg->bar, dcfg->off, m->device_len);
	}
	if (!m->common || !m->isr || (dcfg->pos && !m->device)) {
		av_unmap_caps(av);
		return -ENOMEM;
	}
	return 0;
}

static void av_release(struct device *dev)
{
	struct virtio_device *vdev = dev_to_virtio(dev);

	kfree(to_av(vdev));
}

static int av_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct av_caps caps;
	struct av_dev *av;
	int err;

	if (find_caps(pdev, &caps))
		return -ENODEV;		/* not ours: virtio_pci takes it */
	err = check_caps(pdev, &caps);
	if (err)
		return err;
	av = kzalloc(sizeof(*av), GFP_KERNEL);
	if (!av)
		return -ENOMEM;
	av->pdev = pdev;
	av->caps = caps;
	spin_lock_init(&av->pool.lock);
	pci_set_drvdata(pdev, av);

	err = pci_enable_device(pdev);
	if (err)
		goto err_free;
	/* Before any virtqueue exists: rings come from the pool too. The pool
	 * itself is built once the features say what the device is given
	 * (av_finalize_features, av_find_vqs); until then every mapping fails. */
	set_dma_ops(&pdev->dev, &av_dma_ops);
	pci_set_master(pdev);

	err = av_map_caps(av, &caps);
	if (err)
		goto err_ops;
	av->vdev.id = av->mdev.id;
	av->vdev.config = &av_config_ops;
	av->vdev.dev.parent = &pdev->dev;
	av->vdev.dev.release = av_release;
	err = register_virtio_device(&av->vdev);
	if (!err && test_hooks && device_create_file(&pdev->dev, &dev_attr_airlock_hostile))
		dev_warn(&pdev->dev, "cannot add the test hook\n");
	if (err) {
		av_unmap_caps(av);
		set_dma_ops(&pdev->dev, NULL);
		pool_destroy(av);
		pci_disable_device(pdev);
		pci_set_drvdata(pdev, NULL);
		put_device(&av->vdev.dev);	/* frees av */
		return err;
	}
	return 0;
err_ops:
	set_dma_ops(&pdev->dev, NULL);
	pci_disable_device(pdev);
err_free:
	kfree(av);
	return err;
}

static void av_remove(struct pci_dev *pdev)
{
	struct av_dev *av = pci_get_drvdata(pdev);

	if (test_hooks)
		device_remove_file(&pdev->dev, &dev_attr_airlock_hostile);
	/* Hold av until we are done: unregistering may drop the last ref. */
	get_device(&av->vdev.dev);
	unregister_virtio_device(&av->vdev);
	av_unmap_caps(av);
	set_dma_ops(&pdev->dev, NULL);
	pool_destroy(av);
	pci_disable_device(pdev);
	pci_set_drvdata(pdev, NULL);
	put_device(&av->vdev.dev);
}

/*
 * Power-off, reboot, kexec: stop the device before the kernel goes, so that
 * nothing it still does reaches the pool afterwards (a kexec'd kernel, or a
 * guest the VMM restarts, owns that memory again). Break the virtqueues
 * first so a late completion is ignored, then reset (it stops all DMA).
 */
static void av_shutdown(struct pci_dev *pdev)
{
	struct av_dev *av = pci_get_drvdata(pdev);

	if (!av)
		return;
	virtio_break_device(&av->vdev);
	av_reset(&av->vdev);
	pci_clear_master(pdev);
}

static const struct pci_device_id av_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, PCI_ANY_ID) },
	{ 0 }
};
MODULE_DEVICE_TABLE(pci, av_ids);

static struct pci_driver av_driver = {
	.name = "airlock_virtio",
	.id_table = av_ids,
	.probe = av_probe,
	.remove = av_remove,
	.shutdown = av_shutdown,
};

/*
 * Loaded after another driver (virtio_pci) has bound devices that have a
 * bounce region: those devices cannot work there (the device refuses a
 * driver that declines both VIRTIO_F_SWIOTLB and VIRTIO_F_DMB), so release
 * each from its driver and bind it here. Devices without the capability
 * are left alone.
 */
static void av_take_over(void)
{
	struct pci_dev *pdev = NULL;
	struct av_caps caps;
	int err;

	while ((pdev = pci_get_device(PCI_VENDOR_ID_REDHAT_QUMRANET, PCI_ANY_ID, pdev))) {
		struct device_driver *drv = READ_ONCE(pdev->dev.driver);

		if (!drv || drv == &av_driver.driver || find_caps(pdev, &caps))
			continue;
		pr_info("airlock_virtio %s: taking the device over from %s\n", pci_name(pdev), drv->name);
		device_release_driver(&pdev->dev);
		err = device_driver_attach(&av_driver.driver, &pdev->dev);
		if (err)
			dev_err(&pdev->dev, "cannot bind after take-over: %d\n", err);
	}
}

static int __init av_init(void)
{
	int err;

	av_want = sysfs_match_string(av_mode_names, mode_param ?: "");
	if (av_want < 0) {
		pr_err("airlock_virtio: mode=%s: not auto, swiotlb or dmb\n", mode_param);
		return -EINVAL;
	}
	err = pci_register_driver(&av_driver);

	if (!err && take_over)
		av_take_over();
	return err;
}

static void __exit av_exit(void)
{
	pci_unregister_driver(&av_driver);
}
module_init(av_init);
module_exit(av_exit);

MODULE_DESCRIPTION("virtio-pci transport for devices confined to a bounce BAR (VIRTIO_F_SWIOTLB, VIRTIO_F_DMB)");
MODULE_LICENSE("GPL");
