// SPDX-License-Identifier: GPL-2.0
/* The isolation tests' hostile request (test_hooks=1 only). */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <uapi/linux/virtio_ring.h>
#include "av.h"

static bool av_test_hooks;
module_param_named(test_hooks, av_test_hooks, bool, 0444);
MODULE_PARM_DESC(test_hooks, "add the airlock_hostile sysfs file (isolation tests only)");

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

int av_hooks_add(struct pci_dev *pdev)
{
	return av_test_hooks ? device_create_file(&pdev->dev, &dev_attr_airlock_hostile) : 0;
}

void av_hooks_remove(struct pci_dev *pdev)
{
	if (av_test_hooks)
		device_remove_file(&pdev->dev, &dev_attr_airlock_hostile);
}
