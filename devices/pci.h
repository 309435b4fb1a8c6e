/* PCI configuration space for emulated functions, and the bus that holds
 * them. Arch-neutral: x86 reaches it through configuration mechanism #1
 * (ports 0xCF8/0xCFC, pci_conf1_io), arm64 through ECAM (pci_ecam_io).
 *
 * Each function's 256-byte header is an image plus a mask of bits the
 * guest may write, so read-only fields stay read-only and BAR sizing
 * (all-ones writes) falls out of the mask. Whenever a write changes a
 * memory BAR's address or COMMAND.MEMORY, the owner is told, so it can map
 * or unmap what the BAR decodes. */
#ifndef AIRLOCK_PCI_H
#define AIRLOCK_PCI_H

#include <linux/pci_regs.h>   /* PCI_* register offsets and bits */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define PCI_CFG_SIZE      256
#define PCI_NR_BARS       6
#define PCI_MAX_DEVICES   32


struct pci_dev;

/* A memory BAR changed: mapped says whether it now decodes at addr. */
typedef void (*pci_bar_fn)(struct pci_dev *dev, int bar, uint64_t addr, bool mapped);
/* A config write landed in a capability (after the mask was applied). */
typedef void (*pci_cfg_fn)(struct pci_dev *dev, unsigned off, unsigned len);

struct pci_bar {
	uint64_t size;          /* 0: not implemented */
	bool is64, prefetch;
	uint64_t addr;          /* as last reported to the owner */
	bool mapped;
};

struct pci_dev {
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];
	uint8_t w1c[PCI_CFG_SIZE];  /* write-one-to-clear bits (status) */
	struct pci_bar bar[PCI_NR_BARS];
	unsigned cap_end;           /* next free byte for a capability */
	uint8_t last_cap;           /* offset of the last capability, 0 if none */
	pci_bar_fn bar_changed;
	pci_cfg_fn cap_written;
	pci_cfg_fn cap_read;        /* before a read of capability bytes */
	void (*command_written)(struct pci_dev *d);   /* after a write of PCI_COMMAND; may be NULL */
	void *opaque;
	const char *name;
};

/* A PCI function as the bus and the VM reach it: its config space and its
 * BAR0 registers. One whose state is here is a struct pci_dev with its
 * owner's BAR0 handler (virtio_pci.c); one that lives in a device process
 * is that process's proxy (vmm/sandbox.c): same operations, other side. */
struct pci_fn_ops {
	uint32_t (*cfg_read)(void *fn, unsigned off, unsigned len);
	void (*cfg_write)(void *fn, unsigned off, unsigned len, uint32_t val);
	/* BAR0 as an I/O bus handler; NULL: no BAR0 registers. */
	void (*bar0_io)(void *fn, uint64_t off, uint8_t *data, unsigned len, bool is_write);
};

struct pci_fn {
	const struct pci_fn_ops *ops;
	void *opaque;
};

/* A plain struct pci_dev (config space only), e.g. the host bridge. */
extern const struct pci_fn_ops pci_dev_fn_ops;

struct pci_bus {
	pthread_mutex_t lock;
	struct pci_fn fn[PCI_MAX_DEVICES];      /* bus 0, function 0 of each slot */
	uint32_t conf1_addr;                    /* latched at 0xCF8 */
};

void pci_dev_init(struct pci_dev *d, uint16_t vendor, uint16_t device, uint32_t class_rev,
		  uint16_t subsys_vendor, uint16_t subsys_id);

/* A memory BAR of size bytes (a power of two, at least 16); a 64-bit BAR
 * takes the next slot too. 0 or -EINVAL. */
int pci_dev_add_bar(struct pci_dev *d, int bar, uint64_t size, bool is64, bool prefetch);

/* Appends a capability (data[0] = id; data[1] is set to the chain link).
 * wmask says which of its bytes the guest may write (NULL: none). Returns
 * its offset, or -ENOSPC. */
int pci_dev_add_cap(struct pci_dev *d, const uint8_t *data, const uint8_t *wmask, unsigned len);

/* Config access at off (len 1, 2 or 4, naturally aligned; others read as
 * ones and are ignored on write). */
uint32_t pci_cfg_read(struct pci_dev *d, unsigned off, unsigned len);
void pci_cfg_write(struct pci_dev *d, unsigned off, unsigned len, uint32_t val);

/* A BAR's current guest address and whether it decodes (MEMORY set, not
 * being sized, not wrapping). */
bool pci_bar_decodes(const struct pci_dev *d, int bar, uint64_t *addr);

void pci_bus_init(struct pci_bus *bus);
/* Slot for a new function (1..31; slot 0 is the host bridge), or -ENOSPC;
 * pci_bus_add for a plain struct pci_dev. */
int pci_bus_add_fn(struct pci_bus *bus, const struct pci_fn_ops *ops, void *opaque);
int pci_bus_add(struct pci_bus *bus, struct pci_dev *d);
/* The function in slot is now reached through ops (a device process took
 * it over). Under the bus lock: no access sees half of the change. */
void pci_bus_set_fn(struct pci_bus *bus, int slot, const struct pci_fn_ops *ops, void *opaque);
/* Creates the host bridge at 00.0. */
void pci_bus_add_host_bridge(struct pci_bus *bus, struct pci_dev *hb);

/* I/O bus handler for ports 0xCF8..0xCFF (registered at 0xCF8, length 8). */
void pci_conf1_io(void *bus, uint64_t off, uint8_t *data, unsigned len, bool is_write);

/* I/O bus handler for an ECAM region of bus 0 (1 MiB, 4 KiB per function). */
#define PCI_ECAM_SIZE (1u << 20)
void pci_ecam_io(void *bus, uint64_t off, uint8_t *data, unsigned len, bool is_write);

#endif
