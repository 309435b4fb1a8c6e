/* The messages between airlock and a device process (vmm/sandbox.c): a
 * fixed-size, versioned format, checked on receipt by both sides. Pure
 * code, unit-tested.
 *
 * airlock -> device: a request (BAR0 or config-space access, console
 * input, stats), answered by exactly one reply: the value read. What only
 * airlock can do with KVM (map BAR0 and the bounce region, point MSI
 * routes) it does from its own copy of what the guest wrote, never on the
 * device's word. device -> airlock, unasked, on a second socket: events
 * (the INTx line level). */
#ifndef AIRLOCK_SANDBOX_MSG_H
#define AIRLOCK_SANDBOX_MSG_H

#include "../devices/virtio_pci.h"

#include <stdbool.h>
#include <stdint.h>

#define SB_VERSION      3
#define SB_MAX_INPUT    64

enum sb_req_type {
	SB_BAR_READ = 1,    /* off, len */
	SB_BAR_WRITE,       /* off, len, val */
	SB_CFG_READ,        /* off, len */
	SB_CFG_WRITE,       /* off, len, val */
	SB_CONSOLE_INPUT,   /* len bytes of data */
	SB_STATS,
	SB_REQ_MAX
};

struct sb_req {
	uint16_t version, type;
	uint32_t seq;           /* airlock's count; the reply must echo it */
	uint32_t off, len;
	uint64_t val;
	uint8_t data[SB_MAX_INPUT];
};

struct sb_reply {
	uint16_t version, pad;
	uint32_t seq;           /* the request's */
	uint32_t status;        /* 0, or an errno for a refused request */
	uint64_t val;           /* value read / bytes taken */
	struct vp_counters stats;       /* SB_STATS */
};

enum sb_event_type { SB_EV_INTX = 1 };

struct sb_event {
	uint16_t version, type;
	uint32_t level;
};

/* What a request or reply may say, given the device: 0, or -EPROTO. The
 * device checks requests; airlock checks replies and events (a device
 * process is not trusted). seq is the request's: a reply to any other,
 * queued early or late, is a protocol error. */
int sb_check_req(const struct sb_req *r, unsigned bar_size);
int sb_check_reply(const struct sb_reply *r, uint32_t seq);
int sb_check_event(const struct sb_event *e);

#endif
