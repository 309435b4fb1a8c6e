#include "pci.h"

#include <errno.h>
#include <string.h>

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

void pci_dev_init(struct pci_dev *d, uint16_t vendor, uint16_t device, uint32_t class_rev,
		  uint16_t subsys_vendor, uint16_t subsys_id)
{
	memset(d, 0, sizeof(*d));
	put16(d->cfg + PCI_VENDOR_ID, vendor);
	put16(d->cfg + PCI_DEVICE_ID, device);
	put32(d->cfg + PCI_REVISION_ID, class_rev);
	put16(d->cfg + PCI_SUBSYSTEM_VENDOR_ID, subsys_vendor);
	put16(d->cfg + PCI_SUBSYSTEM_ID, subsys_id);
	/* Writable: memory and I/O decode, bus master, INTx disable, and the
	 * interrupt line scratch byte. Status error bits are write-one-to-clear. */
	put16(d->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
					      PCI_COMMAND_INTX_DISABLE);
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	put16(d->w1c + PCI_STATUS, 0xf900);
	d->cap_end = 0x40;
}

int pci_dev_add_bar(struct pci_dev *d, int bar, uint64_t size, bool is64, bool prefetch)
{
	uint64_t mask = ~(size - 1);
	unsigned off = PCI_BASE_ADDRESS_0 + 4 * (unsigned)bar;

	if (bar < 0 || bar >= PCI_NR_BARS || (is64 && bar == PCI_NR_BARS - 1) || size < 16 ||
	    (size & (size - 1)) || (!is64 && size > (1ULL << 31)) || d->bar[bar].size)
		return -EINVAL;
	d->bar[bar] = (struct pci_bar){ .size = size, .is64 = is64, .prefetch = prefetch };
	put32(d->cfg + off, (is64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) | (prefetch ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0));
	put32(d->wmask + off, (uint32_t)mask & ~0xfu);
	if (is64)
		put32(d->wmask + off + 4, (uint32_t)(mask >> 32));
	return 0;
}

int pci_dev_add_cap(struct pci_dev *d, const uint8_t *data, const uint8_t *wmask, unsigned len)
{
	unsigned off = (d->cap_end + 3) & ~3u;

	if (len < 2 || off + len > PCI_CFG_SIZE)
		return -ENOSPC;
	memcpy(d->cfg + off, data, len);
	d->cfg[off + 1] = 0;
	if (wmask)
		memcpy(d->wmask + off, wmask, len);
	d->wmask[off] = d->wmask[off + 1] = 0;         /* id and link are read-only */
	if (d->last_cap)
		d->cfg[d->last_cap + 1] = (uint8_t)off;
	else
		d->cfg[PCI_CAPABILITY_LIST] = (uint8_t)off;
	d->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	d->last_cap = (uint8_t)off;
	d->cap_end = off + len;
	return (int)off;
}

static uint64_t bar_addr(const struct pci_dev *d, int bar)
{
	unsigned off = PCI_BASE_ADDRESS_0 + 4 * (unsigned)bar;
	uint64_t a = get32(d->cfg + off) & ~0xfULL;

	if (d->bar[bar].is64)
		a |= (uint64_t)get32(d->cfg + off + 4) << 32;
	return a;
}

bool pci_bar_decodes(const struct pci_dev *d, int bar, uint64_t *addr)
{
	const struct pci_bar *b = &d->bar[bar];
	uint64_t a = bar_addr(d, bar), mask = ~(b->size - 1), last;

	if (addr)
		*addr = a;
	if (!b->size || !(d->cfg[PCI_COMMAND] & PCI_COMMAND_MEMORY))
		return false;
	/* All address bits set: the guest is sizing the BAR, not placing it. */
	if ((a & mask) == (mask & (b->is64 ? ~0ULL : 0xffffffffULL) & ~0xfULL))
		return false;
	return a != 0 && !__builtin_add_overflow(a, b->size - 1, &last);
}

/* Tells the owner about every BAR whose decoding changed. */
static void update_bars(struct pci_dev *d)
{
	for (int i = 0; i < PCI_NR_BARS; i++) {
		struct pci_bar *b = &d->bar[i];
		uint64_t a;
		bool on;

		if (!b->size)
			continue;
		on = pci_bar_decodes(d, i, &a);
		if (on == b->mapped && (!on || a == b->addr))
			continue;
		if (b->mapped && d->bar_changed)
			d->bar_changed(d, i, b->addr, false);
		b->mapped = on;
		b->addr = a;
		if (on && d->bar_changed)
			d->bar_changed(d, i, a, true);
	}
}

uint32_t pci_cfg_read(struct pci_dev *d, unsigned off, unsigned len)
{
	uint32_t v = 0;

	if ((len != 1 && len != 2 && len != 4) || (off & (len - 1)) || off + len > PCI_CFG_SIZE)
		return 0xffffffffu;
	if (off >= 0x40 && off < d->cap_end && d->cap_read)
		d->cap_read(d, off, len);
	for (unsigned i = 0; i < len; i++)
		v |= (uint32_t)d->cfg[off + i] << (8 * i);
	return v;
}

void pci_cfg_write(struct pci_dev *d, unsigned off, unsigned len, uint32_t val)
{
	bool bars = false, cap = false, cmd = false;

	if ((len != 1 && len != 2 && len != 4) || (off & (len - 1)) || off + len > PCI_CFG_SIZE)
		return;
	for (unsigned i = 0; i < len; i++) {
		unsigned o = off + i;
		uint8_t b = (uint8_t)(val >> (8 * i));

		d->cfg[o] = (uint8_t)((d->cfg[o] & ~d->wmask[o]) | (b & d->wmask[o]));
		d->cfg[o] &= (uint8_t)~(b & d->w1c[o]);
		if ((o >= PCI_BASE_ADDRESS_0 && o < PCI_BASE_ADDRESS_0 + 24) || o == PCI_COMMAND)
			bars = true;
		cmd |= o == PCI_COMMAND;
		if (o >= 0x40 && o < d->cap_end)
			cap = true;
	}
	if (bars)
		update_bars(d);
	if (cmd && d->command_written)
		d->command_written(d);
	if (cap && d->cap_written)
		d->cap_written(d, off, len);
}

void pci_bus_init(struct pci_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
	pthread_mutex_init(&bus->lock, NULL);
}

void pci_bus_add_host_bridge(struct pci_bus *bus, struct pci_dev *hb)
{
	/* Intel's vendor ID with a generic host bridge ID, as kvmtool and
	 * QEMU's GPEX do: any host bridge will do, the guest only needs 00.0. */
	pci_dev_init(hb, 0x8086, 0x0d57, 0x06000000, 0, 0);
	hb->name = "host-bridge";
	bus->fn[0] = (struct pci_fn){ &pci_dev_fn_ops, hb };
}

static uint32_t dev_cfg_read(void *d, unsigned off, unsigned len)
{
	return pci_cfg_read(d, off, len);
}

static void dev_cfg_write(void *d, unsigned off, unsigned len, uint32_t val)
{
	pci_cfg_write(d, off, len, val);
}

const struct pci_fn_ops pci_dev_fn_ops = { dev_cfg_read, dev_cfg_write, NULL };

int pci_bus_add_fn(struct pci_bus *bus, const struct pci_fn_ops *ops, void *opaque)
{
	for (int s = 1; s < PCI_MAX_DEVICES; s++) {
		if (!bus->fn[s].ops) {
			bus->fn[s] = (struct pci_fn){ ops, opaque };
			return s;
		}
	}
	return -ENOSPC;
}

int pci_bus_add(struct pci_bus *bus, struct pci_dev *d)
{
	return pci_bus_add_fn(bus, &pci_dev_fn_ops, d);
}

void pci_bus_set_fn(struct pci_bus *bus, int slot, const struct pci_fn_ops *ops, void *opaque)
{
	pthread_mutex_lock(&bus->lock);
	bus->fn[slot] = (struct pci_fn){ ops, opaque };
	pthread_mutex_unlock(&bus->lock);
}

/* One access to function 0 of slot on bus 0 (d NULL: nothing there). */
static void cfg_access(const struct pci_fn *d, unsigned off, uint8_t *data, unsigned len, bool is_write)
{
	uint32_t v = 0;

	if (len == 8) {         /* ECAM: a 64-bit access is two dwords */
		cfg_access(d, off, data, 4, is_write);
		cfg_access(d, off + 4, data + 4, 4, is_write);
		return;
	}
	if (!d || !d->ops || len > 4 || (len != 1 && len != 2 && len != 4) || (off & (len - 1))) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	if (is_write) {
		for (unsigned i = 0; i < len; i++)
			v |= (uint32_t)data[i] << (8 * i);
		d->ops->cfg_write(d->opaque, off, len, v);
	} else {
		v = d->ops->cfg_read(d->opaque, off, len);
		for (unsigned i = 0; i < len; i++)
			data[i] = (uint8_t)(v >> (8 * i));
	}
}

/* Mechanism #1: 0xCF8 latches enable(31) bus(23:16) dev(15:11) fn(10:8)
 * reg(7:2); 0xCFC..0xCFF reach the latched register. Only bus 0, function
 * 0 exist; everything else reads as ones. */
void pci_conf1_io(void *opaque, uint64_t off, uint8_t *data, unsigned len, bool is_write)
{
	struct pci_bus *bus = opaque;
	const struct pci_fn *d = NULL;
	uint32_t a;

	pthread_mutex_lock(&bus->lock);
	if (off < 4) {
		if (off == 0 && len == 4) {
			if (is_write) {
				memcpy(&a, data, 4);
				bus->conf1_addr = a & 0x80fffffcu;
			} else {
				memcpy(data, &bus->conf1_addr, 4);
			}
		} else if (!is_write) {
			memset(data, 0xff, len);
		}
	} else {
		a = bus->conf1_addr;
		if ((a & 0x80000000u) && ((a >> 16) & 0xff) == 0 && ((a >> 8) & 7) == 0)
			d = &bus->fn[(a >> 11) & 0x1f];
		cfg_access(d, (a & 0xfc) + (unsigned)(off - 4), data, len, is_write);
	}
	pthread_mutex_unlock(&bus->lock);
}

/* ECAM: bus(27:20) dev(19:15) fn(14:12) reg(11:0). Extended config space
 * (256..4095) reads as zeros: no extended capabilities. */
void pci_ecam_io(void *opaque, uint64_t off, uint8_t *data, unsigned len, bool is_write)
{
	struct pci_bus *bus = opaque;
	const struct pci_fn *d = NULL;
	unsigned reg = (unsigned)(off & 0xfff);

	pthread_mutex_lock(&bus->lock);
	if ((off >> 20) == 0 && ((off >> 12) & 7) == 0)
		d = &bus->fn[(off >> 15) & 0x1f];
	if (d && d->ops && reg >= PCI_CFG_SIZE) {
		if (!is_write)
			memset(data, 0, len);
	} else {
		cfg_access(d, reg, data, len, is_write);
	}
	pthread_mutex_unlock(&bus->lock);
}
