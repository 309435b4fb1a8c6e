/* libFuzzer: walking chains over random ring memory. The input is the
 * guest's memory (descriptor table, avail and used rings, indirect
 * tables); the first bytes choose the queue size, the features and where
 * the rings are. Every chain virtq_pop accepts must lie in the window. */
#include "devices/virtq.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GPA 0x10000ULL
#define MEM 0x4000

static uint8_t mem[MEM];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dma_window win;
	struct virtq_chain c;
	struct virtq q;
	uint16_t qsize;
	uint8_t hdr[8];

	if (size < sizeof(hdr))
		return 0;
	memcpy(hdr, data, sizeof(hdr));
	memset(mem, 0, sizeof(mem));
	memcpy(mem, data + sizeof(hdr), size - sizeof(hdr) < MEM ? size - sizeof(hdr) : MEM);
	dma_window_init(&win);
	dma_window_add(&win, GPA, MEM, mem);
	qsize = (uint16_t)(1u << (hdr[0] % 9));             /* 1..256 */
	/* Ring addresses anywhere, window edges and beyond included. */
	if (virtq_init(&q, &win, qsize, GPA + (hdr[1] << 6), GPA + (hdr[2] << 6),
		       GPA + (hdr[3] << 6) + (hdr[7] & 0x80 ? MEM : 0), hdr[4] & 1, hdr[4] & 2) == 0) {
		for (unsigned i = 0; i < 64; i++) {
			int got = virtq_pop(&q, &c);

			if (got <= 0)
				break;
			for (unsigned b = 0; b < c.n; b++)
				if (!dma_resolve(&win, c.buf[b].addr, c.buf[b].len) && c.buf[b].len)
					abort();    /* a chain with a buffer outside the window */
			if (c.n > VIRTQ_CHAIN_MAX || c.nread > c.n)
				abort();
			if (virtq_push(&q, c.head, hdr[5]) < 0)
				break;
		}
		(void)virtq_should_notify(&q);
	}
	dma_window_destroy(&win);
	return 0;
}
