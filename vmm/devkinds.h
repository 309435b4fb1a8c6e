/* The virtio device kinds airlock offers, one row each: the CLI takes
 * their options, profile keys and --help lines from here, the VM their
 * constructors (in this order, which fixes their PCI slots). A new kind
 * (vhost-user, DMB variants) is one row and its functions. */
#ifndef AIRLOCK_DEVKINDS_H
#define AIRLOCK_DEVKINDS_H

#include "config.h"
#include "parse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct virtio_device;

struct device_kind {
	const char *name;               /* the model's: "virtio-blk" */
	const char *option;             /* its flag and profile key, or NULL (set by another option) */
	bool flag;                      /* the option takes no value */
	bool repeatable;                /* in a profile too */
	const char *usage;              /* its --help lines, or NULL */
	enum cli_action (*parse)(const char *val, struct vm_config *cfg, char *err, size_t errlen);
	/* How many the configuration asks for, and the i-th one (its bounce
	 * region size in *bounce: 0 for the global --bounce). NULL after one
	 * error line. */
	unsigned (*count)(const struct vm_config *cfg);
	struct virtio_device *(*create)(const struct vm_config *cfg, unsigned i, uint64_t *bounce);
	bool console_input;             /* typed input goes to it (hvc0) */
};

extern const struct device_kind device_kinds[];
extern const unsigned device_nkinds;

#endif
