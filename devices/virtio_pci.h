/* The modern virtio-pci transport (virtio 1.2 §4.1): one PCI function per
 * device, no legacy I/O BAR. BAR0 holds the common, ISR, device and notify
 * structures and the MSI-X table. Queue notifications arrive on eventfds
 * (KVM ioeventfds) and are served by one I/O thread per device; interrupts
 * leave through MSI-X vectors bound to irqfds, or INTx.
 *
 * Three files: virtio_pci.c the register model, isolation.c what the
 * device may reach, virtio_loop.c the data path. What needs KVM is behind
 * struct virtio_host_ops, so they stay free of KVM headers. */
#ifndef AIRLOCK_VIRTIO_PCI_H
#define AIRLOCK_VIRTIO_PCI_H

#include "dma.h"
#include "isolation.h"
#include "msix.h"
#include "pci.h"
#include "virtio_regs.h"
#include "virtq.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_MAX_QUEUES 8
#define VP_MAX_WARNINGS 8              /* a reset loop must not flood stderr */

struct virtio_pci;
struct virtio_ext_ops;

/* A device's counters as the exit summary reports them, named once: the
 * transport fills them (virtio_pci_counters), a device process sends them
 * as they are, the summary prints them. */
struct vp_counters {
	uint64_t requests, bytes_read, bytes_written;   /* chains served, data moved */
	uint64_t ring_refusals, dma_denials;
	uint64_t backend_failures;      /* vhost-user: the backend failed or hung up */
	uint32_t mode, pad;             /* enum iso_mode: what the driver negotiated */
};

/* What a device model gets from the transport on each call, and keeps
 * none of: the window its buffers live in, and a handle for the
 * virtio_io_* calls below. Models hold no pointer to the transport. */
struct virtio_io {
	struct dma_window *win;
	struct virtio_pci *t;          /* opaque to models */
};

/* A device model: virtio-blk, -net, -console, -rng. Every call is made
 * with the transport lock held, from the device's I/O thread (or, for
 * input, the thread that has it). */
struct virtio_device {
	const char *name;
	char what[64];                 /* what it serves, for messages: "disk PATH", "tap NAME"; may be "" */
	uint16_t type;                 /* virtio device ID */
	uint32_t pci_class;            /* class << 8 */
	uint64_t features;             /* device-specific bits offered */
	unsigned nqueues;
	uint16_t queue_max;
	unsigned config_len;
	void (*config_read)(struct virtio_device *d, unsigned off, void *data, unsigned len);
	void (*config_write)(struct virtio_device *d, unsigned off, const void *data, unsigned len);
	/* Request queues (bit q of request_queues: the driver posts, the device
	 * serves): the transport pops each chain, calls request, and pushes it
	 * back with the bytes request wrote for the driver (its buffers are in
	 * io->win); a malformed ring
	 * puts the device in NEEDS_RESET, one interrupt covers a batch. */
	uint32_t request_queues;
	uint32_t (*request)(struct virtio_device *d, const struct virtio_io *io, unsigned q,
			    const struct virtq_chain *c);
	/* Queue q was notified, before its requests are served: for queues
	 * the model fills itself (receive) and bookkeeping. May be NULL. */
	void (*notify)(struct virtio_device *d, const struct virtio_io *io, unsigned q);
	/* Input for the guest from airlock's side (virtio_pci_input): how
	 * many bytes the model took. May be NULL. */
	size_t (*input)(struct virtio_device *d, const struct virtio_io *io, const uint8_t *buf, size_t n);
	void (*reset)(struct virtio_device *d);
	void (*destroy)(struct virtio_device *d);   /* closes its fds; may be NULL */
	/* A host fd the I/O thread also watches (edge-triggered), e.g. a tap.
	 * -1: none. */
	int host_fd;
	void (*fd_ready)(struct virtio_device *d, const struct virtio_io *io);
	/* The host fds the model itself uses (image, tap, ...): what a device
	 * process keeps open (vmm/sandbox.c). */
	unsigned nown;
	int own_fds[3];
	/* Strict isolation: bytes of bounce region the driver has for all of
	 * this device's DMA (0: no limit). Devices that can, size requests so
	 * that several fit at once. */
	uint64_t dma_limit;
	/* Queues another process serves (vhost-user; devices/virtio_ext.c):
	 * NULL for airlock's own models. Then the transport offers exactly the
	 * transport bits in features (with isolation's), has no I/O thread on
	 * the queues, and hands them over while the device may run. */
	const struct virtio_ext_ops *ext;
};

/* --- queues served by another process (devices/virtio_ext.c) -------------- */

/* Memory a backend maps: fd at fd_offset holds [gpa, gpa+size); uaddr is
 * the key ring addresses are given in (airlock's own mapping of it). */
struct vp_mem_region {
	uint64_t gpa, size, uaddr, fd_offset;
	int fd;
};

struct vp_ext_queue {
	uint16_t size;
	uint64_t desc, avail, used;     /* as uaddr keys, inside a region */
	int kick_fd, call_fd;           /* the notify ioeventfd, the vector's irqfd */
};

/* What a backend gets when the device may run: the features the driver
 * negotiated (less isolation's bits, which the transport keeps), the
 * memory the device's window holds (strict: its region alone), and the
 * enabled queues (size 0: not enabled). */
struct vp_ext_state {
	uint64_t features;
	unsigned nmem;
	struct vp_mem_region mem[DMA_MAX_RANGES];
	unsigned nq;
	struct vp_ext_queue q[VIRTIO_MAX_QUEUES];
};

struct virtio_ext_ops {
	/* Start serving: 0, or -1 with why filled (the device then needs a
	 * reset). */
	int (*start)(struct virtio_device *d, const struct vp_ext_state *s, char *why, size_t whylen);
	/* Stop touching the queues and the memory (the backend keeps where it
	 * was, for the next start after a window move): 0, or -1 with why
	 * filled when the backend failed (the device then needs a reset). */
	int (*stop)(struct virtio_device *d, char *why, size_t whylen);
};

/* For models, during a call: the enabled queue q (NULL when the driver
 * has not enabled it, the device is not running or not a bus master);
 * its completion interrupt (event idx honoured); a malformed ring (the
 * device needs a reset); the device's configuration changed. */
struct virtq *virtio_io_queue(const struct virtio_io *io, unsigned q);
void virtio_io_interrupt(const struct virtio_io *io, unsigned q);
void virtio_io_fault(const struct virtio_io *io, unsigned q);
void virtio_io_config_changed(const struct virtio_io *io);
/* The device's backend failed (why: one line): NEEDS_RESET, said once per
 * reset, counted. */
void virtio_io_backend_failed(const struct virtio_io *io, const char *why);

struct virtio_host_ops {
	/* BAR0 now decodes at addr (mapped) or no longer does. */
	int (*map_bar)(void *host, struct virtio_pci *vp, uint64_t addr, bool mapped);
	/* The bounce region (host memory at hva, size bytes) now appears at
	 * guest address addr without exits (mapped), or no longer does. */
	int (*map_bounce)(void *host, struct virtio_pci *vp, uint64_t addr, bool mapped);
	/* An MSI route + irqfd: returns the GSI, sets *efd. */
	int (*irq_alloc)(void *host, int *efd);
	int (*irq_route)(void *host, struct virtio_pci *vp, int gsi, uint64_t addr, uint32_t data);
	void (*intx)(void *host, unsigned gsi, int level);
};

struct vp_queue {
	uint16_t size, msix_vector, enable;
	uint64_t desc, avail, used;
	struct virtq vq;
	int notify_fd;                 /* eventfd the host signals on notify */
	int relay_fd;                  /* external queues: a backend's call fd when the queue
					* has no MSI-X vector (the I/O loop raises the interrupt) */
	bool more;                     /* a pass stopped at its budget: serve again */
};

struct virtio_pci {
	pthread_mutex_t lock;
	struct pci_dev pci;
	struct msix msix;
	struct virtio_device *dev;
	const struct virtio_host_ops *ops;
	void *host;
	struct dma_window *win;        /* what device code may reach: iso.win */
	struct isolation iso;          /* the isolation policy's state */
	unsigned slot, intx_gsi;
	bool declined_warned;          /* the isolation policy refused (said once) */
	bool bar_warned;               /* the host refused a BAR placement (said once) */
	unsigned pcicfg_cap;           /* offset of the PCI-config access cap */
	/* External queues: running in the backend, and the memory it has
	 * (isolation off: ram, which the host sets). */
	bool ext_running;
	bool ext_restart;              /* what the backend was given changed (an MSI-X vector) */
	struct vp_mem_region ext_mem;
	unsigned nram;
	struct vp_mem_region ram[DMA_MAX_RANGES];
	uint64_t backend_failures;

	/* common configuration, host-side copies */
	uint32_t dfselect, gfselect;
	uint64_t offered, driver_features;
	uint8_t status, config_gen, isr;
	uint16_t queue_select, msix_config;
	struct vp_queue q[VIRTIO_MAX_QUEUES];

	int vec_gsi[VIRTIO_MAX_QUEUES + 1], vec_fd[VIRTIO_MAX_QUEUES + 1];

	pthread_t thread;
	bool thread_started;
	int stop_fd, epoll_fd;

	uint64_t faults;               /* ring refusals (NEEDS_RESET) */
	/* Sandboxed: its device process's counters, which stand for this
	 * copy's (set by virtio_pci_set_counters). */
	struct vp_counters remote;
	bool has_remote;
	struct virtq_stats stats;      /* requests served, bytes moved */
	struct virtq_chain chain;      /* the request being served */
	bool warned;                   /* since the last reset */
	unsigned warnings;             /* refusals reported, ever (at most VP_MAX_WARNINGS) */
};

/* Builds the PCI function for dev. Without a bounce region (NULL or size
 * 0: isolation off) the device reaches ram_win; with one (the host's memory,
 * which it keeps and frees) it reaches that region alone, and only once the
 * driver accepted VIRTIO_F_SWIOTLB. 0 or -1 after one error line. */
int virtio_pci_init(struct virtio_pci *vp, struct virtio_device *dev, struct dma_window *ram_win,
		    const struct bounce_region *bounce, const struct virtio_host_ops *ops, void *host);
/* Starts the I/O thread. */
int virtio_pci_start(struct virtio_pci *vp);
/* The I/O loop itself, for a thread or a device process: queue notifies,
 * the host fd, and extra_fd, on which extra(opaque) runs (it returns
 * non-zero to end the loop). */
int virtio_pci_loop_init(struct virtio_pci *vp, int extra_fd);
void virtio_pci_loop(struct virtio_pci *vp, int (*extra)(void *opaque), void *opaque);
void virtio_pci_destroy(struct virtio_pci *vp);

/* The model has a new host fd (a backend's socket after a reconnect):
 * the I/O loop watches it from now on. */
void virtio_pci_watch_host_fd(struct virtio_pci *vp);

/* The device's host fd has input (what the I/O thread runs on its epoll
 * event; tests and fuzzers call it directly). */
void virtio_pci_host_fd_ready(struct virtio_pci *vp);

/* The device's counters (its device process's, once they came back). */
void virtio_pci_counters(const struct virtio_pci *vp, struct vp_counters *c);
void virtio_pci_set_counters(struct virtio_pci *vp, const struct vp_counters *c);

/* I/O bus handler for BAR0. */
void virtio_pci_bar_io(void *vp, uint64_t off, uint8_t *data, unsigned len, bool is_write);

/* The function in this process (opaque: the struct virtio_pci): its config
 * space and BAR0 as the bus and the VM reach them. */
extern const struct pci_fn_ops virtio_pci_fn_ops;

/* External queues: the backend signalled queue q on its relay fd (no
 * MSI-X vector of its own): its interrupt, INTx or MSI-X as the driver
 * set up (transport lock held). */
void virtio_pci_relay(struct virtio_pci *vp, unsigned q);

/* The device needs a reset (what: why, one line): NEEDS_RESET and its
 * interrupt, said once per reset; the caller counts it. */
void virtio_pci_needs_reset(struct virtio_pci *vp, const char *what);

/* External queues: start or stop the backend after the status, the
 * window or the command register changed (transport lock held). */
void virtio_ext_sync(struct virtio_pci *vp);

/* Queue q was notified: what the I/O loop runs (transport lock held;
 * tests call it directly). A pass serves at most a ring's worth (a driver
 * refilling as fast as we serve must not keep the device from its
 * registers): the queue's `more` then says so, and the loop comes back. */
void virtio_pci_notify(struct virtio_pci *vp, unsigned q);

/* Input for the guest (a console's typed bytes; vp is a struct virtio_pci
 * *): takes the transport lock. How many bytes the model took. */
size_t virtio_pci_input(void *vp, const uint8_t *buf, size_t n);

#endif
