/* Split virtqueues over synthetic rings: every good shape, and every hostile
 * one the device must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "devices/virtq.h"

#define GPA   0x100000ULL           /* where the window starts */
#define SIZE  8
#define DESC  (GPA + 0x0000)
#define AVAIL (GPA + 0x1000)
#define USED  (GPA + 0x2000)
#define TABLE (GPA + 0x3000)        /* indirect tables */
#define DATA  (GPA + 0x8000)

static uint8_t mem[0x10000];
static struct dma_window win;
static struct virtq q;
static struct virtq_chain chain;

static void *at(uint64_t gpa) { return mem + (gpa - GPA); }

static void desc(uint64_t table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	struct virtq_desc d = { addr, len, flags, next };

	memcpy(at(table + 16ULL * i), &d, sizeof(d));
}

/* Publishes head in the next avail slot and bumps avail idx. */
static void offer(uint16_t head)
{
	uint16_t idx;

	memcpy(&idx, at(AVAIL + 2), 2);
	memcpy(at(AVAIL + 4 + 2 * (idx % SIZE)), &head, 2);
	idx++;
	memcpy(at(AVAIL + 2), &idx, 2);
}

static void set_avail_idx(uint16_t v) { memcpy(at(AVAIL + 2), &v, 2); }
static uint16_t used_idx(void) { uint16_t v; memcpy(&v, at(USED + 2), 2); return v; }

static int setup(void **state)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	dma_window_init(&win);
	dma_window_add(&win, GPA, sizeof(mem), mem);
	assert_int_equal(virtq_init(&q, &win, SIZE, DESC, AVAIL, USED, true, true), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dma_window_destroy(&win);
	return 0;
}

static void an_empty_ring_has_nothing_to_pop(void **state)
{
	(void)state;
	assert_int_equal(virtq_pop(&q, &chain), 0);
}

static void a_single_buffer_is_popped_and_pushed_back(void **state)
{
	uint32_t elem[2];

	(void)state;
	desc(DESC, 3, DATA, 512, VRING_DESC_F_WRITE, 0);
	offer(3);
	assert_int_equal(virtq_pop(&q, &chain), 1);
	assert_int_equal(chain.head, 3);
	assert_int_equal(chain.n, 1);
	assert_int_equal(chain.nread, 0);
	assert_int_equal(chain.write_len, 512);
	assert_true(chain.buf[0].write);
	assert_int_equal(virtq_pop(&q, &chain), 0);
	assert_int_equal(virtq_push(&q, 3, 512), 0);
	assert_int_equal(used_idx(), 1);
	memcpy(elem, at(USED + 4), 8);
	assert_int_equal(elem[0], 3);
	assert_int_equal(elem[1], 512);
}

/* Filled elements stay invisible until flushed, then appear together. */
static void filled_chains_are_published_at_once_by_flush(void **state)
{
	uint32_t elem[4];

	(void)state;
	assert_int_equal(virtq_fill(&q, 4, 100), 0);
	assert_int_equal(virtq_fill(&q, 6, 200), 0);
	assert_int_equal(used_idx(), 0);
	memcpy(elem, at(USED + 4), 16);
	assert_int_equal(elem[0], 4);
	assert_int_equal(elem[2], 6);
	assert_int_equal(elem[3], 200);
	assert_int_equal(virtq_flush(&q), 0);
	assert_int_equal(used_idx(), 2);
	assert_int_equal(virtq_push(&q, 1, 1), 0);
	assert_int_equal(used_idx(), 3);
	memcpy(elem, at(USED + 4 + 16), 8);
	assert_int_equal(elem[0], 1);
	/* No more unpublished elements than the ring holds. */
	for (unsigned i = 0; i < SIZE; i++)
		assert_int_equal(virtq_fill(&q, 0, 0), 0);
	assert_int_equal(virtq_fill(&q, 0, 0), -EPROTO);
}

static void a_chain_keeps_readable_then_writable_buffers_in_order(void **state)
{
	(void)state;
	desc(DESC, 0, DATA, 16, VRING_DESC_F_NEXT, 5);
	desc(DESC, 5, DATA + 16, 4096, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	desc(DESC, 2, DATA + 8192, 1, VRING_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(virtq_pop(&q, &chain), 1);
	assert_int_equal(chain.n, 3);
	assert_int_equal(chain.nread, 1);
	assert_int_equal(chain.read_len, 16);
	assert_int_equal(chain.write_len, 4097);
	assert_int_equal(chain.buf[1].addr, DATA + 16);
}

static void a_chain_as_long_as_the_queue_is_accepted(void **state)
{
	(void)state;
	for (uint16_t i = 0; i < SIZE; i++)
		desc(DESC, i, DATA + i * 64, 64, i + 1 < SIZE ? VRING_DESC_F_NEXT : 0, i + 1);
	offer(0);
	assert_int_equal(virtq_pop(&q, &chain), 1);
	assert_int_equal(chain.n, SIZE);
}

static void an_indirect_table_is_walked(void **state)
{
	(void)state;
	desc(TABLE, 0, DATA, 16, VRING_DESC_F_NEXT, 1);
	desc(TABLE, 1, DATA + 64, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	desc(TABLE, 2, DATA + 1024, 1, VRING_DESC_F_WRITE, 0);
	desc(DESC, 4, TABLE, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	offer(4);
	assert_int_equal(virtq_pop(&q, &chain), 1);
	assert_int_equal(chain.head, 4);
	assert_int_equal(chain.n, 3);
	assert_int_equal(chain.nread, 1);
	assert_int_equal(chain.write_len, 513);
}

static void the_ring_index_wraps_around_16_bits(void **state)
{
	(void)state;
	q.last_avail = 0xffff;
	q.used_idx = 0xffff;
	set_avail_idx(0xffff);
	desc(DESC, 1, DATA, 8, 0, 0);
	offer(1);                                   /* avail idx becomes 0 */
	assert_int_equal(virtq_pop(&q, &chain), 1);
	assert_int_equal(q.last_avail, 0);
	assert_int_equal(virtq_push(&q, 1, 0), 0);
	assert_int_equal(used_idx(), 0);
}

#define EXPECT_FAULT(f) do {                                      \
	uint64_t before = dma_denied(&win);                       \
	assert_int_equal(virtq_pop(&q, &chain), -EPROTO);         \
	assert_int_equal(q.fault, (f));                           \
	assert_int_equal(virtq_pop(&q, &chain), -EPROTO);         \
	(void)before;                                             \
} while (0)

static void an_avail_index_jumping_past_the_queue_size_is_refused(void **state)
{
	(void)state;
	set_avail_idx(SIZE + 1);
	EXPECT_FAULT(VQ_AVAIL_JUMP);
}

static void a_head_index_beyond_the_queue_is_refused(void **state)
{
	(void)state;
	offer(SIZE);
	EXPECT_FAULT(VQ_BAD_HEAD);
}

static void a_next_index_beyond_the_queue_is_refused(void **state)
{
	(void)state;
	desc(DESC, 0, DATA, 8, VRING_DESC_F_NEXT, SIZE);
	offer(0);
	EXPECT_FAULT(VQ_BAD_NEXT);
}

static void a_looping_chain_is_refused(void **state)
{
	(void)state;
	desc(DESC, 0, DATA, 8, VRING_DESC_F_NEXT, 1);
	desc(DESC, 1, DATA, 8, VRING_DESC_F_NEXT, 0);
	offer(0);
	EXPECT_FAULT(VQ_CHAIN_TOO_LONG);
}

static void a_self_loop_is_refused(void **state)
{
	(void)state;
	desc(DESC, 2, DATA, 8, VRING_DESC_F_NEXT, 2);
	offer(2);
	EXPECT_FAULT(VQ_CHAIN_TOO_LONG);
}

static void an_indirect_chain_longer_than_the_queue_is_refused(void **state)
{
	(void)state;
	for (uint16_t i = 0; i <= SIZE; i++)
		desc(TABLE, i, DATA, 8, i < SIZE ? VRING_DESC_F_NEXT : 0, i + 1);
	desc(DESC, 0, TABLE, (SIZE + 1) * 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	EXPECT_FAULT(VQ_BAD_INDIRECT_LEN);
}

static void a_loop_inside_an_indirect_table_is_refused(void **state)
{
	(void)state;
	desc(TABLE, 0, DATA, 8, VRING_DESC_F_NEXT, 1);
	desc(TABLE, 1, DATA, 8, VRING_DESC_F_NEXT, 0);
	desc(DESC, 0, TABLE, 2 * 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	EXPECT_FAULT(VQ_CHAIN_TOO_LONG);
}

static void indirect_inside_indirect_is_refused(void **state)
{
	(void)state;
	desc(TABLE, 0, TABLE + 0x100, 16, VRING_DESC_F_INDIRECT, 0);
	desc(DESC, 0, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	EXPECT_FAULT(VQ_NESTED_INDIRECT);
}

static void an_indirect_length_not_a_multiple_of_16_is_refused(void **state)
{
	(void)state;
	desc(DESC, 0, TABLE, 24, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	EXPECT_FAULT(VQ_BAD_INDIRECT_LEN);
}

static void an_empty_indirect_table_is_refused(void **state)
{
	(void)state;
	desc(DESC, 0, TABLE, 0, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	EXPECT_FAULT(VQ_BAD_INDIRECT_LEN);
}

static void indirect_with_next_is_refused(void **state)
{
	(void)state;
	desc(TABLE, 0, DATA, 8, 0, 0);
	desc(DESC, 0, TABLE, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	offer(0);
	EXPECT_FAULT(VQ_INDIRECT_NEXT);
}

static void indirect_without_the_feature_is_refused(void **state)
{
	(void)state;
	assert_int_equal(virtq_init(&q, &win, SIZE, DESC, AVAIL, USED, false, false), 0);
	desc(TABLE, 0, DATA, 8, 0, 0);
	desc(DESC, 0, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	EXPECT_FAULT(VQ_INDIRECT_OFF);
}

static void a_readable_buffer_after_a_writable_one_is_refused(void **state)
{
	(void)state;
	desc(DESC, 0, DATA, 8, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	desc(DESC, 1, DATA + 8, 8, 0, 0);
	offer(0);
	EXPECT_FAULT(VQ_ORDER);
}

static void a_buffer_outside_the_window_is_refused_and_counted(void **state)
{
	uint64_t before = dma_denied(&win);

	(void)state;
	desc(DESC, 0, GPA + sizeof(mem), 8, 0, 0);
	offer(0);
	EXPECT_FAULT(VQ_DMA);
	assert_true(dma_denied(&win) > before);
}

static void a_buffer_straddling_the_window_end_is_refused(void **state)
{
	(void)state;
	desc(DESC, 0, GPA + sizeof(mem) - 4, 8, 0, 0);
	offer(0);
	EXPECT_FAULT(VQ_DMA);
}

static void a_buffer_whose_end_wraps_64_bits_is_refused(void **state)
{
	(void)state;
	desc(DESC, 0, UINT64_MAX - 2, 8, 0, 0);
	offer(0);
	EXPECT_FAULT(VQ_DMA);
}

static void an_indirect_table_outside_the_window_is_refused(void **state)
{
	(void)state;
	desc(DESC, 0, 0x1000, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	EXPECT_FAULT(VQ_DMA);
}

static void an_indirect_table_straddling_the_window_end_is_refused(void **state)
{
	uint64_t end = GPA + sizeof(mem);

	(void)state;
	/* Its first entry is inside and ends the chain; the table does not fit. */
	desc(end - 32, 0, DATA, 8, VRING_DESC_F_WRITE, 0);
	desc(DESC, 0, end - 32, 48, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	EXPECT_FAULT(VQ_DMA);
}

static void a_closed_window_refuses_the_ring_itself(void **state)
{
	(void)state;
	desc(DESC, 0, DATA, 8, 0, 0);
	offer(0);
	dma_window_clear(&win);
	EXPECT_FAULT(VQ_DMA);
	assert_int_equal(virtq_push(&q, 0, 0), -EPROTO);
}

static void queue_geometry_is_checked_when_enabled(void **state)
{
	struct virtq t;

	(void)state;
	assert_int_equal(virtq_init(&t, &win, 0, DESC, AVAIL, USED, true, true), -EINVAL);
	assert_int_equal(virtq_init(&t, &win, 6, DESC, AVAIL, USED, true, true), -EINVAL);
	assert_int_equal(virtq_init(&t, &win, SIZE, DESC + 8, AVAIL, USED, true, true), -EINVAL);
	assert_int_equal(virtq_init(&t, &win, SIZE, DESC, AVAIL + 1, USED, true, true), -EINVAL);
	assert_int_equal(virtq_init(&t, &win, SIZE, DESC, AVAIL, USED + 2, true, true), -EINVAL);
	/* Rings must lie in the window as a whole. */
	assert_int_equal(virtq_init(&t, &win, SIZE, GPA + sizeof(mem) - 64, AVAIL, USED, true, true),
			 -EINVAL);
	assert_int_equal(virtq_init(&t, &win, 8192, DESC, AVAIL, USED, true, true), -EINVAL);
	assert_int_equal(virtq_init(&t, &win, SIZE, 0x1000, AVAIL, USED, true, true), -EINVAL);
}

static void event_idx_notifies_only_when_used_passes_used_event(void **state)
{
	uint16_t ev;

	(void)state;
	/* First completion always notifies. */
	assert_int_equal(virtq_push(&q, 0, 0), 0);
	assert_true(virtq_should_notify(&q));
	/* Driver asks to hear at used idx 3 (event = 2). */
	ev = 2;
	memcpy(at(AVAIL + 4 + 2 * SIZE), &ev, 2);
	assert_int_equal(virtq_push(&q, 0, 0), 0);           /* used = 2 */
	assert_false(virtq_should_notify(&q));
	assert_int_equal(virtq_push(&q, 0, 0), 0);           /* used = 3 */
	assert_true(virtq_should_notify(&q));
}

static void an_empty_ring_with_event_idx_asks_for_the_next_notification(void **state)
{
	uint16_t ev;

	(void)state;
	desc(DESC, 0, DATA, 8, 0, 0);
	offer(0);
	offer(0);
	assert_int_equal(virtq_pop(&q, &chain), 1);
	assert_int_equal(virtq_pop(&q, &chain), 1);
	assert_int_equal(virtq_pop(&q, &chain), 0);
	memcpy(&ev, at(USED + 4 + 8 * SIZE), 2);
	assert_int_equal(ev, 2);                   /* avail_event = next slot */
}

static void without_event_idx_the_no_interrupt_flag_is_honoured(void **state)
{
	uint16_t flags = 1;

	(void)state;
	assert_int_equal(virtq_init(&q, &win, SIZE, DESC, AVAIL, USED, true, false), 0);
	assert_int_equal(virtq_push(&q, 0, 0), 0);
	assert_true(virtq_should_notify(&q));
	memcpy(at(AVAIL), &flags, 2);
	assert_false(virtq_should_notify(&q));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(an_empty_ring_has_nothing_to_pop),
		T(a_single_buffer_is_popped_and_pushed_back),
		T(filled_chains_are_published_at_once_by_flush),
		T(a_chain_keeps_readable_then_writable_buffers_in_order),
		T(a_chain_as_long_as_the_queue_is_accepted),
		T(an_indirect_table_is_walked),
		T(the_ring_index_wraps_around_16_bits),
		T(an_avail_index_jumping_past_the_queue_size_is_refused),
		T(a_head_index_beyond_the_queue_is_refused),
		T(a_next_index_beyond_the_queue_is_refused),
		T(a_looping_chain_is_refused),
		T(a_self_loop_is_refused),
		T(an_indirect_chain_longer_than_the_queue_is_refused),
		T(a_loop_inside_an_indirect_table_is_refused),
		T(indirect_inside_indirect_is_refused),
		T(an_indirect_length_not_a_multiple_of_16_is_refused),
		T(an_empty_indirect_table_is_refused),
		T(indirect_with_next_is_refused),
		T(indirect_without_the_feature_is_refused),
		T(a_readable_buffer_after_a_writable_one_is_refused),
		T(a_buffer_outside_the_window_is_refused_and_counted),
		T(a_buffer_straddling_the_window_end_is_refused),
		T(a_buffer_whose_end_wraps_64_bits_is_refused),
		T(an_indirect_table_outside_the_window_is_refused),
		T(an_indirect_table_straddling_the_window_end_is_refused),
		T(a_closed_window_refuses_the_ring_itself),
		T(queue_geometry_is_checked_when_enabled),
		T(event_idx_notifies_only_when_used_passes_used_event),
		T(an_empty_ring_with_event_idx_asks_for_the_next_notification),
		T(without_event_idx_the_no_interrupt_flag_is_honoured),
	};
	return cmocka_run_group_tests_name("virtq", tests, NULL, NULL);
}
