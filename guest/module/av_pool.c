// SPDX-License-Identifier: GPL-2.0
/*
 * The bounce pool over a device's region, and the DMA ops that serve the
 * rings (coherent allocations) and every buffer (streaming mappings,
 * bounced by copying) from it: nothing the device is given lies outside.
 *
 * The pool is split into areas, one per CPU (a power of two of them, fewer
 * when the pool is small: every area holds AV_AREA_MIN_SLOTS or more), as
 * swiotlb's areas: a mapping is taken from the area of the CPU that asks,
 * under that area's lock alone, and from the others, in turn, when that
 * one is full. One mapping is capped at the smaller of an eighth of the
 * pool and half an area (and AV_MAX_MAPPING), so that it always fits once
 * others are done; it is a page at least, the smallest segment the block
 * layer makes.
 */
#include <linux/bitmap.h>
#include <linux/io.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include "av.h"

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

static struct av_area *slot_area(struct av_pool *p, unsigned long at)
{
	return &p->areas[min_t(unsigned long, at / p->area_slots, p->nareas - 1)];
}

static long area_alloc(struct av_pool *p, struct av_area *a, size_t size, unsigned long n,
		       unsigned long align_slots)
{
	unsigned long flags, at, end = a->start + a->nslots;

	spin_lock_irqsave(&a->lock, flags);
	at = bitmap_find_next_zero_area(p->map, end, a->start, n, align_slots - 1);
	if (at < end) {
		bitmap_set(p->map, at, n);
		p->len[at] = size;
	}
	spin_unlock_irqrestore(&a->lock, flags);
	return at < end ? (long)at : -1;
}

/* From this CPU's area, else from the next that has room. A streaming
 * mapping that finds none is counted (back-pressure). */
static long pool_alloc(struct av_pool *p, size_t size, unsigned long align_slots, bool streaming)
{
	unsigned long n = pool_slots(size);
	unsigned int first, i;
	long at;

	if (!p->map || !p->nareas)
		return -1;
	first = raw_smp_processor_id() % p->nareas;
	for (i = 0; i < p->nareas; i++) {
		at = area_alloc(p, &p->areas[(first + i) % p->nareas], size, n, align_slots);
		if (at >= 0)
			return at;
	}
	if (streaming)
		atomic_long_inc(&p->full);
	return -1;
}

static void pool_free(struct av_pool *p, unsigned long at)
{
	struct av_area *a = slot_area(p, at);
	unsigned long flags;

	spin_lock_irqsave(&a->lock, flags);
	bitmap_clear(p->map, at, pool_slots(p->len[at]));
	p->len[at] = 0;
	p->orig[at] = 0;
	spin_unlock_irqrestore(&a->lock, flags);
}

/* Slot of an address the device was given (bus address or offset) inside
 * the pool, or -1: with DMB, 0 and the rest of the first page are not. */
static long pool_slot(struct av_pool *p, dma_addr_t addr)
{
	if (addr < p->base || addr - p->base >= p->size)
		return -1;
	return (addr - p->base) >> AV_SLOT_SHIFT;
}

/* Areas: pool_areas if given (1: one lock for the whole pool), else one
 * per possible CPU rounded up to a power of two; halved while an area
 * would hold fewer than AV_AREA_MIN_SLOTS. */
static int pool_areas_build(struct av_pool *p)
{
	unsigned int n = av_pool_areas ?: roundup_pow_of_two(num_possible_cpus()), i;

	/* Counted on the region (a DMB pool lacks its first page). */
	while (n > 1 && (p->r.len >> AV_SLOT_SHIFT) / n < AV_AREA_MIN_SLOTS)
		n /= 2;
	p->areas = kcalloc(n, sizeof(*p->areas), GFP_KERNEL);
	if (!p->areas)
		return -ENOMEM;
	p->nareas = n;
	p->area_slots = n == 1 ? p->nslots : round_down(p->nslots / n, BITS_PER_LONG);
	for (i = 0; i < n; i++) {
		spin_lock_init(&p->areas[i].lock);
		p->areas[i].start = i * p->area_slots;
		p->areas[i].nslots = i == n - 1 ? p->nslots - i * p->area_slots : p->area_slots;
	}
	p->max_mapping = min3((size_t)AV_MAX_MAPPING, p->size / 8,
			      (size_t)(p->area_slots << AV_SLOT_SHIFT) / 2);
	p->max_mapping = max_t(size_t, p->max_mapping, PAGE_SIZE);
	return 0;
}

/* --- DMA ops: everything the device sees lives in the pool --------------- */

static void *av_alloc(struct device *dev, size_t size, dma_addr_t *handle, gfp_t gfp,
		      unsigned long attrs)
{
	struct av_pool *p = dev_pool(dev);
	long at;
	void *va;

	if (size > p->size)		/* nor let PAGE_ALIGN() wrap */
		return NULL;
	at = pool_alloc(p, PAGE_ALIGN(size), PAGE_SIZE / AV_SLOT, false);
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

	if (size > p->max_mapping)
		return DMA_MAPPING_ERROR;
	at = pool_alloc(p, size, 1, true);
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

/* Copies a synced range of a streaming mapping (only one av_map_page()
 * made: a slot with an original) the way dir moves data: to the device
 * or back from it. */
static void av_sync(struct device *dev, dma_addr_t handle, size_t size, enum dma_data_direction dir,
		    bool to_dev)
{
	struct av_pool *p = dev_pool(dev);
	long at = pool_slot(p, handle);

	if (at >= 0 && p->orig[at] &&
	    (dir == DMA_BIDIRECTIONAL || dir == (to_dev ? DMA_TO_DEVICE : DMA_FROM_DEVICE)))
		bounce_copy(dev, p, at, (handle - p->base) & (AV_SLOT - 1), size, to_dev);
}

static void av_sync_for_cpu(struct device *dev, dma_addr_t handle, size_t size,
			    enum dma_data_direction dir)
{
	av_sync(dev, handle, size, dir, false);
}

static void av_sync_for_device(struct device *dev, dma_addr_t handle, size_t size,
			       enum dma_data_direction dir)
{
	av_sync(dev, handle, size, dir, true);
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
	return dev_pool(dev)->max_mapping;
}

static int av_dma_supported(struct device *dev, u64 mask)
{
	return 1;
}

const struct dma_map_ops av_dma_ops = {
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

void av_pool_destroy(struct av_dev *av)
{
	struct av_pool *p = &av->pool;

	if (p->mode == AV_NONE)
		return;
	if (atomic_long_read(&p->full))
		dev_info(&av->pdev->dev, "bounce pool was full %ld times\n", atomic_long_read(&p->full));
	bitmap_free(p->map);
	kvfree(p->orig);
	kvfree(p->len);
	if (p->region_va)
		memunmap(p->region_va);
	pci_release_region(av->pdev, p->r.bar);
	kfree(p->areas);
	memset(p, 0, sizeof(*p));	/* mode AV_NONE: no pool */
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
	/* The whole region from its (size-aligned) start, even when the
	 * pool skips its first page: an aligned range gets block mappings
	 * (arm64 maps a misaligned one page by page: measured ~20% slower). */
	p->region_va = memremap(start, r->len, MEMREMAP_WB);
	p->va = p->region_va ? p->region_va + skip : NULL;
	p->base = mode == AV_DMB ? skip : pci_bus_address(pdev, r->bar) + r->off;
	p->size = r->len - skip;
	p->nslots = p->size >> AV_SLOT_SHIFT;
	p->map = bitmap_zalloc(p->nslots, GFP_KERNEL);
	p->orig = kvcalloc(p->nslots, sizeof(phys_addr_t), GFP_KERNEL);
	p->len = kvcalloc(p->nslots, sizeof(size_t), GFP_KERNEL);
	if (!p->va || !p->map || !p->orig || !p->len || pool_areas_build(p)) {
		av_pool_destroy(av);
		return -ENOMEM;
	}
	if (mode == AV_DMB)
		dev_info(&pdev->dev, "DMB region %llu KiB at %pa (BAR %u): offsets %#llx.. handed out, %u area%s, mappings up to %zu KiB\n",
			 r->len >> 10, &start, r->bar, (u64)p->base, p->nareas, p->nareas == 1 ? "" : "s",
			 p->max_mapping >> 10);
	else
		dev_info(&pdev->dev, "bounce region %zu KiB at %pad (BAR %u), %u area%s, mappings up to %zu KiB\n",
			 p->size >> 10, &p->base, r->bar, p->nareas, p->nareas == 1 ? "" : "s",
			 p->max_mapping >> 10);
	return 0;
}

/* Makes the pool the one for mode over r (none for AV_NONE): kept if it
 * already is, else rebuilt, but only while nothing is mapped in it (no
 * virtqueue, no buffer): what was handed out must stay valid. */
int av_pool_set(struct av_dev *av, enum av_mode mode, const struct av_region *r)
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
	av_pool_destroy(av);
	return mode == AV_NONE ? 0 : pool_build(av, mode, r);
}

