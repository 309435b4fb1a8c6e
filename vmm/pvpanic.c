#include "pvpanic.h"

#include "config.h"
#include "iobus.h"
#include "../lib/log.h"
#include "pciwin.h"
#include "../devices/pci.h"

#include <stdlib.h>
#include <string.h>

#define PVPANIC_PANICKED     (1u << 0)
#define PVPANIC_CRASH_LOADED (1u << 1)
#define PVPANIC_BAR_SIZE     16

struct pvpanic {
	struct pci_dev pci;
	struct iobus *bus;
	struct pci_windows *win;
	struct exit_latch panicked;
	uint64_t addr;
	bool mapped;
	bool said_crash_loaded, said_bad_bar;   /* each said once: a guest cannot flood the log */
};

/* BAR0: reading says which events we take, writing reports one. */
static void pvpanic_io(void *opaque, uint64_t off, uint8_t *data, unsigned len, bool is_write)
{
	struct pvpanic *p = opaque;

	if (!is_write) {
		memset(data, 0, len);
		if (off == 0)
			data[0] = PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;
		return;
	}
	if (off != 0)
		return;
	if (data[0] & PVPANIC_PANICKED)
		exit_latch_fire(&p->panicked, EXIT_GUEST_CRASH, "guest panicked (pvpanic)");
	else if ((data[0] & PVPANIC_CRASH_LOADED) && !p->said_crash_loaded) {
		pr_info("pvpanic: the guest panicked and runs its crash kernel");
		p->said_crash_loaded = true;
	}
}

static void bar_changed(struct pci_dev *d, int bar, uint64_t addr, bool mapped)
{
	struct pvpanic *p = d->opaque;

	if (bar != 0)
		return;
	if (p->mapped)
		iobus_unregister(p->bus, IO_MMIO, p->addr, p);
	p->mapped = false;
	if (!mapped)
		return;
	if (!pci_windows_contains(p->win, addr, PVPANIC_BAR_SIZE) ||
	    iobus_register(p->bus, IO_MMIO, addr, PVPANIC_BAR_SIZE, pvpanic_io, p, "pvpanic") < 0) {
		if (!p->said_bad_bar)
			pr_warn("pvpanic: BAR0 at %#llx is outside the PCI windows or over another range; not mapped",
				(unsigned long long)addr);
		p->said_bad_bar = true;
		return;
	}
	p->addr = addr;
	p->mapped = true;
}

struct pvpanic *pvpanic_add(struct pci_bus *pci, struct pci_windows *win, struct iobus *bus,
			    struct exit_latch panicked)
{
	struct pvpanic *p = calloc(1, sizeof(*p));
	uint64_t at;

	if (!p) {
		pr_err("pvpanic: out of memory");
		return NULL;
	}
	p->bus = bus;
	p->win = win;
	p->panicked = panicked;
	/* Red Hat's vendor ID, as QEMU's; class "other system peripheral". */
	pci_dev_init(&p->pci, 0x1b36, 0x0011, 0x08800001, 0x1af4, 0x1100);
	p->pci.opaque = p;
	p->pci.name = "pvpanic";
	p->pci.bar_changed = bar_changed;
	at = pci_windows_alloc(win, PVPANIC_BAR_SIZE, false);
	if (pci_dev_add_bar(&p->pci, 0, PVPANIC_BAR_SIZE, false, false) < 0 || !at ||
	    pci_bus_add(pci, &p->pci) < 0) {
		pr_warn("pvpanic: no room on the PCI bus; running without it");
		free(p);
		return NULL;
	}
	pci_cfg_write(&p->pci, PCI_BASE_ADDRESS_0, 4, (uint32_t)at);
	return p;
}

void pvpanic_destroy(struct pvpanic *p)
{
	if (p && p->mapped)
		iobus_unregister(p->bus, IO_MMIO, p->addr, p);
	free(p);
}
