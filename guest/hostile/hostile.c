/* airlock-hostile: a hostile virtio-pci driver for the boot tests. Runs in
 * the test guest as root, takes one virtio-blk function that has a bounce
 * region (unbound from every driver first) and talks to it directly through
 * sysfs: config space (/sys/bus/pci/devices/X/config), BAR0 and the bounce
 * BAR (resource0, resource2). Each case does one thing a broken or malicious
 * driver could do, then checks that the device refused it the way the
 * virtio spec and the bounce-BAR proposal ask (NEEDS_RESET, an error
 * status, a refused FEATURES_OK, a read-only field left alone, no DMA), and
 * that a canary page of ordinary guest RAM, whose physical address some
 * cases hand to the device, was neither written nor read into the disk.
 * Prints one line per case:  AIRLOCK-HCASE <name> ok|FAIL <what happened>
 * and at the end:  AIRLOCK-HOSTILE-DONE <cases> <failed> <resets>
 *
 *   airlock-hostile 0000:00:01.0 [swiotlb|dmb]     (default: both modes)
 *
 * Userspace rather than a kernel module: a case can never oops the guest,
 * and physical addresses of ordinary RAM come from /proc/self/pagemap. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* The register layout and bits: the same names as the device's
 * (devices/virtio_regs.h: Linux's uapi plus airlock's BAR0 layout). */
#include "../../devices/virtio_regs.h"

#define QS 8                      /* queue size used by the cases */
/* Where things go in the region (from its second page: with VIRTIO_F_DMB
 * offset 0 is reserved). */
#define O_DESC  0x1000
#define O_AVAIL 0x2000
#define O_USED  0x3000
#define O_HDR   0x4000
#define O_DATA  0x4200
#define O_STAT  0x4400
#define O_IND   0x5000

static const char *bdf;
static volatile uint8_t *bar0;
static volatile uint8_t *bnc;     /* the bounce region */
static uint64_t bnc_gpa, bnc_len, bar0_gpa;
static int cfg_fd;
static uint8_t *canary;           /* a page of ordinary guest RAM */
static uint64_t canary_gpa;
/* The mode the cases run in: VIRTIO_F_SWIOTLB (addresses are bus addresses,
 * base = where BAR2 is) or VIRTIO_F_DMB (offsets into the region, base 0).
 * ram_addr names guest RAM (the canary) to the device: in DMB mode an
 * offset past the region. */
static int dmb;
static uint64_t base, ram_addr;
static unsigned cases, failed, resets;
static uint16_t avail_idx;

/* Aligned accesses only: the BARs are mapped uncached (device memory on
 * arm64, where an unaligned access faults). */
static void w8(unsigned o, uint8_t v) { bar0[o] = v; __sync_synchronize(); }
static void w16(unsigned o, uint16_t v) { *(volatile uint16_t *)(bar0 + o) = v; __sync_synchronize(); }
static void w32(unsigned o, uint32_t v) { *(volatile uint32_t *)(bar0 + o) = v; __sync_synchronize(); }
static void w64(unsigned o, uint64_t v) { w32(o, (uint32_t)v); w32(o + 4, (uint32_t)(v >> 32)); }
static uint8_t r8(unsigned o) { __sync_synchronize(); return bar0[o]; }
static uint16_t r16(unsigned o) { __sync_synchronize(); return *(volatile uint16_t *)(bar0 + o); }
static uint32_t r32(unsigned o) { __sync_synchronize(); return *(volatile uint32_t *)(bar0 + o); }

static void b16(uint64_t o, uint16_t v) { *(volatile uint16_t *)(bnc + o) = v; }
static void b32(uint64_t o, uint32_t v) { *(volatile uint32_t *)(bnc + o) = v; }
static void b64(uint64_t o, uint64_t v) { b32(o, (uint32_t)v); b32(o + 4, (uint32_t)(v >> 32)); }
static uint16_t rb16(uint64_t o) { return *(volatile uint16_t *)(bnc + o); }
static uint8_t rb8(uint64_t o) { return bnc[o]; }
static void bzero_b(uint64_t o, uint64_t len) { for (uint64_t i = 0; i < len; i += 4) b32(o + i, 0); }

static uint32_t cfg_r(unsigned off, unsigned len)
{
	uint32_t v = 0;

	if (pread(cfg_fd, &v, len, off) != (ssize_t)len)
		return 0xffffffff;
	return v;
}

static void cfg_w(unsigned off, unsigned len, uint32_t v)
{
	if (pwrite(cfg_fd, &v, len, off) != (ssize_t)len) {
		/* the kernel may refuse (past the end): that is the point */
	}
}

static void msleep(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static const char pattern[] = "AIRLOCK-CANARY-RAM";

static void canary_fill(void)
{
	for (unsigned i = 0; i < 4096; i += sizeof(pattern) - 1)
		memcpy(canary + i, pattern, i + sizeof(pattern) - 1 <= 4096 ? sizeof(pattern) - 1 : 4096 - i);
}

static int canary_intact(void)
{
	uint8_t want[4096];

	memcpy(want, canary, 0);
	for (unsigned i = 0; i < 4096; i += sizeof(pattern) - 1)
		memcpy(want + i, pattern, i + sizeof(pattern) - 1 <= 4096 ? sizeof(pattern) - 1 : 4096 - i);
	return memcmp(want, canary, 4096) == 0;
}

/* --- driver steps -------------------------------------------------------- */

static int reset_dev(void)
{
	w8(VIRTIO_PCI_COMMON_STATUS, 0);
	for (int i = 0; i < 200; i++) {
		if (r8(VIRTIO_PCI_COMMON_STATUS) == 0)
			return 0;
		msleep(5);
	}
	return -1;
}

/* ACK, DRIVER, features (VERSION_1, ACCESS_PLATFORM, and when confined the
 * mode's bit: 27 or 44), FEATURES_OK. Returns whether FEATURES_OK stuck. */
static int negotiate_bits(uint32_t lo, uint32_t hi)
{
	w8(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	w8(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	w32(VIRTIO_PCI_COMMON_GFSELECT, 0);
	w32(VIRTIO_PCI_COMMON_GF, lo);
	w32(VIRTIO_PCI_COMMON_GFSELECT, 1);
	w32(VIRTIO_PCI_COMMON_GF, hi);
	w8(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	return (r8(VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK) != 0;
}

#define HI(bit) (1u << ((bit) - 32))

static int negotiate(int confined, uint32_t extra_lo)
{
	uint32_t lo = extra_lo | (confined && !dmb ? 1u << VIRTIO_F_SWIOTLB : 0);
	uint32_t hi = HI(VIRTIO_F_VERSION_1) | HI(VIRTIO_F_ACCESS_PLATFORM) | (confined && dmb ? HI(VIRTIO_F_DMB) : 0);

	return negotiate_bits(lo, hi);
}

static void queue_at(uint16_t q, uint16_t size, uint64_t desc, uint64_t avail, uint64_t used)
{
	w16(VIRTIO_PCI_COMMON_Q_SELECT, q);
	w16(VIRTIO_PCI_COMMON_Q_SIZE, size);
	w16(VIRTIO_PCI_COMMON_Q_MSIX, 0xffff);
	w64(VIRTIO_PCI_COMMON_Q_DESCLO, desc);
	w64(VIRTIO_PCI_COMMON_Q_AVAILLO, avail);
	w64(VIRTIO_PCI_COMMON_Q_USEDLO, used);
}

/* Reset, negotiate (bit 27 and extra_lo), queue 0 of size QS at the given
 * ring addresses, enabled, DRIVER_OK written. -1 when negotiation failed;
 * whether the device took the queue is for the caller to judge. */
static int start_queue(uint32_t extra_lo, uint64_t d, uint64_t a, uint64_t u)
{
	if (reset_dev() < 0 || !negotiate(1, extra_lo))
		return -1;
	bzero_b(0, 0x6000);
	avail_idx = 0;
	queue_at(0, QS, d, a, u);
	w16(VIRTIO_PCI_COMMON_Q_ENABLE, 1);
	w8(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	return 0;
}

/* A device with queue 0 in the bounce region, DRIVER_OK. */
static int bring_up(void)
{
	if (start_queue(0, base + O_DESC, base + O_AVAIL, base + O_USED) < 0)
		return -1;
	return (r8(VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK) ? 0 : -1;
}

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	b64(O_DESC + 16 * i, addr);
	b32(O_DESC + 16 * i + 8, len);
	b16(O_DESC + 16 * i + 12, flags);
	b16(O_DESC + 16 * i + 14, next);
}

static void ind_desc(uint64_t table_off, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	b64(table_off + 16 * i, addr);
	b32(table_off + 16 * i + 8, len);
	b16(table_off + 16 * i + 12, flags);
	b16(table_off + 16 * i + 14, next);
}

static void notify(uint16_t q)
{
	w16(VIRTIO_PCI_COMMON_Q_SELECT, q);
	w16(VP_NOTIFY_OFF + 4 * r16(VIRTIO_PCI_COMMON_Q_NOFF), q);
}

static void post_head(uint16_t head)
{
	b16(O_AVAIL + 4 + 2 * (avail_idx % QS), head);
	avail_idx++;
	__sync_synchronize();
	b16(O_AVAIL + 2, avail_idx);
	__sync_synchronize();
	notify(0);
}

/* A virtio-blk request header: type, sector. */
static void hdr(uint32_t type, uint64_t sector)
{
	b32(O_HDR, type);
	b32(O_HDR + 4, 0);
	b64(O_HDR + 8, sector);
}

/* The standard three-descriptor read of sector 0 with everything in the
 * bounce region; cases then break one piece. */
static void std_read(void)
{
	hdr(0, 0);
	bnc[O_STAT] = 0xff;
	desc(0, base + O_HDR, 16, VRING_DESC_F_NEXT, 1);
	desc(1, base + O_DATA, 512, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	desc(2, base + O_STAT, 1, VRING_DESC_F_WRITE, 0);
}

static int wait_reset(unsigned ms)
{
	for (unsigned t = 0; t < ms; t += 10) {
		if (r8(VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET)
			return 1;
		msleep(10);
	}
	return 0;
}

static int wait_used(uint16_t want, unsigned ms)
{
	for (unsigned t = 0; t < ms; t += 10) {
		if (rb16(O_USED + 2) == want)
			return 1;
		if (r8(VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET)
			return 0;
		msleep(10);
	}
	return 0;
}

/* --- outcomes ------------------------------------------------------------ */

static void report(const char *name, int ok, const char *what)
{
	int intact = canary_intact();

	cases++;
	if (!ok || !intact)
		failed++;
	printf("AIRLOCK-HCASE %s:%s %s %s%s\n", dmb ? "dmb" : "swiotlb", name, ok && intact ? "ok" : "FAIL", what,
	       intact ? "" : " CANARY-CHANGED");
	fflush(stdout);
	canary_fill();
}

/* The device must refuse the ring: NEEDS_RESET. */
static void expect_reset(const char *name)
{
	int r = wait_reset(3000);

	resets += (unsigned)r;
	report(name, r, r ? "needs-reset" : "no-reset");
}

/* The request must complete with this status, without a reset. */
static void expect_status(const char *name, uint8_t st)
{
	int u = wait_used(avail_idx, 3000);
	char what[48];

	snprintf(what, sizeof(what), "status=%d used=%d", rb8(O_STAT), u);
	report(name, u && rb8(O_STAT) == st, what);
}

/* Nothing may happen: no completion, no reset (e.g. no bus mastering). */
static void expect_nothing(const char *name)
{
	uint16_t before = rb16(O_USED + 2);

	msleep(300);
	report(name, rb16(O_USED + 2) == before && !(r8(VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET), "no-dma");
}

/* After a case, the device must still work once reset. */
static int healthy(void)
{
	if (bring_up() < 0)
		return 0;
	std_read();
	post_head(0);
	return wait_used(avail_idx, 3000) && rb8(O_STAT) == 0;
}

/* --- the cases ----------------------------------------------------------- */

#define END (base + bnc_len)
#define WRAP 0xfffffffffffff000ULL

/* Rings placed where they must not be. */
static void ring_case(const char *name, uint64_t d, uint64_t a, uint64_t u)
{
	if (start_queue(0, d, a, u) < 0) {
		report(name, 0, "setup");
		return;
	}
	/* The queue is refused at enable, or at the first notify. */
	std_read();
	post_head(0);
	expect_reset(name);
}

/* One descriptor of the standard read replaced. */
static void desc_case(const char *name, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		      uint16_t next)
{
	if (bring_up() < 0) {
		report(name, 0, "setup");
		return;
	}
	std_read();
	desc(i, addr, len, flags, next);
	post_head(0);
	expect_reset(name);
}

/* An indirect chain in a table at table (a guest address), whose entries
 * the caller wrote at O_IND. */
static void indirect_case(const char *name, uint64_t table, uint32_t len, uint16_t flags)
{
	desc(0, table, len, flags, 0);
	post_head(0);
	expect_reset(name);
}

static void std_indirect_table(void)
{
	hdr(0, 0);
	bnc[O_STAT] = 0xff;
	ind_desc(O_IND, 0, base + O_HDR, 16, VRING_DESC_F_NEXT, 1);
	ind_desc(O_IND, 1, base + O_DATA, 512, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	ind_desc(O_IND, 2, base + O_STAT, 1, VRING_DESC_F_WRITE, 0);
}

static int up_indirect(const char *name)
{
	if (start_queue(1u << 28, base + O_DESC, base + O_AVAIL, base + O_USED) < 0) {
		report(name, 0, "setup");
		return -1;
	}
	std_indirect_table();
	return 0;
}

/* The standard read offered as avail ring entry head, with the avail
 * index set to idx (a jump when idx is not 1). */
static void avail_case(const char *name, uint16_t head, uint16_t idx)
{
	if (bring_up() < 0) {
		report(name, 0, "setup");
		return;
	}
	std_read();
	b16(O_AVAIL + 4, head);
	avail_idx = idx;
	b16(O_AVAIL + 2, idx);
	notify(0);
	expect_reset(name);
}

static void run_cases(void)
{
	uint32_t v;

	/* 1-9: rings outside the window */
	ring_case("desc-table-in-guest-ram", ram_addr, base + O_AVAIL, base + O_USED);
	ring_case("avail-ring-in-guest-ram", base + O_DESC, ram_addr, base + O_USED);
	ring_case("used-ring-in-guest-ram", base + O_DESC, base + O_AVAIL, ram_addr);
	ring_case("desc-table-straddles-end", END - 64, base + O_AVAIL, base + O_USED);
	ring_case("used-ring-straddles-end", base + O_DESC, base + O_AVAIL, END - 8);
	ring_case("desc-table-wraps-64-bit", WRAP + 0xfc0, base + O_AVAIL, base + O_USED);
	ring_case("avail-ring-at-zero", base + O_DESC, 0, base + O_USED);
	ring_case("used-ring-in-mmio-bar0", base + O_DESC, base + O_AVAIL, bar0_gpa + 0x100);
	ring_case("desc-table-just-below-window", base - 0x1000, base + O_AVAIL, base + O_USED);

	/* 10-24: buffers and chains */
	desc_case("data-buffer-in-guest-ram-device-writes", 1, ram_addr, 512, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	hdr(1, 8);
	desc_case("header-in-guest-ram", 0, ram_addr, 16, VRING_DESC_F_NEXT, 1);
	desc_case("status-in-guest-ram", 2, ram_addr + 100, 1, VRING_DESC_F_WRITE, 0);
	desc_case("buffer-straddles-window-end", 1, END - 256, 512, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	desc_case("buffer-wraps-64-bit", 1, 0xffffffffffffff00ULL, 0x200, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	desc_case("buffer-length-4g-minus-1", 1, base + O_DATA, 0xffffffff, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	desc_case("buffer-at-window-end", 1, END, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	desc_case("buffer-just-below-window", 1, base - 512, 512, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	desc_case("chain-loops-back", 2, base + O_STAT, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
	desc_case("descriptor-points-to-itself", 0, base + O_HDR, 16, VRING_DESC_F_NEXT, 0);
	desc_case("next-beyond-queue-size", 1, base + O_DATA, 512, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 200);
	desc_case("readable-after-writable", 2, base + O_STAT, 1, VRING_DESC_F_NEXT, 3);
	avail_case("avail-head-out-of-range", QS + 3, 1);
	avail_case("avail-head-0xffff", 0xffff, 1);
	/* A chain as long as the queue whose last descriptor links on. */
	if (bring_up() == 0) {
		for (unsigned i = 0; i < QS; i++)
			desc(i, base + O_DATA + 16 * i, 16, VRING_DESC_F_NEXT, (uint16_t)((i + 1) % QS));
		post_head(0);
		expect_reset("chain-longer-than-queue");
	}

	/* 25-34: indirect tables */
	if (up_indirect("indirect-table-in-guest-ram") == 0)
		indirect_case("indirect-table-in-guest-ram", ram_addr, 48, VRING_DESC_F_INDIRECT);
	if (up_indirect("indirect-table-straddles-end") == 0)
		indirect_case("indirect-table-straddles-end", END - 32, 48, VRING_DESC_F_INDIRECT);
	if (up_indirect("indirect-nested") == 0) {
		ind_desc(O_IND, 1, base + O_IND + 0x100, 48, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 2);
		indirect_case("indirect-nested", base + O_IND, 48, VRING_DESC_F_INDIRECT);
	}
	if (up_indirect("indirect-with-next-flag") == 0)
		indirect_case("indirect-with-next-flag", base + O_IND, 48, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT);
	if (up_indirect("indirect-length-not-multiple-of-16") == 0)
		indirect_case("indirect-length-not-multiple-of-16", base + O_IND, 40, VRING_DESC_F_INDIRECT);
	if (up_indirect("indirect-length-zero") == 0)
		indirect_case("indirect-length-zero", base + O_IND, 0, VRING_DESC_F_INDIRECT);
	if (up_indirect("indirect-length-huge") == 0)
		indirect_case("indirect-length-huge", base + O_IND, 0xfffffff0, VRING_DESC_F_INDIRECT);
	if (up_indirect("indirect-entry-in-guest-ram") == 0) {
		ind_desc(O_IND, 1, ram_addr, 512, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
		indirect_case("indirect-entry-in-guest-ram", base + O_IND, 48, VRING_DESC_F_INDIRECT);
	}
	if (up_indirect("indirect-next-outside-table") == 0) {
		ind_desc(O_IND, 1, base + O_DATA, 512, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 9);
		indirect_case("indirect-next-outside-table", base + O_IND, 48, VRING_DESC_F_INDIRECT);
	}
	if (up_indirect("indirect-table-loops") == 0) {
		ind_desc(O_IND, 2, base + O_STAT, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
		indirect_case("indirect-table-loops", base + O_IND, 48, VRING_DESC_F_INDIRECT);
	}

	/* 35-36: avail index jumps */
	avail_case("avail-index-jumps-past-queue-size", 0, QS + 5);
	avail_case("avail-index-jumps-0x8000", 0, 0x8000);

	/* 37-41: the BAR and the command register with a request in flight */
	if (bring_up() == 0) {
		uint16_t cmd = (uint16_t)cfg_r(0x04, 2);

		std_read();
		b16(O_AVAIL + 4, 0);
		b16(O_AVAIL + 2, 1);
		avail_idx = 1;
		cfg_w(0x04, 2, cmd & ~2u);          /* memory decoding off: the window closes */
		cfg_w(0x04, 2, cmd);
		/* The device lost its window with the queue live: it must not have
		 * resolved anything against the old range. Re-enabled, the
		 * notify reaches a device whose queue state is stale. */
		notify(0);
		msleep(300);
		report("memory-decoding-off-with-request-in-flight",
		       !(rb16(O_USED + 2) == 1 && rb8(O_STAT) != 0) && canary_intact(),
		       (r8(VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET) ? "needs-reset" : "completed-or-idle");
	}
	if (bring_up() == 0) {
		uint32_t lo = cfg_r(0x18, 4), hi = cfg_r(0x1c, 4);

		std_read();
		b16(O_AVAIL + 4, 0);
		b16(O_AVAIL + 2, 1);
		avail_idx = 1;
		/* Move the bounce BAR 1 GiB up. Bit 27: the rings' addresses
		 * now point outside the window. DMB: offsets do not move, the
		 * request completes (seen once the BAR is back under our
		 * mapping). */
		cfg_w(0x18, 4, lo + 0x40000000u);
		notify(0);
		if (!dmb) {
			expect_reset("bounce-bar-moved-with-request-in-flight");
		} else {
			msleep(300);
			cfg_w(0x18, 4, lo);
			cfg_w(0x1c, 4, hi);
			report("bounce-bar-moved-with-request-in-flight",
			       rb16(O_USED + 2) == 1 && rb8(O_STAT) == 0 &&
			       !(r8(VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET), "completed");
		}
		cfg_w(0x18, 4, lo);
		cfg_w(0x1c, 4, hi);
	}
	if (bring_up() == 0) {
		uint32_t lo = cfg_r(0x18, 4);

		std_read();
		b16(O_AVAIL + 4, 0);
		b16(O_AVAIL + 2, 1);
		avail_idx = 1;
		/* All ones in the low dword only: the 64-bit BAR reads back
		 * size-aligned, i.e. it moved (to the top of its 4 GiB). Bit
		 * 27: the request's bus addresses are outside the window now.
		 * DMB: offsets do not move, the request completes. */
		cfg_w(0x18, 4, 0xffffffff);
		notify(0);
		msleep(300);
		cfg_w(0x18, 4, lo);
		if (!dmb)
			report("bounce-bar-sized-with-request-in-flight",
			       !(rb16(O_USED + 2) == 1 && rb8(O_STAT) == 0) || (r8(VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET),
			       (r8(VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET) ? "needs-reset" : "refused");
		else
			report("bounce-bar-low-dword-all-ones-with-request-in-flight",
			       rb16(O_USED + 2) == 1 && rb8(O_STAT) == 0 &&
			       !(r8(VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET), "completed");
		resets += (r8(VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET) ? 1 : 0;
	}
	if (bring_up() == 0) {
		uint16_t cmd = (uint16_t)cfg_r(0x04, 2);

		cfg_w(0x04, 2, cmd & ~4u);          /* no bus mastering: no DMA at all */
		std_read();
		post_head(0);
		expect_nothing("notify-without-bus-master");
		cfg_w(0x04, 2, cmd);
	}
	if (bring_up() == 0) {
		std_read();
		desc(1, base + O_DATA, 512, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
		/* A write request whose data is the canary: it must not reach the disk. */
		hdr(1, 4);
		desc(1, ram_addr, 512, VRING_DESC_F_NEXT, 2);
		post_head(0);
		expect_reset("write-request-from-guest-ram");
	}

	/* 42-47: MSI-X */
	{
		uint32_t before = r32(VP_MSIX_OFF);

		w32(VP_MSIX_OFF + 0x400, 0xdeadbeef);         /* past the 3 entries */
		w32(VP_MSIX_OFF + 16 * 63, 0xdeadbeef);
		report("msix-table-write-past-the-table", r32(VP_MSIX_OFF) == before &&
		       r32(VP_MSIX_OFF + 0x400) == 0, "ignored");
		w32(VP_PBA_OFF, 0xffffffff);
		report("msix-pba-write", r32(VP_PBA_OFF) == 0, "read-only");
		w16(VIRTIO_PCI_COMMON_MSIX, 200);
		report("msix-config-vector-out-of-range", r16(VIRTIO_PCI_COMMON_MSIX) == 0xffff, "no-vector");
		w16(VIRTIO_PCI_COMMON_Q_SELECT, 0);
		w16(VIRTIO_PCI_COMMON_Q_MSIX, 0x7fff);
		report("queue-msix-vector-out-of-range", r16(VIRTIO_PCI_COMMON_Q_MSIX) == 0xffff, "no-vector");
		w32(VP_MSIX_OFF + 2, 0x12345678);             /* unaligned */
		report("msix-table-unaligned-write", 1, "ignored");
		w8(VP_MSIX_OFF + 12, 0xff);                   /* byte write to vector control */
		report("msix-table-byte-write", 1, "ignored");
	}

	/* 48-53: config space */
	v = cfg_r(0x00, 4);
	cfg_w(0x00, 4, 0x12345678);
	report("config-write-vendor-device-id", cfg_r(0x00, 4) == v, "read-only");
	v = cfg_r(0x08, 4);
	cfg_w(0x08, 4, 0xffffffff);
	report("config-write-class-revision", cfg_r(0x08, 4) == v, "read-only");
	v = cfg_r(0x34, 1);
	cfg_w(0x34, 1, 0xa0);
	report("config-write-capability-pointer", cfg_r(0x34, 1) == v, "read-only");
	v = cfg_r(v, 4);
	cfg_w((unsigned)cfg_r(0x34, 1), 4, 0xffffffff);
	report("config-write-capability-header", cfg_r((unsigned)cfg_r(0x34, 1), 4) == v, "read-only");
	cfg_w(0xfe, 4, 0xffffffff);                       /* straddles the end */
	cfg_w(0xff, 1, 0xff);
	report("config-write-past-the-end", cfg_r(0x00, 4) != 0xffffffff, "ignored");
	v = r32(VP_DEVICE_OFF);
	w32(VP_DEVICE_OFF, 0x5a5a5a5a);                          /* virtio-blk config: capacity */
	report("device-config-write-read-only", r32(VP_DEVICE_OFF) == v, "read-only");

	/* 54-63: common configuration misuse */
	reset_dev();
	report("features-ok-without-swiotlb", !negotiate(0, 0), "refused");
	if (bring_up() == 0) {
		w32(VIRTIO_PCI_COMMON_GFSELECT, 0);
		w32(VIRTIO_PCI_COMMON_GF, 0);                               /* drop bit 27 after DRIVER_OK */
		w8(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
		std_read();
		post_head(0);
		/* The features negotiated stand: the request still completes. */
		expect_status("feature-renegotiation-after-driver-ok", 0);
	}
	reset_dev();
	negotiate(1, 0);
	queue_at(0, 0, base + O_DESC, base + O_AVAIL, base + O_USED);
	w16(VIRTIO_PCI_COMMON_Q_ENABLE, 1);
	report("queue-enable-with-size-0", r16(VIRTIO_PCI_COMMON_Q_ENABLE) == 0 || (r8(VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET),
	       "refused");
	reset_dev();
	negotiate(1, 0);
	queue_at(0, 6, base + O_DESC, base + O_AVAIL, base + O_USED);
	w16(VIRTIO_PCI_COMMON_Q_ENABLE, 1);
	report("queue-size-not-power-of-two", r16(VIRTIO_PCI_COMMON_Q_SIZE) != 6 || r16(VIRTIO_PCI_COMMON_Q_ENABLE) == 0 ||
	       (r8(VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET), "refused");
	reset_dev();
	negotiate(1, 0);
	queue_at(0, 4096, base + O_DESC, base + O_AVAIL, base + O_USED);
	w16(VIRTIO_PCI_COMMON_Q_ENABLE, 1);
	report("queue-size-above-maximum", r16(VIRTIO_PCI_COMMON_Q_SIZE) != 4096 || r16(VIRTIO_PCI_COMMON_Q_ENABLE) == 0 ||
	       (r8(VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET), "refused");
	if (bring_up() == 0) {
		w16(VP_NOTIFY_OFF + 4 * 5, 5);                   /* no queue 5 */
		w16(VP_NOTIFY_OFF + 4 * 7, 0xffff);
		expect_nothing("notify-nonexistent-queue");
	}
	reset_dev();
	negotiate(1, 0);
	w16(VIRTIO_PCI_COMMON_Q_SELECT, 7);
	report("queue-select-out-of-range", r16(VIRTIO_PCI_COMMON_Q_SIZE) == 0, "size-0");
	w16(VIRTIO_PCI_COMMON_Q_ENABLE, 1);
	report("queue-enable-out-of-range", r16(VIRTIO_PCI_COMMON_Q_ENABLE) == 0, "ignored");
	reset_dev();
	w8(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_DRIVER_OK);                          /* DRIVER_OK first */
	report("driver-ok-before-features-ok", !(r8(VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK), "no-features");
	w32(VP_ISR_OFF, 0xffffffff);
	report("isr-write", 1, "ignored");

	/* 64-67: well-formed rings, bad requests: an error status, no reset */
	if (bring_up() == 0) {
		std_read();
		hdr(0, 1ULL << 40);
		post_head(0);
		expect_status("read-beyond-disk-end", 1);
	}
	if (bring_up() == 0) {
		std_read();
		hdr(99, 0);
		post_head(0);
		expect_status("unknown-request-type", 2);
	}
	if (bring_up() == 0) {
		std_read();
		desc(1, base + O_DATA, 100, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);   /* not whole sectors */
		post_head(0);
		expect_status("read-not-whole-sectors", 1);
	}
	if (bring_up() == 0) {
		std_read();
		desc(0, base + O_HDR, 8, VRING_DESC_F_NEXT, 1);                /* short header */
		post_head(0);
		expect_status("short-request-header", 1);
	}

	/* How each mode names an address: each one's valid addresses are
	 * refused in the other, and DMB's own rules. */
	if (!dmb) {
		desc_case("an-offset-is-not-a-bus-address", 1, O_DATA, 512,
			  VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	} else {
		desc_case("a-bus-address-is-not-an-offset", 1, bnc_gpa + O_DATA, 512,
			  VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
		desc_case("buffer-at-offset-zero", 1, 0, 512, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
		ring_case("desc-table-at-offset-zero", 0, base + O_AVAIL, base + O_USED);
		desc_case("offset-plus-length-wraps-64-bit", 1, 0xffffffffffffffffULL - 0x100, 0x200,
			  VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
		reset_dev();
		report("features-ok-with-both-swiotlb-and-dmb",
		       !negotiate_bits(1u << VIRTIO_F_SWIOTLB,
				       HI(VIRTIO_F_VERSION_1) | HI(VIRTIO_F_ACCESS_PLATFORM) | HI(VIRTIO_F_DMB)),
		       "refused");
		reset_dev();
		report("features-ok-dmb-without-access-platform",
		       !negotiate_bits(0, HI(VIRTIO_F_VERSION_1) | HI(VIRTIO_F_DMB)), "refused");
		reset_dev();
		negotiate(1, 0);
		report("dmb-shm-id-names-the-region", r16(VIRTIO_PCI_COMMON_DMB_SHM_ID) == VP_DMB_SHMID, "read");
	}
	report("device-healthy-after-all-cases", healthy(), "read-ok");
}

/* --- setup ----------------------------------------------------------------- */

static uint64_t phys_of(void *p)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0 || pread(fd, &e, 8, (off_t)((uintptr_t)p / 4096 * 8)) != 8)
		return 0;
	close(fd);
	if (!(e & (1ULL << 63)))
		return 0;
	return (e & ((1ULL << 55) - 1)) * 4096;
}

static void *map_resource(int n, uint64_t *gpa, uint64_t *len)
{
	char path[128], line[256];
	unsigned long long start = 0, end = 0, flags;
	FILE *f;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
	f = fopen(path, "r");
	for (int i = 0; f && i <= n && fgets(line, sizeof(line), f); i++)
		sscanf(line, "%llx %llx %llx", &start, &end, &flags);
	if (f)
		fclose(f);
	if (!end)
		return NULL;
	*gpa = start;
	*len = end - start + 1;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%d", bdf, n);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

int main(int argc, char **argv)
{
	char path[128];
	uint64_t len0;

	int first = 0, last = 1;

	if (argc == 3 && !strcmp(argv[2], "swiotlb"))
		last = 0;
	else if (argc == 3 && !strcmp(argv[2], "dmb"))
		first = 1;
	else if (argc != 2) {
		fprintf(stderr, "usage: airlock-hostile BDF [swiotlb|dmb]\n");
		return 2;
	}
	bdf = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	cfg_fd = open(path, O_RDWR);
	canary = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (cfg_fd < 0 || canary == MAP_FAILED || mlock(canary, 4096) < 0) {
		printf("AIRLOCK-HOSTILE-ERROR setup: %s\n", strerror(errno));
		return 1;
	}
	canary_fill();
	canary_gpa = phys_of(canary);
	cfg_w(0x04, 2, (uint16_t)(cfg_r(0x04, 2) | 0x6));   /* memory + bus master */
	bar0 = map_resource(0, &bar0_gpa, &len0);
	bnc = map_resource(2, &bnc_gpa, &bnc_len);
	if (!canary_gpa || !bar0 || !bnc) {
		printf("AIRLOCK-HOSTILE-ERROR cannot map: canary %#llx bar0 %p bounce %p\n",
		       (unsigned long long)canary_gpa, (void *)bar0, (void *)bnc);
		return 1;
	}
	printf("AIRLOCK-HOSTILE-SETUP %s bounce %#llx+%#llx canary %#llx\n", bdf,
	       (unsigned long long)bnc_gpa, (unsigned long long)bnc_len,
	       (unsigned long long)canary_gpa);
	/* Every case in both modes: bit 27 (bus addresses inside BAR2), then
	 * DMB (offsets into the region). */
	for (dmb = first; dmb <= last; dmb++) {
		base = dmb ? 0 : bnc_gpa;
		ram_addr = dmb && canary_gpa < bnc_len ? canary_gpa + bnc_len : canary_gpa;
		run_cases();
	}
	dmb = 0;
	reset_dev();
	printf("AIRLOCK-HOSTILE-DONE %u %u %u\n", cases, failed, resets);
	return failed ? 1 : 0;
}
