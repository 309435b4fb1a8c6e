/* libFuzzer: a whole virtio-pci device (transport + model) driven by a
 * hostile guest. The input is a program of operations: BAR0 and PCI config
 * reads and writes, writes into guest RAM and into the bounce region, and
 * (net) frames arriving from the host. Built once per device model:
 * -DFUZZ_BLK, -DFUZZ_NET, -DFUZZ_RNG (the transport's common-cfg sequences).
 *
 * Input: byte 0 bit 0 = strict isolation (64 KiB bounce region); then ops,
 * each an opcode byte followed by its operands (little-endian):
 *   0 bar write   off:u16 len:u8 val:u32      1 bar read   off:u16 len:u8
 *   2 ram write   off:u16 n:u8 bytes[n]        3 cfg write  off:u8 len:u8 val:u32
 *   4 cfg read    off:u8 len:u8                5 frame in   n:u16 bytes[n] (net)
 *   6 bounce write off:u16 n:u8 bytes[n]       7 host fd ready (net: receive) */
#include "devices/virtio_blk.h"
#include "devices/virtio_net.h"
#include "devices/virtio_rng.h"
#include "vmm/iobus.h"
#include "vmm/mem.h"
#include "lib/log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define GPA 0x100000ULL
#define BAR0 0xc0000000ULL          /* BAR0 on the bus, as the guest reaches it */
#define RAM_SIZE 0x10000

static uint8_t ram[RAM_SIZE];
static char image[64];

static int map_bar(void *h, struct virtio_pci *v, uint64_t a, bool m) { (void)h; (void)v; (void)a; (void)m; return 0; }
static int map_bounce(void *h, struct virtio_pci *v, uint64_t a, bool m) { (void)h; (void)v; (void)a; (void)m; return 0; }
static int irq_alloc(void *h, int *efd) { (void)h; *efd = -1; return 24; }
static int irq_route(void *h, struct virtio_pci *v, int g, uint64_t a, uint32_t d) { (void)h; (void)v; (void)g; (void)a; (void)d; return 0; }
static void intx(void *h, unsigned g, int l) { (void)h; (void)g; (void)l; }
static const struct virtio_host_ops ops = { map_bar, map_bounce, irq_alloc, irq_route, intx };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_level = LOG_ERROR;
#ifdef FUZZ_BLK
	/* A 64 KiB image the device reads and writes. */
	int fd = memfd_create("fuzz-disk", 0);

	if (fd < 0 || ftruncate(fd, 64 << 10) < 0)
		abort();
	snprintf(image, sizeof(image), "/proc/self/fd/%d", fd);
#endif
	return 0;
}

struct in { const uint8_t *p; size_t n; };

static int get(struct in *in, void *out, size_t len)
{
	if (in->n < len)
		return -1;
	memcpy(out, in->p, len);
	in->p += len;
	in->n -= len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct virtio_device *dev;
	struct dma_window win;
	struct virtio_pci vp;
	struct iobus bus;
	struct bounce_region bounce = { .fd = -1 };
	uint8_t mode = 0, op;
	int sv[2] = { -1, -1 };

	if (get(&in, &mode, 1) < 0)
		return 0;
	memset(ram, 0, sizeof(ram));
	dma_window_init(&win);
	dma_window_add(&win, GPA, sizeof(ram), ram);
#if defined(FUZZ_BLK)
	dev = virtio_blk_create(image, false);
#elif defined(FUZZ_NET)
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	dev = virtio_net_create_fd(sv[0], "fuzz0", (const uint8_t *)"\x52\x54\x00\x12\x34\x56");
#else
	dev = virtio_rng_create();
#endif
	if (!dev)
		abort();
	if ((mode & 1) && bounce_region_create(&bounce, 65536) < 0)
		abort();
	if (virtio_pci_init(&vp, dev, &win, &bounce, &ops, NULL) < 0)
		abort();
	iobus_init(&bus);
	if (iobus_register(&bus, IO_MMIO, BAR0, VP_BAR_SIZE, virtio_pci_bar_io, &vp, "bar0") < 0)
		abort();

	while (get(&in, &op, 1) == 0) {
		uint8_t len, n, buf[256], off8, acc[8];
		uint16_t off, n16;
		uint32_t val;

		switch (op % 8) {
		case 0:
		case 1:
			/* Through the bus edge, as a vCPU's MMIO exit: any length
			 * from 1 to 8 (x86 splits page-crossing stores). */
			if (get(&in, &off, 2) < 0 || get(&in, &len, 1) < 0)
				break;
			len = (uint8_t)(1 + len % 8);
			memset(acc, 0, sizeof(acc));
			if (op % 8 == 0 && get(&in, acc, len) < 0)
				break;
			iobus_dispatch(&bus, IO_MMIO, BAR0 + off % VP_BAR_SIZE, acc, len, op % 8 == 0);
			break;
		case 2:
		case 6:
			if (get(&in, &off, 2) < 0 || get(&in, &n, 1) < 0 || get(&in, buf, n) < 0)
				break;
			if (op % 8 == 2) {
				off %= RAM_SIZE;
				memcpy(ram + off, buf, n < RAM_SIZE - off ? n : RAM_SIZE - off);
			} else if (vp.iso.bounce.host) {
				off %= vp.iso.bounce.size;
				memcpy(vp.iso.bounce.host + off, buf, n < vp.iso.bounce.size - off ? n : vp.iso.bounce.size - off);
			}
			break;
		case 3:
		case 4:
			if (get(&in, &off8, 1) < 0 || get(&in, &len, 1) < 0)
				break;
			len = (uint8_t)(1u << (len % 3));
			val = 0;
			if (op % 8 == 3) {
				if (get(&in, &val, 4) < 0)
					break;
				pci_cfg_write(&vp.pci, off8, len, val);
			} else {
				(void)pci_cfg_read(&vp.pci, off8, len);
			}
			break;
		case 5:
			if (get(&in, &n16, 2) < 0)
				break;
			n16 %= 2048;
			if (in.n < n16)
				n16 = (uint16_t)in.n;
			if (sv[1] >= 0 && n16 && write(sv[1], in.p, n16) < 0) {
				/* the queue is full: fine */
			}
			in.p += n16;
			in.n -= n16;
			break;
		case 7:
			if (dev->fd_ready && dev->host_fd >= 0)
				virtio_pci_host_fd_ready(&vp);
			/* Drain what the device transmitted. */
			while (sv[1] >= 0 && read(sv[1], buf, sizeof(buf)) > 0)
				;
			break;
		}
	}
	iobus_destroy(&bus);
	virtio_pci_destroy(&vp);
	bounce_region_destroy(&bounce);
	if (dev->destroy)
		dev->destroy(dev);
	free(dev);
	if (sv[1] >= 0)
		close(sv[1]);
	dma_window_destroy(&win);
	return 0;
}
