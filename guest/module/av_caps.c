// SPDX-License-Identifier: GPL-2.0
/*
 * A device's virtio capabilities, read once each and checked before they
 * size, offset or bound anything (the host is not trusted), then mapped
 * as checked: what vp_modern_probe() does, without a second reading.
 */
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include "av.h"

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

/* Reads the virtio capabilities of a modern virtio device, the first of
 * each cfg_type and the first AV_MAX_SHM shared-memory ones, each once.
 * -ENODEV: no bounce region, not ours (virtio_pci takes it). The values are
 * checked by av_check_caps(), a shared-memory one by av_dmb_region() if used. */
int av_find_caps(struct pci_dev *pdev, struct av_caps *caps)
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

int av_check_caps(struct pci_dev *pdev, const struct av_caps *caps)
{
	const struct av_cap *b = &caps->cap[VIRTIO_PCI_CAP_SWIOTLB];
	struct av_region r = { .bar = b->bar, .off = b->off, .len = b->len };
	int err;

	/* The bounce region (what binds the device here, whichever mode). */
	err = check_cap(pdev, caps, VIRTIO_PCI_CAP_SWIOTLB, sizeof(struct virtio_pci_cap),
			PAGE_SIZE, PAGE_SIZE) ?:
	      check_region(pdev, caps, "bounce region", &r, AV_MIN_REGION);
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

void av_unmap_caps(struct av_dev *av)
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

/* What vp_modern_probe() does, from the values av_check_caps() accepted rather
 * than from a second reading of config space. Queue notifications are
 * mapped per queue (av_main.c's map_notify). */
int av_map_caps(struct av_dev *av, const struct av_caps *caps)
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

/* DMB: the region dmb_shm_id names (read after FEATURES_OK, so from
 * find_vqs, not finalize_features), from the shared-memory capabilities
 * read at probe: exactly one with that id, a 24-byte struct
 * virtio_pci_cap64 naming a range inside an assigned memory BAR. Looked up
 * again on every negotiation (an unchanged region keeps its pool). */
int av_dmb_region(struct av_dev *av, struct av_region *r)
{
	struct pci_dev *pdev = av->pdev;
	const struct av_shm *s = NULL;
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
	*r = (struct av_region){ .bar = s->bar, .off = s->off, .len = s->len };
	return check_region(pdev, &av->caps, "DMB region", r, AV_MIN_REGION);
}

