/* The messages between airlock and a device process (vmm/sandbox.c): a
 * fixed-size, versioned format, checked on receipt by both sides. Pure
 * code, unit-tested.
 *
 * airlock -> device: a request (BAR0 or config-space access, console
 * input, stats), answered by exactly one reply. The reply carries the
 * value read and the actions the access caused that only airlock can
 * perform with KVM (map or unmap BAR0 / the bounce region, point an MSI
 * route). device -> airlock, unasked, on a second socket: events (the INTx
 * line level). */
#ifndef AIRLOCK_SANDBOX_MSG_H
#define AIRLOCK_SANDBOX_MSG_H

#include <stdbool.h>
#include <stdint.h>

#define SB_VERSION      2
#define SB_MAX_ACTIONS  8
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

enum sb_action_type {
	SB_ACT_MAP_BAR = 1,     /* addr, on */
	SB_ACT_MAP_BOUNCE,      /* addr, on */
	SB_ACT_IRQ_ROUTE,       /* gsi, addr, data */
	SB_ACT_MAX
};

struct sb_action {
	uint16_t type, on;
	int32_t gsi;
	uint32_t data;
	uint64_t addr;
};

struct sb_stats {
	uint64_t chains, read, written, faults, denied;
};

struct sb_reply {
	uint16_t version, nactions;
	uint32_t seq;           /* the request's */
	uint32_t status;        /* 0, or an errno for a refused request */
	uint64_t val;           /* value read / bytes taken */
	struct sb_action act[SB_MAX_ACTIONS];
	struct sb_stats stats;
};

enum sb_event_type { SB_EV_INTX = 1 };

struct sb_event {
	uint16_t version, type;
	uint32_t level;
};

/* What a request or reply may say, given the device: 0, or -EPROTO. The
 * device checks requests; airlock checks replies and events (a device
 * process is not trusted). gsis are the MSI routes airlock allocated for
 * the device (a route action must name one of them); seq is the request's
 * (a reply to any other, queued early or late, is a protocol error). */
int sb_check_req(const struct sb_req *r, unsigned bar_size);
int sb_check_reply(const struct sb_reply *r, uint32_t seq, const int *gsis, unsigned ngsis);
int sb_check_event(const struct sb_event *e);

#endif
