/* Queues another process serves (vhost-user): the transport's side. The
 * backend runs exactly while the device may do DMA — DRIVER_OK without
 * NEEDS_RESET, a bus master, its window open — and is given exactly what
 * the window holds: in strict mode the device's region alone (DMB: at
 * offset 0; VIRTIO_F_SWIOTLB: at BAR2's address), never guest RAM. When
 * any of that changes the backend is stopped first, then started again on
 * what holds now, so it never sees a stale range. Kicks go from the
 * guest's notify ioeventfd straight to the backend, completions from the
 * backend straight to the vector's irqfd: no airlock thread in between
 * (a queue without an MSI-X vector of its own has its completions relayed
 * by the device's I/O loop instead). */
#include "virtio_pci.h"

#include "../lib/log.h"

#include <stdio.h>
#include <string.h>

/* The memory the backend may map now: false when the device may not run. */
static bool window_memory(const struct virtio_pci *vp, struct vp_mem_region *m, unsigned *n)
{
	const struct isolation *iso = &vp->iso;

	if (!isolation_strict(iso)) {
		*n = vp->nram;
		memcpy(m, vp->ram, sizeof(vp->ram[0]) * vp->nram);
		return vp->nram > 0;
	}
	if (!iso->bounce_mapped || (iso->mode != ISO_DMB && iso->mode != ISO_SWIOTLB))
		return false;
	*n = 1;
	m[0] = (struct vp_mem_region){ .gpa = iso->mode == ISO_DMB ? 0 : iso->bounce_addr,
				       .size = iso->bounce.size, .uaddr = (uint64_t)(uintptr_t)iso->bounce.host,
				       .fd_offset = 0, .fd = iso->bounce.fd };
	return true;
}

/* A ring's guest address as the backend's key: inside one region, whole
 * (checked against the window, like airlock's own queues). */
static uint64_t ring_key(const struct virtio_pci *vp, uint64_t gpa, uint64_t len)
{
	void *p = dma_resolve(vp->win, gpa, len);

	return p ? (uint64_t)(uintptr_t)p : 0;
}

static bool may_run(const struct virtio_pci *vp)
{
	return (vp->status & VIRTIO_CONFIG_S_DRIVER_OK) && !(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET) &&
	       (vp->pci.cfg[PCI_COMMAND] & PCI_COMMAND_MASTER);
}

/* What the backend gets, on the memory window_memory found (in s->mem);
 * false (why filled) when a queue cannot be given. */
static bool ext_state(struct virtio_pci *vp, struct vp_ext_state *s, char *why, size_t whylen)
{
	uint64_t keep = 1ULL << VIRTIO_F_SWIOTLB | 1ULL << VIRTIO_F_DMB | 1ULL << VIRTIO_F_ACCESS_PLATFORM;

	/* The backend has no IOTLB: it reaches what the table holds, so the
	 * isolation bits stay between the guest and airlock. */
	s->features = vp->driver_features & ~keep;
	s->nq = vp->dev->nqueues;
	for (unsigned i = 0; i < s->nq; i++) {
		const struct vp_queue *q = &vp->q[i];
		struct vp_ext_queue *e = &s->q[i];

		if (!q->enable)
			continue;
		/* Its vector's irqfd; without one (INTx, or no vector), airlock's
		 * I/O loop relays (virtio_pci_relay). */
		e->call_fd = msix_enabled(&vp->msix) && q->msix_vector <= VIRTIO_MAX_QUEUES &&
					     vp->vec_fd[q->msix_vector] >= 0
				     ? vp->vec_fd[q->msix_vector] : q->relay_fd;
		e->size = q->size;
		e->desc = ring_key(vp, q->desc, 16ULL * q->size);
		e->avail = ring_key(vp, q->avail, 6 + 2ULL * q->size);
		e->used = ring_key(vp, q->used, 6 + 8ULL * q->size);
		if (!e->desc || !e->avail || !e->used) {
			snprintf(why, whylen, "queue %u refused: its rings are outside the window", i);
			vp->faults++;   /* a ring refusal, as for airlock's own queues */
			return false;
		}
		e->kick_fd = q->notify_fd;
	}
	return true;
}

static bool same_region(const struct vp_mem_region *a, const struct vp_mem_region *b)
{
	return a->gpa == b->gpa && a->size == b->size && a->uaddr == b->uaddr && a->fd == b->fd &&
	       a->fd_offset == b->fd_offset;
}

void virtio_io_backend_failed(const struct virtio_io *io, const char *why)
{
	io->t->backend_failures++;
	virtio_pci_needs_reset(io->t, why);
}

void virtio_ext_sync(struct virtio_pci *vp)
{
	struct vp_ext_state s = { 0 };
	bool run = may_run(vp) && window_memory(vp, s.mem, &s.nmem);
	char why[160] = "";

	/* Unchanged: a running backend keeps running on the same memory. */
	if (run == vp->ext_running && (!run || (same_region(&s.mem[0], &vp->ext_mem) && !vp->ext_restart)))
		return;
	vp->ext_restart = false;
	if (vp->ext_running) {
		vp->ext_running = false;
		if (vp->dev->ext->stop(vp->dev, why, sizeof(why)) < 0) {
			vp->backend_failures++;
			virtio_pci_needs_reset(vp, why);
			return;
		}
	}
	if (!run)
		return;
	if (!ext_state(vp, &s, why, sizeof(why))) {
		virtio_pci_needs_reset(vp, why);
		return;
	}
	if (vp->dev->ext->start(vp->dev, &s, why, sizeof(why)) < 0) {
		vp->backend_failures++;
		virtio_pci_needs_reset(vp, why);
		return;
	}
	vp->ext_running = true;
	vp->ext_mem = s.mem[0];
	virtio_pci_watch_host_fd(vp);      /* after a reconnect, a new socket */
}
