/* Host memory the VMM maps for the guest. Guest RAM: one memfd, split into
 * guest-physical regions by the architecture's memory map; and each device's
 * bounce region. Only the VMM core and the boot
 * loaders hold this object; device code never sees it (devices/dma.h). */
#ifndef AIRLOCK_MEM_H
#define AIRLOCK_MEM_H

#include "../devices/isolation.h"

#include <stddef.h>
#include <stdint.h>

#define MEM_MAX_REGIONS 4

struct mem_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t offset;        /* into the memfd */
};

struct mem_layout {
	unsigned nr;
	struct mem_region r[MEM_MAX_REGIONS];
};

struct guest_mem {
	int fd;
	uint8_t *host;          /* mapping of the whole memfd */
	uint64_t size;
	struct mem_layout layout;
};

/* Creates the memfd and maps it. Returns 0 or -errno. */
int guest_mem_create(struct guest_mem *mem, const struct mem_layout *layout);
void guest_mem_destroy(struct guest_mem *mem);

/* A device's bounce region: a memfd of size bytes (bounce_size_valid),
 * mapped here; the device process keeps the mapping of its own. 0 or
 * -errno. */
int bounce_region_create(struct bounce_region *b, uint64_t size);
void bounce_region_destroy(struct bounce_region *b);

/* Host pointer for [gpa, gpa+len) if that range lies wholly inside one RAM
 * region, with overflow checks; NULL otherwise. len 0 is refused. */
void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* Does the layout hold [gpa, gpa+len) in one region? Pure; for the loaders. */
int mem_layout_contains(const struct mem_layout *l, uint64_t gpa, uint64_t len);

#endif
