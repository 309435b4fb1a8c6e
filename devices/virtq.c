#include "virtq.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>


static const char *const fault_names[VQ_NR_FAULTS] = {
	[VQ_OK] = "ok",
	[VQ_AVAIL_JUMP] = "avail index jumped past the queue size",
	[VQ_BAD_HEAD] = "head index out of range",
	[VQ_BAD_NEXT] = "next index out of range",
	[VQ_CHAIN_TOO_LONG] = "descriptor chain too long or looping",
	[VQ_NESTED_INDIRECT] = "indirect descriptor inside an indirect table",
	[VQ_BAD_INDIRECT_LEN] = "indirect table length invalid",
	[VQ_INDIRECT_NEXT] = "indirect descriptor with NEXT set",
	[VQ_INDIRECT_OFF] = "indirect descriptor not negotiated",
	[VQ_ORDER] = "readable buffer after a writable one",
	[VQ_DMA] = "a ring, table or buffer address outside the DMA window",
};

const char *virtq_fault_name(enum virtq_fault f)
{
	return f < VQ_NR_FAULTS ? fault_names[f] : "unknown";
}

static int fail(struct virtq *q, enum virtq_fault f)
{
	if (q->fault == VQ_OK)
		q->fault = f;
	return -EPROTO;
}

int virtq_init(struct virtq *q, struct dma_window *win, uint16_t size, uint64_t desc,
	       uint64_t avail, uint64_t used, bool indirect, bool event_idx)
{
	memset(q, 0, sizeof(*q));
	if (size == 0 || (size & (size - 1)) || size > VIRTQ_MAX_SIZE)
		return -EINVAL;
	/* Alignment as the spec requires: 16, 2 and 4 bytes. */
	if ((desc & 15) || (avail & 1) || (used & 3))
		return -EINVAL;
	if (!dma_resolve(win, desc, 16ULL * size) ||
	    !dma_resolve(win, avail, 6 + 2ULL * size) ||
	    !dma_resolve(win, used, 6 + 8ULL * size))
		return -EINVAL;
	q->win = win;
	q->size = size;
	q->desc = desc;
	q->avail = avail;
	q->used = used;
	q->indirect = indirect;
	q->event_idx = event_idx;
	return 0;
}

static int rd16(struct virtq *q, uint64_t addr, uint16_t *v)
{
	return dma_read(q->win, addr, v, 2);
}

/* Appends one buffer, enforcing readable-before-writable. */
static int add_buf(struct virtq *q, struct virtq_chain *c, const struct virtq_desc *d)
{
	bool write = d->flags & VRING_DESC_F_WRITE;
	uint64_t end;

	if (c->n == VIRTQ_CHAIN_MAX || c->n >= q->size)
		return fail(q, VQ_CHAIN_TOO_LONG);
	if (!write && c->n > c->nread)
		return fail(q, VQ_ORDER);
	/* The buffer must lie in the window as a whole, now; the device
	 * resolves it again when it moves data (the window may have moved). */
	if (__builtin_add_overflow(d->addr, (uint64_t)d->len, &end) ||
	    (d->len && !dma_resolve(q->win, d->addr, d->len)))
		return fail(q, VQ_DMA);
	c->buf[c->n].addr = d->addr;
	c->buf[c->n].len = d->len;
	c->buf[c->n].write = write;
	c->n++;
	if (write)
		c->write_len += d->len;
	else {
		c->nread++;
		c->read_len += d->len;
	}
	return 0;
}

/* Walks an indirect table: a chain of its own, no deeper indirection. */
static int walk_indirect(struct virtq *q, struct virtq_chain *c, const struct virtq_desc *ind)
{
	uint32_t count = ind->len / 16;
	struct virtq_desc d;
	uint16_t i = 0;
	unsigned steps = 0;

	if (!q->indirect)
		return fail(q, VQ_INDIRECT_OFF);
	if (ind->flags & VRING_DESC_F_NEXT)
		return fail(q, VQ_INDIRECT_NEXT);
	if (ind->len == 0 || ind->len % 16 || count > q->size)
		return fail(q, VQ_BAD_INDIRECT_LEN);
	/* The whole table must lie in the window, not just the entries the
	 * chain happens to reach (found by the hostile-guest suite). */
	if (!dma_resolve(q->win, ind->addr, ind->len))
		return fail(q, VQ_DMA);
	for (;;) {
		if (++steps > count)
			return fail(q, VQ_CHAIN_TOO_LONG);
		if (dma_read(q->win, ind->addr + 16ULL * i, &d, sizeof(d)) < 0)
			return fail(q, VQ_DMA);
		if (d.flags & VRING_DESC_F_INDIRECT)
			return fail(q, VQ_NESTED_INDIRECT);
		if (add_buf(q, c, &d) < 0)
			return -EPROTO;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= count)
			return fail(q, VQ_BAD_NEXT);
		i = d.next;
	}
}

int virtq_pop(struct virtq *q, struct virtq_chain *c)
{
	uint16_t avail_idx, head, i;
	struct virtq_desc d;
	unsigned steps = 0;

	if (q->fault)
		return -EPROTO;
	if (rd16(q, q->avail + 2, &avail_idx) < 0)
		return fail(q, VQ_DMA);
	/* Read the ring entries only after the index that publishes them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if ((uint16_t)(avail_idx - q->last_avail) > q->size)
		return fail(q, VQ_AVAIL_JUMP);
	if (avail_idx == q->last_avail) {
		/* Empty. With event idx the driver notifies us only when its
		 * avail idx passes avail_event: ask for the very next one, then
		 * look again in case it was published meanwhile. */
		if (!q->event_idx)
			return 0;
		if (dma_write(q->win, q->used + 4 + 8ULL * q->size, &q->last_avail, 2) < 0)
			return fail(q, VQ_DMA);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (rd16(q, q->avail + 2, &avail_idx) < 0)
			return fail(q, VQ_DMA);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (avail_idx == q->last_avail)
			return 0;
		if ((uint16_t)(avail_idx - q->last_avail) > q->size)
			return fail(q, VQ_AVAIL_JUMP);
	}
	if (rd16(q, q->avail + 4 + 2ULL * (q->last_avail % q->size), &head) < 0)
		return fail(q, VQ_DMA);
	if (head >= q->size)
		return fail(q, VQ_BAD_HEAD);

	c->head = head;
	c->n = c->nread = 0;
	c->read_len = c->write_len = 0;
	for (i = head;;) {
		if (++steps > q->size)
			return fail(q, VQ_CHAIN_TOO_LONG);
		if (dma_read(q->win, q->desc + 16ULL * i, &d, sizeof(d)) < 0)
			return fail(q, VQ_DMA);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			/* An indirect descriptor ends the chain. */
			if (walk_indirect(q, c, &d) < 0)
				return -EPROTO;
			break;
		}
		if (add_buf(q, c, &d) < 0)
			return -EPROTO;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (d.next >= q->size)
			return fail(q, VQ_BAD_NEXT);
		i = d.next;
	}
	q->last_avail++;
	if (q->stats)
		q->stats->read += c->read_len;
	return 1;
}

int virtq_fill(struct virtq *q, uint16_t head, uint32_t len)
{
	struct { uint32_t id, len; } elem = { head, len };
	uint16_t slot = (uint16_t)(q->used_idx + q->unpublished);

	if (q->fault)
		return -EPROTO;
	if (q->unpublished >= q->size)
		return fail(q, VQ_DMA);
	if (dma_write(q->win, q->used + 4 + 8ULL * (slot % q->size), &elem, sizeof(elem)) < 0)
		return fail(q, VQ_DMA);
	q->unpublished++;
	if (q->stats) {
		q->stats->chains++;
		q->stats->written += len;
	}
	return 0;
}

int virtq_flush(struct virtq *q)
{
	uint16_t idx = (uint16_t)(q->used_idx + q->unpublished);

	if (q->fault)
		return -EPROTO;
	/* The elements must be visible before the index that publishes them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (dma_write(q->win, q->used + 2, &idx, 2) < 0)
		return fail(q, VQ_DMA);
	q->used_idx = idx;
	q->unpublished = 0;
	return 0;
}

int virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	int ret = virtq_fill(q, head, len);

	return ret < 0 ? ret : virtq_flush(q);
}

bool virtq_should_notify(struct virtq *q)
{
	uint16_t flags, event, old, new = q->used_idx;

	if (q->fault)
		return false;
	/* Our used idx store must be visible before we read the guest's wish. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx) {
		if (rd16(q, q->avail, &flags) < 0)
			return true;
		return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
	}
	if (rd16(q, q->avail + 4 + 2ULL * q->size, &event) < 0)
		return true;
	old = q->signalled_used;
	q->signalled_used = new;
	if (!q->signalled_valid) {
		q->signalled_valid = true;
		return true;
	}
	/* vring_need_event(): did used idx pass used_event since last time? */
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}
