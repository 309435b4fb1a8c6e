/* The narrow handles the VM (vm.c with its arch) gives the parts it owns, so
 * that none of them needs struct vm: each names one thing a part may do to
 * the VM. Like the UART's callbacks, they are a function and its opaque. */
#ifndef AIRLOCK_HANDLES_H
#define AIRLOCK_HANDLES_H

#include <stddef.h>

/* Asks the VM to stop with an exit status; the first request wins (any
 * thread). */
struct exit_latch {
	void (*request)(void *opaque, int status, const char *why);
	void *opaque;
};

static inline void exit_latch_fire(const struct exit_latch *l, int status, const char *why)
{
	l->request(l->opaque, status, why);
}

/* Drives an interrupt line (a GSI) of the in-kernel irqchip. */
struct irq_lines {
	void (*set)(void *opaque, unsigned gsi, int level);
	void *opaque;
};

static inline void irq_lines_set(const struct irq_lines *l, unsigned gsi, int level)
{
	l->set(l->opaque, gsi, level);
}

/* A mapping of this process that a device process must drop (guest RAM, a
 * vCPU's state). */
struct host_mapping {
	void *addr;
	size_t len;
};

#endif
