#include "virtio_pci.h"

#include "../lib/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>


static uint64_t transport_features(void)
{
	return 1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_RING_F_INDIRECT_DESC |
	       1ULL << VIRTIO_RING_F_EVENT_IDX;
}

static int add_vcap(struct virtio_pci *vp, uint8_t type, uint8_t bar, uint32_t off, uint32_t len,
		    unsigned extra)
{
	uint8_t cap[20] = { 0x09, 0, (uint8_t)(16 + extra), type, bar }, wmask[20] = { 0 };

	memcpy(cap + 8, &off, 4);
	memcpy(cap + 12, &len, 4);
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
		uint32_t mult = VP_NOTIFY_MULT;

		memcpy(cap + 16, &mult, 4);
	}
	if (type == VIRTIO_PCI_CAP_PCI_CFG) {
		wmask[4] = 0xff;                        /* bar */
		memset(wmask + 8, 0xff, 12);            /* offset, length, data */
	}
	return pci_dev_add_cap(&vp->pci, cap, wmask, 16 + extra);
}

/* A shared-memory region (cfg_type 8): struct virtio_pci_cap64, its id the
 * region's shmid, 64-bit offset and length. */
static int add_shm_cap(struct virtio_pci *vp, uint8_t bar, uint8_t id, uint64_t off, uint64_t len)
{
	struct virtio_pci_cap64 c = {
		.cap = { .cap_vndr = 0x09, .cap_len = sizeof(c), .cfg_type = VIRTIO_PCI_CAP_SHARED_MEMORY_CFG,
			 .bar = bar, .id = id, .offset = (uint32_t)off, .length = (uint32_t)len },
		.offset_hi = (uint32_t)(off >> 32), .length_hi = (uint32_t)(len >> 32),
	};

	return pci_dev_add_cap(&vp->pci, (const uint8_t *)&c, NULL, sizeof(c));
}

/* --- interrupts ---------------------------------------------------------- */

static void msix_fire(void *opaque, unsigned vec)
{
	struct virtio_pci *vp = opaque;
	uint64_t one = 1;

	if (vec <= VIRTIO_MAX_QUEUES && vp->vec_fd[vec] >= 0)
		while (write(vp->vec_fd[vec], &one, 8) < 0 && errno == EINTR)
			;
}

static void msix_route(void *opaque, unsigned vec, uint64_t addr, uint32_t data)
{
	struct virtio_pci *vp = opaque;

	if (vec <= VIRTIO_MAX_QUEUES && vp->vec_gsi[vec] >= 0)
		vp->ops->irq_route(vp->host, vp, vp->vec_gsi[vec], addr, data);
}

static void raise(struct virtio_pci *vp, uint8_t isr_bit, uint16_t vector)
{
	vp->isr |= isr_bit;
	if (msix_enabled(&vp->msix)) {
		if (vector != MSIX_NO_VECTOR)
			msix_notify(&vp->msix, vector);
	} else if (!(vp->pci.cfg[PCI_COMMAND + 1] & (PCI_COMMAND_INTX_DISABLE >> 8))) {
		vp->pci.cfg[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
		vp->ops->intx(vp->host, vp->intx_gsi, 1);
	}
}

void virtio_pci_relay(struct virtio_pci *vp, unsigned q)
{
	if (q < vp->dev->nqueues && vp->ext_running)
		raise(vp, 1, vp->q[q].msix_vector);
}

static struct virtq *queue(struct virtio_pci *vp, unsigned q)
{
	/* No DMA at all unless the driver made the function a bus master. */
	if (q >= vp->dev->nqueues || !vp->q[q].enable || !(vp->status & VIRTIO_CONFIG_S_DRIVER_OK) ||
	    (vp->status & VIRTIO_CONFIG_S_NEEDS_RESET) ||
	    !(vp->pci.cfg[PCI_COMMAND] & PCI_COMMAND_MASTER))
		return NULL;
	return &vp->q[q].vq;
}

static void queue_interrupt(struct virtio_pci *vp, unsigned q)
{
	if (q < vp->dev->nqueues && virtq_should_notify(&vp->q[q].vq))
		raise(vp, 1, vp->q[q].msix_vector);
}

/* The device needs a reset (what: why, for the warning): said once per
 * reset, and VP_MAX_WARNINGS times in all; the exit summary counts every
 * one. */
void virtio_pci_needs_reset(struct virtio_pci *vp, const char *what)
{
	if (!vp->warned && vp->warnings < VP_MAX_WARNINGS) {
		pr_warn("%s (00:%02x.0): %s; device needs a reset%s", vp->dev->name, vp->slot, what,
			++vp->warnings == VP_MAX_WARNINGS ? " (further refusals are only counted)" : "");
		vp->warned = true;
	}
	/* The interrupt only for a driver that runs the device (with none
	 * bound, a backend's hang-up must not leave INTx asserted). */
	if (!(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET)) {
		vp->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
		if (vp->status & VIRTIO_CONFIG_S_DRIVER_OK)
			raise(vp, 2, vp->msix_config);
	}
	if (vp->dev->ext)
		virtio_ext_sync(vp);
}

static void queue_fault(struct virtio_pci *vp, unsigned q)
{
	char what[160];

	vp->faults++;
	snprintf(what, sizeof(what), "queue %u refused: %s", q, virtq_fault_name(vp->q[q].vq.fault));
	virtio_pci_needs_reset(vp, what);
}

static void config_changed(struct virtio_pci *vp)
{
	vp->config_gen++;
	if (vp->status & VIRTIO_CONFIG_S_DRIVER_OK)
		raise(vp, 2, vp->msix_config);
}

struct virtq *virtio_io_queue(const struct virtio_io *io, unsigned q)
{
	return queue(io->t, q);
}

void virtio_io_interrupt(const struct virtio_io *io, unsigned q)
{
	queue_interrupt(io->t, q);
}

void virtio_io_fault(const struct virtio_io *io, unsigned q)
{
	queue_fault(io->t, q);
}

void virtio_io_config_changed(const struct virtio_io *io)
{
	config_changed(io->t);
}

/* --- common configuration ------------------------------------------------ */

static void update_window(struct virtio_pci *vp)
{
	isolation_update(&vp->iso, vp->status & VIRTIO_CONFIG_S_FEATURES_OK, vp->driver_features);
	if (vp->dev->ext)
		virtio_ext_sync(vp);
}

static void reset(struct virtio_pci *vp)
{
	vp->status = 0;
	vp->driver_features = 0;
	vp->dfselect = vp->gfselect = 0;
	vp->queue_select = 0;
	vp->msix_config = MSIX_NO_VECTOR;
	vp->isr = 0;
	vp->warned = false;
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		struct vp_queue *q = &vp->q[i];

		q->size = vp->dev->queue_max;
		q->more = false;
		q->msix_vector = MSIX_NO_VECTOR;
		q->enable = 0;
		q->desc = q->avail = q->used = 0;
		memset(&q->vq, 0, sizeof(q->vq));
	}
	vp->ops->intx(vp->host, vp->intx_gsi, 0);
	update_window(vp);
	if (vp->dev->reset)
		vp->dev->reset(vp->dev);
}

static void write_status(struct virtio_pci *vp, uint8_t v)
{
	if (v == 0) {
		reset(vp);
		return;
	}
	/* FEATURES_OK sticks only for a subset of what we offered that
	 * includes VERSION_1: we are a modern-only device. */
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(vp->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		if ((vp->driver_features & ~vp->offered) ||
		    !(vp->driver_features & (1ULL << VIRTIO_F_VERSION_1)))
			v &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
		const char *no = isolation_refusal(&vp->iso, vp->driver_features);

		if (no) {
			v &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
			if (!vp->declined_warned)
				pr_warn("%s (00:%02x.0)%s%s: %s", vp->dev->name, vp->slot,
					vp->dev->what[0] ? ", " : "", vp->dev->what, no);
			vp->declined_warned = true;
		}
	}
	if ((v & VIRTIO_CONFIG_S_DRIVER_OK) && !(vp->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(v & VIRTIO_CONFIG_S_FEATURES_OK))
		v &= (uint8_t)~VIRTIO_CONFIG_S_DRIVER_OK;
	vp->status = (uint8_t)(v | (vp->status & VIRTIO_CONFIG_S_NEEDS_RESET));
	update_window(vp);
}

static void enable_queue(struct virtio_pci *vp, struct vp_queue *q, unsigned idx)
{
	bool ind = vp->driver_features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC);
	bool evt = vp->driver_features & (1ULL << VIRTIO_RING_F_EVENT_IDX);

	if (q->size > vp->dev->queue_max ||
	    virtq_init(&q->vq, vp->win, q->size, q->desc, q->avail, q->used, ind, evt) < 0) {
		q->vq.fault = VQ_DMA;
		queue_fault(vp, idx);
		return;
	}
	q->vq.stats = &vp->stats;
	q->enable = 1;
}

/* A backend's call fds follow the MSI-X set-up: restarted on a change. */
static void ext_changed(struct virtio_pci *vp)
{
	if (vp->dev->ext && vp->ext_running) {
		vp->ext_restart = true;
		virtio_ext_sync(vp);
	}
}

static uint32_t common_read(struct virtio_pci *vp, unsigned off)
{
	struct vp_queue *q = vp->queue_select < vp->dev->nqueues ? &vp->q[vp->queue_select] : NULL;

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT: return vp->dfselect;
	case VIRTIO_PCI_COMMON_DF: return vp->dfselect < 2 ? (uint32_t)(vp->offered >> (32 * vp->dfselect)) : 0;
	case VIRTIO_PCI_COMMON_GFSELECT: return vp->gfselect;
	case VIRTIO_PCI_COMMON_GF: return vp->gfselect < 2 ? (uint32_t)(vp->driver_features >> (32 * vp->gfselect)) : 0;
	case VIRTIO_PCI_COMMON_MSIX: return vp->msix_config;
	case VIRTIO_PCI_COMMON_NUMQ: return vp->dev->nqueues;
	case VIRTIO_PCI_COMMON_STATUS: return vp->status;
	case VIRTIO_PCI_COMMON_CFGGENERATION: return vp->config_gen;
	case VIRTIO_PCI_COMMON_Q_SELECT: return vp->queue_select;
	case VIRTIO_PCI_COMMON_Q_SIZE: return q ? q->size : 0;
	case VIRTIO_PCI_COMMON_Q_MSIX: return q ? q->msix_vector : MSIX_NO_VECTOR;
	case VIRTIO_PCI_COMMON_Q_ENABLE: return q ? q->enable : 0;
	case VIRTIO_PCI_COMMON_Q_NOFF: return q ? vp->queue_select : 0;
	case VIRTIO_PCI_COMMON_Q_DESCLO: return q ? (uint32_t)q->desc : 0;
	case VIRTIO_PCI_COMMON_Q_DESCHI: return q ? (uint32_t)(q->desc >> 32) : 0;
	case VIRTIO_PCI_COMMON_Q_AVAILLO: return q ? (uint32_t)q->avail : 0;
	case VIRTIO_PCI_COMMON_Q_AVAILHI: return q ? (uint32_t)(q->avail >> 32) : 0;
	case VIRTIO_PCI_COMMON_Q_USEDLO: return q ? (uint32_t)q->used : 0;
	case VIRTIO_PCI_COMMON_Q_USEDHI: return q ? (uint32_t)(q->used >> 32) : 0;
	case VIRTIO_PCI_COMMON_DMB_SHM_ID: return isolation_shmid(&vp->iso);
	}
	/* queue_notif_config_data .. admin_queue_num: zero (not offered). */
	return 0;
}

static void set_half(uint64_t *v, unsigned high, uint32_t val)
{
	*v = high ? (*v & 0xffffffffULL) | (uint64_t)val << 32 : (*v & ~0xffffffffULL) | val;
}

static void common_write(struct virtio_pci *vp, unsigned off, uint32_t v)
{
	struct vp_queue *q = vp->queue_select < vp->dev->nqueues ? &vp->q[vp->queue_select] : NULL;
	/* Queue layout is frozen once the queue is enabled. */
	bool qcfg = q && !q->enable;

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT: vp->dfselect = v; break;
	case VIRTIO_PCI_COMMON_GFSELECT: vp->gfselect = v; break;
	case VIRTIO_PCI_COMMON_GF:
		/* Features can change only before FEATURES_OK. */
		if (vp->gfselect < 2 && !(vp->status & VIRTIO_CONFIG_S_FEATURES_OK))
			set_half(&vp->driver_features, vp->gfselect, v);
		break;
	case VIRTIO_PCI_COMMON_MSIX:
		vp->msix_config = (uint16_t)v < vp->msix.nvec ? (uint16_t)v : MSIX_NO_VECTOR;
		break;
	case VIRTIO_PCI_COMMON_STATUS: write_status(vp, (uint8_t)v); break;
	case VIRTIO_PCI_COMMON_Q_SELECT: vp->queue_select = (uint16_t)v; break;
	case VIRTIO_PCI_COMMON_Q_SIZE: if (qcfg) q->size = (uint16_t)v; break;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		if (q)
			q->msix_vector = (uint16_t)v < vp->msix.nvec ? (uint16_t)v : MSIX_NO_VECTOR;
		ext_changed(vp);
		break;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		if (qcfg && v == 1)
			enable_queue(vp, q, vp->queue_select);
		break;
	case VIRTIO_PCI_COMMON_Q_DESCLO: if (qcfg) set_half(&q->desc, 0, v); break;
	case VIRTIO_PCI_COMMON_Q_DESCHI: if (qcfg) set_half(&q->desc, 1, v); break;
	case VIRTIO_PCI_COMMON_Q_AVAILLO: if (qcfg) set_half(&q->avail, 0, v); break;
	case VIRTIO_PCI_COMMON_Q_AVAILHI: if (qcfg) set_half(&q->avail, 1, v); break;
	case VIRTIO_PCI_COMMON_Q_USEDLO: if (qcfg) set_half(&q->used, 0, v); break;
	case VIRTIO_PCI_COMMON_Q_USEDHI: if (qcfg) set_half(&q->used, 1, v); break;
	}
}

/* Reads and writes of 1, 2 or 4 bytes at their natural offsets; an 8-byte
 * access to a 64-bit field is split in two. */
static void common_io(struct virtio_pci *vp, unsigned off, uint8_t *data, unsigned len,
		      bool is_write)
{
	uint32_t v = 0;

	if (len == 8) {
		common_io(vp, off, data, 4, is_write);
		common_io(vp, off + 4, data + 4, 4, is_write);
		return;
	}
	if (len > 4) {          /* the bus delivers none: never past v */
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	if (is_write) {
		memcpy(&v, data, len);
		common_write(vp, off, v);
	} else {
		/* Every field sits at its own offset; drivers read each
		 * with its natural width. */
		v = common_read(vp, off);
		memcpy(data, &v, len);
	}
}

static void device_io(struct virtio_pci *vp, unsigned off, uint8_t *data, unsigned len,
		      bool is_write)
{
	struct virtio_device *d = vp->dev;

	if (off + len > d->config_len) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	if (is_write) {
		if (d->config_write)
			d->config_write(d, off, data, len);
	} else {
		d->config_read(d, off, data, len);
	}
}


void virtio_pci_bar_io(void *opaque, uint64_t off, uint8_t *data, unsigned len, bool is_write)
{
	struct virtio_pci *vp = opaque;

	if (off >= VP_MSIX_OFF && off < VP_PBA_OFF) {
		msix_table_io(&vp->msix, off - VP_MSIX_OFF, data, len, is_write);
		return;
	}
	if (off >= VP_PBA_OFF && off < VP_PBA_OFF + 8) {
		msix_pba_io(&vp->msix, off - VP_PBA_OFF, data, len, is_write);
		return;
	}
	pthread_mutex_lock(&vp->lock);
	if (off < VP_COMMON_OFF + VP_COMMON_LEN) {
		common_io(vp, (unsigned)off, data, len, is_write);
	} else if (off == VP_ISR_OFF && !is_write) {
		/* Reading ISR acknowledges and lowers INTx. */
		data[0] = vp->isr;
		memset(data + 1, 0, len - 1);
		vp->isr = 0;
		vp->pci.cfg[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTERRUPT;
		vp->ops->intx(vp->host, vp->intx_gsi, 0);
	} else if (off >= VP_DEVICE_OFF && off < VP_DEVICE_OFF + 0x1000) {
		device_io(vp, (unsigned)(off - VP_DEVICE_OFF), data, len, is_write);
	} else if (off >= VP_NOTIFY_OFF && off < VP_NOTIFY_OFF + VP_NOTIFY_MULT * VIRTIO_MAX_QUEUES &&
		   is_write) {
		/* Reached only when a notify did not match an ioeventfd. */
		virtio_pci_notify(vp, (unsigned)(off - VP_NOTIFY_OFF) / VP_NOTIFY_MULT);
	} else if (!is_write) {
		memset(data, 0, len);
	}
	pthread_mutex_unlock(&vp->lock);
}

void virtio_pci_counters(const struct virtio_pci *vp, struct vp_counters *c)
{
	if (vp->has_remote) {
		*c = vp->remote;
		return;
	}
	*c = (struct vp_counters){ vp->stats.chains, vp->stats.read, vp->stats.written, vp->faults,
				   dma_denied(vp->win), vp->backend_failures, vp->iso.negotiated, 0 };
}

void virtio_pci_set_counters(struct virtio_pci *vp, const struct vp_counters *c)
{
	vp->remote = *c;
	vp->has_remote = true;
}

static uint32_t fn_cfg_read(void *vp, unsigned off, unsigned len)
{
	return pci_cfg_read(&((struct virtio_pci *)vp)->pci, off, len);
}

static void fn_cfg_write(void *vp, unsigned off, unsigned len, uint32_t val)
{
	pci_cfg_write(&((struct virtio_pci *)vp)->pci, off, len, val);
}

const struct pci_fn_ops virtio_pci_fn_ops = { fn_cfg_read, fn_cfg_write, virtio_pci_bar_io };

/* --- PCI glue ------------------------------------------------------------ */

static void bar_changed(struct pci_dev *d, int bar, uint64_t addr, bool mapped)
{
	struct virtio_pci *vp = d->opaque;

	if (bar == VP_BOUNCE_BAR && isolation_strict(&vp->iso)) {
		vp->ops->map_bounce(vp->host, vp, addr, mapped);
		pthread_mutex_lock(&vp->lock);
		isolation_bounce_moved(&vp->iso, addr, mapped);
		update_window(vp);
		pthread_mutex_unlock(&vp->lock);
		return;
	}
	if (bar != 0)
		return;
	vp->ops->map_bar(vp->host, vp, addr, mapped);
}

/* Bus mastering on or off: a backend's queues follow it. */
static void command_written(struct pci_dev *d)
{
	struct virtio_pci *vp = d->opaque;

	if (!vp->dev->ext)
		return;
	pthread_mutex_lock(&vp->lock);
	virtio_ext_sync(vp);
	pthread_mutex_unlock(&vp->lock);
}

/* The PCI-config access capability: a window onto BAR0 through config
 * space (cap.bar, cap.offset, cap.length select; pci_cfg_data moves data). */
static bool pcicfg_target(struct virtio_pci *vp, uint32_t *off, uint32_t *len)
{
	const uint8_t *c = vp->pci.cfg + vp->pcicfg_cap;

	memcpy(off, c + 8, 4);
	memcpy(len, c + 12, 4);
	return c[4] == 0 && (*len == 1 || *len == 2 || *len == 4) && !(*off & (*len - 1)) &&
	       *off < VP_BAR_SIZE;
}

static void cap_written(struct pci_dev *d, unsigned off, unsigned len)
{
	struct virtio_pci *vp = d->opaque;
	uint32_t boff, blen;

	if (off >= vp->msix.cap && off < vp->msix.cap + 4) {
		msix_control_written(&vp->msix);
		if (vp->dev->ext) {
			pthread_mutex_lock(&vp->lock);
			ext_changed(vp);
			pthread_mutex_unlock(&vp->lock);
		}
	}
	if (off + len > vp->pcicfg_cap + 16 && off < vp->pcicfg_cap + 20 &&
	    pcicfg_target(vp, &boff, &blen))
		virtio_pci_bar_io(vp, boff, d->cfg + vp->pcicfg_cap + 16, blen, true);
}

static void cap_read(struct pci_dev *d, unsigned off, unsigned len)
{
	struct virtio_pci *vp = d->opaque;
	uint32_t boff, blen;

	if (off + len > vp->pcicfg_cap + 16 && off < vp->pcicfg_cap + 20 &&
	    pcicfg_target(vp, &boff, &blen))
		virtio_pci_bar_io(vp, boff, d->cfg + vp->pcicfg_cap + 16, blen, false);
}

int virtio_pci_init(struct virtio_pci *vp, struct virtio_device *dev, struct dma_window *ram_win,
		    const struct bounce_region *bounce, const struct virtio_host_ops *ops, void *host)
{
	unsigned nvec = dev->nqueues + 1;
	int pcicfg = 0;

	memset(vp, 0, sizeof(*vp));
	pthread_mutex_init(&vp->lock, NULL);
	vp->dev = dev;
	vp->ops = ops;
	vp->host = host;
	vp->win = &vp->iso.win;
	vp->stop_fd = vp->epoll_fd = -1;
	if (isolation_init(&vp->iso, ram_win, bounce) < 0) {
		pr_err("%s: bounce region of %llu bytes: use a power of two from 4K to 1G", dev->name,
		       (unsigned long long)bounce->size);
		return -1;
	}
	/* Strict: requests sized so that several fit in the region at once. */
	dev->dma_limit = vp->iso.bounce.size;
	for (unsigned i = 0; i <= VIRTIO_MAX_QUEUES; i++)
		vp->vec_gsi[i] = vp->vec_fd[i] = -1;
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
		vp->q[i].notify_fd = vp->q[i].relay_fd = -1;
	if (dev->nqueues == 0 || dev->nqueues > VIRTIO_MAX_QUEUES) {
		pr_err("%s: %u queues is not supported", dev->name, dev->nqueues);
		return -1;
	}
	/* A backend in another process says which transport bits it has. */
	vp->offered = (dev->ext ? 0 : transport_features()) | dev->features | isolation_features(&vp->iso);

	pci_dev_init(&vp->pci, 0x1af4, (uint16_t)(0x1040 + dev->type), dev->pci_class | 0x01,
		     0x1af4, 0x0040);
	vp->pci.opaque = vp;
	vp->pci.name = dev->name;
	vp->pci.bar_changed = bar_changed;
	vp->pci.command_written = command_written;
	vp->pci.cap_written = cap_written;
	vp->pci.cap_read = cap_read;
	vp->pci.cfg[PCI_INTERRUPT_PIN] = 1;
	if (pci_dev_add_bar(&vp->pci, 0, VP_BAR_SIZE, true, false) < 0 ||
	    add_vcap(vp, VIRTIO_PCI_CAP_COMMON_CFG, 0, VP_COMMON_OFF, VP_COMMON_LEN, 0) < 0 ||
	    add_vcap(vp, VIRTIO_PCI_CAP_NOTIFY_CFG, 0, VP_NOTIFY_OFF, VP_NOTIFY_MULT * VIRTIO_MAX_QUEUES, 4) < 0 ||
	    add_vcap(vp, VIRTIO_PCI_CAP_ISR_CFG, 0, VP_ISR_OFF, 4, 0) < 0 ||
	    add_vcap(vp, VIRTIO_PCI_CAP_DEVICE_CFG, 0, VP_DEVICE_OFF, dev->config_len ? dev->config_len : 4, 0) < 0 ||
	    (pcicfg = add_vcap(vp, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 0, 4)) < 0 ||
	    (isolation_strict(&vp->iso) &&
	     (pci_dev_add_bar(&vp->pci, VP_BOUNCE_BAR, vp->iso.bounce.size, true, true) < 0 ||
	      add_vcap(vp, VIRTIO_PCI_CAP_SWIOTLB, VP_BOUNCE_BAR, 0,
				 (uint32_t)vp->iso.bounce.size, 0) < 0 ||
	      add_shm_cap(vp, VP_BOUNCE_BAR, (uint8_t)vp->iso.shmid, 0, vp->iso.bounce.size) < 0)) ||
	    msix_init(&vp->msix, &vp->pci, nvec, 0, VP_MSIX_OFF, VP_PBA_OFF) < 0) {
		pr_err("%s: cannot lay out the PCI function", dev->name);
		return -1;
	}
	vp->pcicfg_cap = (unsigned)pcicfg;
	vp->msix.fire = msix_fire;
	vp->msix.route = msix_route;
	vp->msix.opaque = vp;
	for (unsigned v = 0; v < nvec; v++) {
		vp->vec_gsi[v] = ops->irq_alloc(host, &vp->vec_fd[v]);
		if (vp->vec_gsi[v] < 0)
			return -1;
	}
	for (unsigned i = 0; i < dev->nqueues; i++) {
		vp->q[i].notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (dev->ext)
			vp->q[i].relay_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vp->q[i].notify_fd < 0 || (dev->ext && vp->q[i].relay_fd < 0)) {
			pr_err("eventfd: %s", strerror(errno));
			return -1;
		}
	}
	reset(vp);
	return 0;
}

void virtio_pci_destroy(struct virtio_pci *vp)
{
	uint64_t one = 1;

	if (vp->thread_started) {
		while (write(vp->stop_fd, &one, 8) < 0 && errno == EINTR)
			;
		pthread_join(vp->thread, NULL);
		vp->thread_started = false;
	}
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		if (vp->q[i].notify_fd >= 0)
			close(vp->q[i].notify_fd);
		if (vp->q[i].relay_fd >= 0)
			close(vp->q[i].relay_fd);
	}
	for (unsigned i = 0; i <= VIRTIO_MAX_QUEUES; i++)
		if (vp->vec_fd[i] >= 0)
			close(vp->vec_fd[i]);
	if (vp->epoll_fd >= 0)
		close(vp->epoll_fd);
	if (vp->stop_fd >= 0)
		close(vp->stop_fd);
	isolation_destroy(&vp->iso);
	msix_destroy(&vp->msix);
	pthread_mutex_destroy(&vp->lock);
}
