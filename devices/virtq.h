/* Split virtqueues (virtio 1.2 §2.7), device side, with indirect
 * descriptors and event-index suppression.
 *
 * Everything the guest wrote is read through the device's DMA window and
 * validated here, once; the ring geometry (size, addresses) is a host-side
 * copy taken when the driver enabled the queue. A malformed ring is not
 * guessed at: the call fails with -EPROTO and the device should go to
 * NEEDS_RESET. */
#ifndef AIRLOCK_VIRTQ_H
#define AIRLOCK_VIRTQ_H

#include "dma.h"

#include <linux/virtio_ring.h>  /* VRING_DESC_F_*, VRING_AVAIL_F_*, VRING_USED_F_* */
#include <stdbool.h>
#include <stdint.h>

#define VIRTQ_MAX_SIZE      32768
#define VIRTQ_CHAIN_MAX     1024   /* buffers one request may carry */

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
} __attribute__((packed));

/* What went wrong with a ring, for the refusal counters and the log. */
enum virtq_fault {
	VQ_OK = 0,
	VQ_AVAIL_JUMP,          /* avail idx moved by more than the queue size */
	VQ_BAD_HEAD,            /* head index >= queue size */
	VQ_BAD_NEXT,            /* next index >= queue size (or table length) */
	VQ_CHAIN_TOO_LONG,      /* longer than the queue size, or a loop */
	VQ_NESTED_INDIRECT,     /* indirect descriptor inside an indirect table */
	VQ_BAD_INDIRECT_LEN,    /* zero, not a multiple of 16, or too long */
	VQ_INDIRECT_NEXT,       /* INDIRECT together with NEXT */
	VQ_INDIRECT_OFF,        /* INDIRECT used without negotiating it */
	VQ_ORDER,               /* a readable buffer after a writable one */
	VQ_DMA,                 /* ring or table outside the DMA window */
	VQ_NR_FAULTS
};

const char *virtq_fault_name(enum virtq_fault f);

struct virtq_buf {
	uint64_t addr;
	uint32_t len;
	bool write;             /* device writes (driver reads) */
};

struct virtq_chain {
	uint16_t head;
	unsigned n, nread;      /* buffers, of which the first nread are readable */
	uint64_t read_len, write_len;
	struct virtq_buf buf[VIRTQ_CHAIN_MAX];
};

/* What a queue moved, kept outside it so a reset does not lose it. */
struct virtq_stats {
	uint64_t chains;        /* returned to the driver */
	uint64_t read, written; /* bytes the device read / wrote */
};

struct virtq {
	struct dma_window *win;
	struct virtq_stats *stats;  /* NULL: not counted */
	uint16_t size;
	uint64_t desc, avail, used;
	bool indirect, event_idx;
	uint16_t last_avail;    /* next avail slot to take */
	uint16_t used_idx;      /* our copy of used->idx */
	uint16_t unpublished;   /* used elements filled past used_idx (virtq_fill) */
	uint16_t signalled_used;/* used idx when we last notified (event idx) */
	bool signalled_valid;
	enum virtq_fault fault; /* first fault seen; the queue stops after it */
};

/* Sets up a queue the driver enabled. size must be a power of two from 1 to
 * 32768 and the three areas must lie in the window. 0 or -EINVAL. */
int virtq_init(struct virtq *q, struct dma_window *win, uint16_t size, uint64_t desc,
	       uint64_t avail, uint64_t used, bool indirect, bool event_idx);

/* Takes the next available chain. 1: *c filled; 0: nothing available;
 * -EPROTO: the ring is malformed (q->fault says how; the queue is dead). */
int virtq_pop(struct virtq *q, struct virtq_chain *c);

/* Returns a chain to the driver with len bytes written. 0 or -EPROTO. */
int virtq_push(struct virtq *q, uint16_t head, uint32_t len);

/* The same in two steps, for chains that must reach the driver together
 * (a received frame over several buffers): virtq_fill writes used elements
 * the driver cannot see yet, virtq_flush publishes them all at once. */
int virtq_fill(struct virtq *q, uint16_t head, uint32_t len);
int virtq_flush(struct virtq *q);

/* After pushes: should the driver be interrupted (flags / used_event)? */
bool virtq_should_notify(struct virtq *q);

#endif
