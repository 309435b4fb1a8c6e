/* Host-only virtqueue benchmark (no KVM): a synthetic driver keeps a split
 * ring full of virtio-blk reads; the device pops, serves them from a
 * RAM-backed image (memfd) and pushes. Prints ns/request, GB/s and the
 * ratio to a plain memcpy of the same bytes.
 *   bench-virtq [REQUESTS] [SIZE]      (default: 200000 x 4096 and 64 KiB)
 * Under valgrind --tool=callgrind the instruction count per request is
 * total / REQUESTS (tests/bench/virtq.sh does that). */
#include "devices/virtio_blk.h"
#include "lib/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define QSIZE 256
#define GPA   0x100000ULL
#define IMG   (64u << 20)

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct ring {
	uint8_t *mem;			/* the region; its address is base */
	uint64_t base;
	uint64_t desc, avail, used, hdr, data, status;
	uint16_t avail_idx;
};

/* Request i uses descriptors 3i..3i+2: header, data (device writes), status. */
static void post(struct ring *r, unsigned slot, uint64_t sector, uint32_t size)
{
	struct virtq_desc *d = (struct virtq_desc *)(r->mem + (r->desc - r->base)) + 3 * slot;
	struct { uint32_t type, reserved; uint64_t sector; } *h =
		(void *)(r->mem + (r->hdr - r->base) + 16 * slot);
	uint16_t *ring = (uint16_t *)(r->mem + (r->avail - r->base) + 4);

	h->type = VIRTIO_BLK_T_IN;
	h->sector = sector;
	d[0] = (struct virtq_desc){ r->hdr + 16 * slot, 16, VRING_DESC_F_NEXT, (uint16_t)(3 * slot + 1) };
	d[1] = (struct virtq_desc){ r->data + (uint64_t)size * slot, size,
				    VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, (uint16_t)(3 * slot + 2) };
	d[2] = (struct virtq_desc){ r->status + slot, 1, VRING_DESC_F_WRITE, 0 };
	ring[r->avail_idx % QSIZE] = (uint16_t)(3 * slot);
	r->avail_idx++;
	__atomic_store_n((uint16_t *)(r->mem + (r->avail - r->base) + 2), r->avail_idx, __ATOMIC_RELEASE);
}

/* How the device names the region's bytes: OFF, the window laid out like
 * guest RAM with isolation off (low RAM, then the rest); SWIOTLB, one range
 * at the bounce BAR's bus address (bit 27); DMB, offsets from the region's
 * start, 0 reserved (bit 44). The rings and buffers start at the region's
 * second page in all three, as the guest driver's DMB pool does. */
enum mode { OFF, SWIOTLB, DMB };

static double run(unsigned nreq, uint32_t size, struct virtio_blk *blk, enum mode mode)
{
	static uint8_t low[4096];
	size_t memlen;
	struct ring r;
	struct dma_window win;
	struct virtq q;
	unsigned slots = QSIZE / 3, done = 0, posted = 0;
	double t0;

	r.base = mode == DMB ? 0 : GPA;
	r.desc = r.base + 0x1000;
	r.avail = r.base + 0x5000;
	r.used = r.base + 0x9000;
	r.hdr = r.base + 0xd000;
	r.status = r.base + 0x10000;
	r.data = r.base + 0x11000;
	r.avail_idx = 0;
	memlen = 0x11000 + (size_t)size * slots;
	r.mem = calloc(1, memlen);
	dma_window_init(&win);
	if (mode == OFF)
		dma_window_add(&win, 0, sizeof(low), low);
	if (mode == DMB)
		dma_window_add(&win, 1, memlen - 1, r.mem + 1);
	else
		dma_window_add(&win, GPA, memlen, r.mem);
	if (virtq_init(&q, &win, QSIZE, r.desc, r.avail, r.used, true, true) < 0) {
		fprintf(stderr, "virtq_init failed\n");
		exit(1);
	}
	for (unsigned s = 0; s < slots; s++, posted++)
		post(&r, s, (uint64_t)(posted * (size / 512)) % (IMG / 512 - size / 512), size);
	t0 = now();
	while (done < nreq) {
		int got = virtq_pop(&q, &blk->chain);

		if (got <= 0) {
			fprintf(stderr, "virtq_pop: %d\n", got);
			exit(1);
		}
		virtq_push(&q, blk->chain.head, virtio_blk_handle(blk, &win, &blk->chain));
		done++;
		/* The driver recycles the slot at once. */
		if (posted < nreq + slots) {
			unsigned slot = blk->chain.head / 3;

			post(&r, slot, (uint64_t)(posted * (size / 512)) % (IMG / 512 - size / 512), size);
			posted++;
		}
	}
	t0 = now() - t0;
	dma_window_destroy(&win);
	free(r.mem);
	return t0;
}

static double memcpy_time(unsigned n, uint32_t size, const uint8_t *src)
{
	uint8_t *dst = malloc(size * 64);
	double t0 = now();

	for (unsigned i = 0; i < n; i++)
		memcpy(dst + (size_t)(i % 64) * size, src + ((size_t)i * size) % (IMG - size), size);
	t0 = now() - t0;
	__asm__ volatile("" : : "r"(dst) : "memory");
	free(dst);
	return t0;
}

/* The floor for any device that reads a file: preadv of the same sizes. */
static double preadv_time(unsigned n, uint32_t size, int fd)
{
	uint8_t *dst = malloc((size_t)size * 85);
	double t0;

	memset(dst, 0, (size_t)size * 85);
	t0 = now();
	for (unsigned i = 0; i < n; i++) {
		struct iovec io = { dst + (size_t)(i % 85) * size, size };

		if (preadv(fd, &io, 1, (off_t)(((uint64_t)i * size) % (IMG - size))) < 0)
			break;
	}
	t0 = now() - t0;
	free(dst);
	return t0;
}

int main(int argc, char **argv)
{
	unsigned nreq = argc > 1 ? (unsigned)atoi(argv[1]) : 200000;
	uint32_t sizes[2] = { 4096, 65536 };
	unsigned nsizes = 2;
	char path[] = "/dev/shm/airlock-virtq-XXXXXX";
	struct virtio_blk *blk;
	uint8_t *img;
	int fd;

	if (argc > 2) {
		sizes[0] = (uint32_t)atoi(argv[2]);
		nsizes = 1;
	}
	log_level = LOG_ERROR;
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, IMG) < 0) {
		perror("image");
		return 1;
	}
	img = mmap(NULL, IMG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	for (size_t i = 0; i < IMG; i += 8)
		memcpy(img + i, &i, 8);
	blk = (struct virtio_blk *)virtio_blk_create(path, true);
	if (!blk)
		return 1;
	for (unsigned k = 0; k < nsizes; k++) {
		uint32_t size = sizes[k];
		double p, t;

		/* The first pass over the image pays for cold page-cache
		 * lookups (seen here: 2-3x slower); measure warm passes only. */
		preadv_time(nreq, size, fd);
		p = preadv_time(nreq, size, fd);
		t = run(nreq, size, blk, OFF);
		double m = memcpy_time(nreq, size, img);

		printf("virtq blk read %6u B: %7.0f ns/request %6.2f GB/s | memcpy %6.2f GB/s, ratio %.2f"
		       " | bare preadv %6.2f GB/s, ratio %.2f\n",
		       size, t / nreq * 1e9, (double)nreq * size / t / 1e9,
		       (double)nreq * size / m / 1e9, m / t, (double)nreq * size / p / 1e9, p / t);
		/* The same requests with the window of a strict-isolation
		 * device, as each of its two modes names addresses. */
		double s27 = run(nreq, size, blk, SWIOTLB), s44 = run(nreq, size, blk, DMB);

		printf("               strict, bit 27: %7.0f ns/request %6.2f GB/s | strict/off %.2f\n",
		       s27 / nreq * 1e9, (double)nreq * size / s27 / 1e9, t / s27);
		printf("               strict, DMB:    %7.0f ns/request %6.2f GB/s | strict/off %.2f\n",
		       s44 / nreq * 1e9, (double)nreq * size / s44 / 1e9, t / s44);
	}
	unlink(path);
	return 0;
}
