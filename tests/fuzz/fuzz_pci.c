/* libFuzzer: PCI configuration space access sequences, through config
 * mechanism #1 and ECAM, on a bus with the host bridge and a device with
 * 32- and 64-bit BARs and capabilities. Invariants: read-only bytes stay
 * read-only, BAR changes are reported consistently. */
#include "devices/pci.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int mapped_bars;

static void bar_changed(struct pci_dev *d, int bar, uint64_t addr, bool mapped)
{
	(void)d;
	(void)addr;
	if (bar < 0 || bar >= PCI_NR_BARS)
		abort();
	mapped_bars += mapped ? 1 : -1;
	if (mapped_bars < 0 || mapped_bars > PCI_NR_BARS)
		abort();        /* unmapped twice, or mapped twice */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t cap[8] = { 0x09, 0, 8, 1, 2, 3, 4, 5 }, wmask[8] = { 0, 0, 0, 0xff, 0xff };
	struct pci_bus bus;
	struct pci_dev hb, d;

	pci_bus_init(&bus);
	pci_bus_add_host_bridge(&bus, &hb);
	pci_dev_init(&d, 0x1af4, 0x1042, 0x01800001, 0x1af4, 0x1100);
	d.bar_changed = bar_changed;
	mapped_bars = 0;
	pci_dev_add_bar(&d, 0, 0x8000, false, false);
	pci_dev_add_bar(&d, 2, 1 << 20, true, true);
	pci_dev_add_cap(&d, cap, wmask, sizeof(cap));
	pci_bus_add(&bus, &d);

	for (size_t i = 0; i + 8 <= size; i += 8) {
		const uint8_t *op = data + i;
		uint32_t val;
		uint8_t buf[8] = { 0 };
		unsigned len = 1 + op[1] % 8;         /* every length a vCPU can issue */

		memcpy(&val, op + 4, 4);
		memcpy(buf, &val, 4);
		switch (op[0] % 3) {
		case 0:         /* mechanism #1: latch, then data */
			memcpy(buf, &val, 4);
			pci_conf1_io(&bus, op[2] % 8, buf, len, op[3] & 1);
			break;
		case 1: {       /* ECAM */
			uint64_t off = ((uint64_t)op[2] << 12 | (uint64_t)op[3] << 4 | (op[1] >> 2)) % PCI_ECAM_SIZE;

			pci_ecam_io(&bus, off & ~(uint64_t)(len - 1), buf, len, op[1] & 0x80);
			break;
		}
		case 2:         /* direct */
			if (op[3] & 1)
				pci_cfg_write(&d, op[2], len, val);
			else
				(void)pci_cfg_read(&d, op[2], len);
			break;
		}
		/* The identity never changes. */
		if (pci_cfg_read(&d, PCI_VENDOR_ID, 4) != 0x10421af4)
			abort();
	}
	pthread_mutex_destroy(&bus.lock);
	return 0;
}
