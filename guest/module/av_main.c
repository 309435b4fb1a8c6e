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
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include "av.h"

static bool take_over = true;
module_param(take_over, bool, 0444);
MODULE_PARM_DESC(take_over, "at load, take devices with a bounce region over from the driver that has them");

const char * const av_mode_names[] = { "auto", "swiotlb", "dmb" };
static int av_want;			/* mode, parsed at load */
static char *mode_param = "auto";
module_param_named(mode, mode_param, charp, 0444);
MODULE_PARM_DESC(mode, "auto (VIRTIO_F_DMB if offered, else VIRTIO_F_SWIOTLB), swiotlb or dmb");

unsigned int av_pool_areas;
module_param_named(pool_areas, av_pool_areas, uint, 0444);
MODULE_PARM_DESC(pool_areas, "bounce pool areas, each with its own lock (0: one per CPU, fewer in a small pool; 1: one lock)");

static struct av_dev *to_av(struct virtio_device *vdev)
{
	return container_of(vdev, struct av_dev, vdev);
}

/* The pool over the region dmb_shm_id names. */
static int av_dmb_pool(struct av_dev *av)
{
	struct av_region r;

	return av_dmb_region(av, &r) ?: av_pool_set(av, AV_DMB, &r);
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
	err = use == AV_SWIOTLB ? av_pool_set(av, AV_SWIOTLB, &r)
	      : av->pool.mode != AV_DMB ? av_pool_set(av, AV_NONE, NULL) : 0;
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

	if (av_find_caps(pdev, &caps))
		return -ENODEV;		/* not ours: virtio_pci takes it */
	err = av_check_caps(pdev, &caps);
	if (err)
		return err;
	av = kzalloc(sizeof(*av), GFP_KERNEL);
	if (!av)
		return -ENOMEM;
	av->pdev = pdev;
	av->caps = caps;
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
	if (!err && av_hooks_add(pdev))
		dev_warn(&pdev->dev, "cannot add the test hook\n");
	if (err) {
		av_unmap_caps(av);
		set_dma_ops(&pdev->dev, NULL);
		av_pool_destroy(av);
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

	av_hooks_remove(pdev);
	/* Hold av until we are done: unregistering may drop the last ref. */
	get_device(&av->vdev.dev);
	unregister_virtio_device(&av->vdev);
	av_unmap_caps(av);
	set_dma_ops(&pdev->dev, NULL);
	av_pool_destroy(av);
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

		if (!drv || drv == &av_driver.driver || av_find_caps(pdev, &caps))
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
