/* libFuzzer: MSI-X table and PBA accesses, message control writes and
 * vector notifications in any order, at any offset and size. */
#include "devices/msix.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void fire(void *o, unsigned vec) { (void)o; if (vec >= 8) abort(); }
static void route(void *o, unsigned vec, uint64_t a, uint32_t d) { (void)o; (void)a; (void)d; if (vec >= 8) abort(); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pci_dev dev;
	struct msix m;

	pci_dev_init(&dev, 0x1af4, 0x1042, 0x01800001, 0x1af4, 0x1100);
	pci_dev_add_bar(&dev, 0, 0x8000, false, false);
	if (msix_init(&m, &dev, 8, 0, 0x4000, 0x5000) < 0)
		abort();
	m.fire = fire;
	m.route = route;
	for (size_t i = 0; i + 8 <= size; i += 8) {
		const uint8_t *op = data + i;
		unsigned len = 1 + op[1] % 8;         /* every length a vCPU can issue */
		uint8_t buf[8];
		uint64_t off = (uint64_t)(op[2] | op[3] << 8);

		memcpy(buf, op, 8);
		switch (op[0] % 4) {
		case 0:
			msix_table_io(&m, off % 0x100, buf, len, op[1] & 0x80);
			break;
		case 1:
			msix_pba_io(&m, off % 16, buf, len, op[1] & 0x80);
			break;
		case 2:
			pci_cfg_write(&dev, m.cap + 2, 2, (uint32_t)(op[4] | op[5] << 8));
			msix_control_written(&m);
			break;
		case 3:
			(void)msix_notify(&m, op[4] % 8);
			break;
		}
	}
	msix_destroy(&m);
	return 0;
}
