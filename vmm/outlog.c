#include "outlog.h"

#include <stdio.h>
#include <string.h>

static const char PANIC[] = "Kernel panic - not syncing";
static const char PANIC_END[] = "---[ end Kernel panic";

void outlog_init(struct outlog *o)
{
	memset(o, 0, sizeof(*o));
}

/* Does the output end with pat? Checked on the pattern's last byte only. */
static bool ends_with(const struct outlog *o, const char *pat, size_t plen, uint8_t b)
{
	if (b != (uint8_t)pat[plen - 1] || o->head < plen)
		return false;
	for (size_t i = 0; i < plen; i++)
		if (o->ring[(o->head - plen + i) % OUTLOG_SIZE] != pat[i])
			return false;
	return true;
}

void outlog_set_mark(struct outlog *o, const char *mark)
{
	snprintf(o->mark, sizeof(o->mark), "%s", mark ? mark : "");
	o->mark_len = strlen(o->mark);
	o->mark_seen = false;
}

unsigned outlog_feed(struct outlog *o, uint8_t b)
{
	unsigned hit = 0;

	o->ring[o->head++ % OUTLOG_SIZE] = (char)b;
	if (o->panic == OUTLOG_NO_PANIC && ends_with(o, PANIC, sizeof(PANIC) - 1, b)) {
		o->panic = OUTLOG_PANIC;
		o->panic_at = o->head - (sizeof(PANIC) - 1);
		hit |= OUTLOG_HIT_PANIC;
	}
	if (o->panic != OUTLOG_PANIC_ENDED && ends_with(o, PANIC_END, sizeof(PANIC_END) - 1, b)) {
		o->panic = OUTLOG_PANIC_ENDED;
		hit |= OUTLOG_HIT_PANIC;
	}
	if (o->mark_len && !o->mark_seen && ends_with(o, o->mark, o->mark_len, b)) {
		o->mark_seen = true;
		hit |= OUTLOG_HIT_MARK;
	}
	return hit;
}

size_t outlog_tail(const struct outlog *o, unsigned n, char *buf, size_t len)
{
	size_t have = o->head < OUTLOG_SIZE ? o->head : OUTLOG_SIZE, start = o->head - have, from, out = 0;
	unsigned lines = 0;

	if (!len)
		return 0;
	/* Back from the end to the start of the n-th last line (a last line
	 * without its newline counts). */
	from = o->head;
	if (from > start && o->ring[(from - 1) % OUTLOG_SIZE] == '\n')
		from--;
	while (from > start && lines < n) {
		if (o->ring[(from - 1) % OUTLOG_SIZE] == '\n' && ++lines == n)
			break;
		from--;
	}
	/* Too much for buf: the newest bytes (the end matters most). */
	if (o->head - from > len - 2)
		from = o->head - (len - 2);
	for (size_t i = from; i < o->head && out + 2 < len; i++) {
		char c = o->ring[i % OUTLOG_SIZE];

		if (c == '\n' || (c >= 0x20 && c < 0x7f) || c == '\t')
			buf[out++] = c;
	}
	if (out && buf[out - 1] != '\n')
		buf[out++] = '\n';
	buf[out] = '\0';
	return out;
}

size_t outlog_panic_line(const struct outlog *o, char *buf, size_t len)
{
	size_t out = 0;

	if (!len || o->panic == OUTLOG_NO_PANIC || o->head - o->panic_at > OUTLOG_SIZE) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	for (size_t i = o->panic_at; i < o->head && out + 1 < len; i++) {
		char c = o->ring[i % OUTLOG_SIZE];

		if (c == '\n' || c == '\r')
			break;
		if (c >= 0x20 && c < 0x7f)
			buf[out++] = c;
	}
	buf[out] = '\0';
	return out;
}
