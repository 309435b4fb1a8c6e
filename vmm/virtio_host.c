#include "virtio_host.h"

#include "config.h"
#include "devkinds.h"
#include "irq.h"
#include "../lib/log.h"
#include "mem.h"
#include "pciwin.h"
#include "../devices/virtio_pci.h"
#include "console.h"
#include "../arch/arch.h"
#include "sandbox.h"
#include "util.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MAX_VIRTIO 16

struct virtio_host {
	struct virtio_host_env env;
	struct dma_window ram;          /* isolation off: all of guest RAM */
	unsigned nr;
	struct virtio_pci *vp[MAX_VIRTIO];
	struct virtio_device *dev[MAX_VIRTIO];
	struct sandbox *sb[MAX_VIRTIO];   /* its device process, or NULL */
	struct pci_fn fn[MAX_VIRTIO];     /* how its registers are reached */
	struct bounce_region bounce[MAX_VIRTIO];  /* strict: its region */
	const struct device_kind *kind[MAX_VIRTIO];  /* its row in device_kinds */
};

static int ioeventfd(int vm_fd, uint64_t addr, int fd, bool assign)
{
	struct kvm_ioeventfd io = {
		.addr = addr, .len = 2, .fd = fd,
		.flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};

	return ioctl(vm_fd, KVM_IOEVENTFD, &io);
}

/* vp's place in creation order (its bounce slot, its device process). */
static unsigned index_of(const struct virtio_host *h, const struct virtio_pci *vp)
{
	unsigned i;

	for (i = 0; i < h->nr && h->vp[i] != vp; i++)
		;
	return i;
}

/* Where the guest placed a BAR: only inside a PCI window, and said once per
 * device (a guest can move its BARs as often as it likes). */
static bool placement_ok(struct virtio_host *h, struct virtio_pci *vp, uint64_t addr, uint64_t size,
			 const char *what)
{
	if (pci_windows_contains(h->env.win, addr, size))
		return true;
	if (!vp->bar_warned)
		pr_warn("%s (00:%02x.0): %s at %#llx is outside the PCI windows; not mapped",
			vp->dev->name, vp->slot, what, (unsigned long long)addr);
	vp->bar_warned = true;
	return false;
}

static int map_bar(void *host, struct virtio_pci *vp, uint64_t addr, bool mapped)
{
	struct virtio_host *h = host;
	unsigned i = index_of(h, vp);
	/* Where its registers are: here, or in its device process. */
	struct pci_fn fn = i < h->nr ? h->fn[i] : (struct pci_fn){ &virtio_pci_fn_ops, vp };

	if (mapped) {
		if (!placement_ok(h, vp, addr, VP_BAR_SIZE, "BAR0"))
			return -1;
		/* Refused over another range (a device's, the ECAM, a UART). */
		if (iobus_register(h->env.bus, IO_MMIO, addr, VP_BAR_SIZE, fn.ops->bar0_io, fn.opaque,
				   vp->dev->name) < 0) {
			pr_warn("%s (00:%02x.0): BAR0 at %#llx overlaps another range; not mapped",
				vp->dev->name, vp->slot, (unsigned long long)addr);
			return -1;
		}
	} else if (iobus_unregister(h->env.bus, IO_MMIO, addr, fn.opaque) < 0) {
		return -1;      /* it was not mapped there: nothing of ours to undo */
	}
	for (unsigned q = 0; q < vp->dev->nqueues; q++) {
		uint64_t at = addr + VP_NOTIFY_OFF + VP_NOTIFY_MULT * q;

		if (ioeventfd(h->env.vm_fd, at, vp->q[q].notify_fd, mapped) < 0 && mapped)
			pr_warn("%s: KVM_IOEVENTFD at %#llx: %s", vp->dev->name,
				(unsigned long long)at, strerror(errno));
	}
	return 0;
}

/* KVM memory slots for bounce regions start above those of guest RAM. */
#define BOUNCE_SLOT_BASE 16

static int map_bounce(void *host, struct virtio_pci *vp, uint64_t addr, bool mapped)
{
	struct virtio_host *h = host;
	struct kvm_userspace_memory_region slot = { 0 };

	if (mapped && !placement_ok(h, vp, addr, vp->iso.bounce.size, "the bounce region"))
		return -1;
	slot.slot = BOUNCE_SLOT_BASE + index_of(h, vp);
	slot.guest_phys_addr = addr;
	slot.memory_size = mapped ? vp->iso.bounce.size : 0;   /* 0 deletes the slot */
	slot.userspace_addr = (uint64_t)(uintptr_t)vp->iso.bounce.host;
	if (ioctl(h->env.vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
		pr_warn("%s: bounce region at %#llx: KVM_SET_USER_MEMORY_REGION: %s", vp->dev->name,
			(unsigned long long)addr, strerror(errno));
		return -1;
	}
	pr_debug("%s: bounce region %s at %#llx", vp->dev->name, mapped ? "mapped" : "unmapped",
		 (unsigned long long)addr);
	return 0;
}

static int irq_alloc(void *host, int *efd)
{
	return irq_msi_alloc(((struct virtio_host *)host)->env.irq, efd);
}

static int irq_route(void *host, struct virtio_pci *vp, int gsi, uint64_t addr, uint32_t data)
{
	return irq_msi_set(((struct virtio_host *)host)->env.irq, gsi, addr, data, vp->slot << 3);
}

static void intx(void *host, unsigned gsi, int level)
{
	irq_line(((struct virtio_host *)host)->env.irq, gsi, level);
}

static const struct virtio_host_ops ops = {
	.map_bar = map_bar, .map_bounce = map_bounce, .irq_alloc = irq_alloc,
	.irq_route = irq_route, .intx = intx,
};

static int add_device(struct virtio_host *h, struct virtio_device *dev, uint64_t bounce)
{
	struct bounce_region *b;
	struct virtio_pci *vp;
	int err;
	uint64_t bar;
	int slot;

	if (!dev)
		return -1;      /* the device said why */
	if (h->nr == MAX_VIRTIO) {
		pr_err("cannot create another virtio device (at most %d)", MAX_VIRTIO);
		return -1;
	}
	vp = calloc(1, sizeof(*vp));
	b = &h->bounce[h->nr];
	h->dev[h->nr] = dev;
	h->vp[h->nr] = vp;
	h->nr++;
	if (!vp) {
		pr_err("out of memory");
		return -1;
	}
	if (h->env.cfg->strict && (err = bounce_region_create(b, bounce)) < 0) {
		pr_err("%s: cannot allocate its %llu MiB bounce region: %s", dev->name,
		       (unsigned long long)(bounce >> 20), strerror(-err));
		return -1;
	}
	if (virtio_pci_init(vp, dev, &h->ram, b, &ops, h) < 0)
		return -1;
	/* Isolation off, a backend in another process maps guest RAM itself. */
	for (unsigned i = 0; i < h->env.mem->layout.nr && i < DMA_MAX_RANGES; i++) {
		const struct mem_region *r = &h->env.mem->layout.r[i];

		vp->ram[vp->nram++] = (struct vp_mem_region){ r->gpa, r->size,
			(uint64_t)(uintptr_t)(h->env.mem->host + r->offset), r->offset, h->env.mem->fd };
	}
	/* Test hook: a host that would have the guest's DMA bypass the bounce
	 * region (the airlock guest driver must refuse such a device). */
	if (test_hook("host-hides-access-platform"))
		vp->offered &= ~(1ULL << VIRTIO_F_ACCESS_PLATFORM);
	/* Test hook: a host whose dmb_shm_id names no region it describes
	 * (the guest driver must refuse the device, not guess). */
	if (test_hook("host-dmb-names-no-region"))
		vp->iso.shmid++;
	h->fn[h->nr - 1] = (struct pci_fn){ &virtio_pci_fn_ops, vp };
	slot = pci_bus_add_fn(h->env.pci, &virtio_pci_fn_ops, vp);
	bar = pci_windows_alloc(h->env.win, VP_BAR_SIZE, false);
	if (slot < 0 || !bar) {
		pr_err("%s: no room on the PCI bus", dev->name);
		return -1;
	}
	vp->slot = (unsigned)slot;
	if (vp->iso.bounce.size) {
		/* The bounce region goes in the 64-bit prefetchable window, out of
		 * the guest's RAM map; the guest maps it write-back. */
		uint64_t at = pci_windows_alloc(h->env.win, vp->iso.bounce.size, true);

		if (!at) {
			pr_err("%s: no room for a %llu MiB bounce region in the PCI window", dev->name,
			       (unsigned long long)(vp->iso.bounce.size >> 20));
			return -1;
		}
		pci_cfg_write(&vp->pci, PCI_BASE_ADDRESS_0 + 4 * VP_BOUNCE_BAR, 4, (uint32_t)at);
		pci_cfg_write(&vp->pci, PCI_BASE_ADDRESS_0 + 4 * VP_BOUNCE_BAR + 4, 4, (uint32_t)(at >> 32));
	}
	vp->intx_gsi = arch_pci_intx_gsi((unsigned)slot);
	vp->pci.cfg[PCI_INTERRUPT_LINE] = (uint8_t)vp->intx_gsi;
	/* Placed as firmware would; the guest enables decoding. */
	pci_cfg_write(&vp->pci, PCI_BASE_ADDRESS_0, 4, (uint32_t)bar);
	pci_cfg_write(&vp->pci, PCI_BASE_ADDRESS_0 + 4, 4, (uint32_t)(bar >> 32));
	pr_info("%s at 00:%02x.0, BAR0 %#llx", dev->name, slot, (unsigned long long)bar);
	return 0;
}

struct virtio_host *virtio_host_init(const struct virtio_host_env *env)
{
	struct virtio_host *h = calloc(1, sizeof(*h));
	const struct vm_config *cfg = env->cfg;

	if (!h) {
		pr_err("out of memory");
		return NULL;
	}
	h->env = *env;
	for (unsigned i = 0; i < MAX_VIRTIO; i++)
		h->bounce[i].fd = -1;
	dma_window_init(&h->ram);
	for (unsigned i = 0; i < env->mem->layout.nr; i++) {
		const struct mem_region *r = &env->mem->layout.r[i];

		dma_window_add(&h->ram, r->gpa, r->size, env->mem->host + r->offset);
	}
	/* In the table's order, which fixes the PCI slots. */
	for (unsigned k = 0; k < device_nkinds; k++) {
		const struct device_kind *kind = &device_kinds[k];

		for (unsigned i = 0; i < kind->count(cfg); i++) {
			uint64_t bounce = 0;
			/* Its own statement: create() sets bounce, and the
			 * order in which arguments are evaluated is not fixed. */
			struct virtio_device *dev = kind->create(cfg, i, &bounce);

			if (add_device(h, dev, bounce ? bounce : cfg->bounce_size) < 0)
				goto err;
			h->kind[h->nr - 1] = kind;
			/* Typed input now goes to hvc0; the UART keeps early output. */
			if (kind->console_input)
				console_set_input(env->console, virtio_pci_input, h->vp[h->nr - 1]);
		}
	}
	return h;
err:
	virtio_host_destroy(h);
	return NULL;
}

struct virtio_pci *virtio_host_device(const struct virtio_host *h, unsigned i)
{
	return h && i < h->nr ? h->vp[i] : NULL;
}

int virtio_host_start(struct virtio_host *h)
{
	for (unsigned i = 0; h && i < h->nr; i++) {
		/* A backend's device has no model in airlock to confine: its
		 * backend is the other process, reaching the region alone. */
		if (!h->env.cfg->sandbox || h->dev[i]->ext) {
			if (virtio_pci_start(h->vp[i]) < 0)
				return -1;
			continue;
		}
		h->sb[i] = sandbox_start(&h->env.sandbox, h->vp[i], &ops, h->vp, h->nr);
		if (!h->sb[i])
			return -1;
		h->fn[i] = (struct pci_fn){ &sandbox_fn_ops, h->sb[i] };
		pci_bus_set_fn(h->env.pci, (int)h->vp[i]->slot, &sandbox_fn_ops, h->sb[i]);
		if (h->kind[i]->console_input)
			console_set_input(h->env.console, sandbox_console_input, h->sb[i]);
	}
	return 0;
}

void virtio_host_sync_stats(struct virtio_host *h)
{
	for (unsigned i = 0; h && i < h->nr; i++)
		if (h->sb[i] && sandbox_sync_stats(h->sb[i]) < 0)
			pr_warn("%s: counters unavailable (its device process is gone)", h->dev[i]->name);
}

bool virtio_host_reap(struct virtio_host *h, pid_t pid, int status)
{
	for (unsigned i = 0; h && i < h->nr; i++)
		if (sandbox_reap(h->sb[i], pid, status))
			return true;
	return false;
}

void virtio_host_destroy(struct virtio_host *h)
{
	if (!h)
		return;
	for (unsigned i = 0; i < h->nr; i++) {
		sandbox_stop(h->sb[i]);
		h->sb[i] = NULL;
		if (h->vp[i] && h->vp[i]->dev)
			virtio_pci_destroy(h->vp[i]);
		free(h->vp[i]);
		bounce_region_destroy(&h->bounce[i]);
		if (h->dev[i] && h->dev[i]->destroy)
			h->dev[i]->destroy(h->dev[i]);
		free(h->dev[i]);
	}
	dma_window_destroy(&h->ram);
	free(h);
}
