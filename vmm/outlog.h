/* What the guest printed on its console, as airlock remembers it: the last
 * lines (for a message when the guest crashed, panicked or ran out of
 * time) and whether a kernel panic went by. Pure; the console feeds it
 * every byte. */
#ifndef AIRLOCK_OUTLOG_H
#define AIRLOCK_OUTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OUTLOG_SIZE 4096

enum outlog_panic {
	OUTLOG_NO_PANIC,
	OUTLOG_PANIC,           /* "Kernel panic - not syncing" */
	OUTLOG_PANIC_ENDED,     /* "---[ end Kernel panic": the kernel stopped there */
};

#define OUTLOG_MARK_MAX 128

struct outlog {
	char ring[OUTLOG_SIZE];
	char mark[OUTLOG_MARK_MAX + 1];   /* a string to watch for ("": none) */
	size_t mark_len;
	bool mark_seen;
	size_t head;            /* bytes ever fed */
	size_t panic_at;        /* where "Kernel panic" began (valid with panic) */
	enum outlog_panic panic;
};

void outlog_init(struct outlog *o);
/* Watch for mark (at most OUTLOG_MARK_MAX bytes) too. */
void outlog_set_mark(struct outlog *o, const char *mark);

#define OUTLOG_HIT_PANIC 1u     /* a panic pattern completed (o->panic says which) */
#define OUTLOG_HIT_MARK  2u     /* the mark, the first time */
/* One byte of console output; what it completed (OUTLOG_HIT_*), or 0. */
unsigned outlog_feed(struct outlog *o, uint8_t byte);
/* The last n lines (at most what the ring holds), without control bytes,
 * each ending in '\n', into buf; returns the length. */
size_t outlog_tail(const struct outlog *o, unsigned n, char *buf, size_t len);
/* The line "Kernel panic - not syncing: ..." into buf, while the ring
 * still holds it; 0 when there is none. */
size_t outlog_panic_line(const struct outlog *o, char *buf, size_t len);

#endif
