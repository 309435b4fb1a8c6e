#include "sandbox_msg.h"

#include <errno.h>

static bool access_len_ok(uint32_t len)
{
	return len == 1 || len == 2 || len == 4 || len == 8;
}

int sb_check_req(const struct sb_req *r, unsigned bar_size)
{
	if (r->version != SB_VERSION)
		return -EPROTO;
	switch (r->type) {
	case SB_BAR_READ:
	case SB_BAR_WRITE:
		if (!access_len_ok(r->len) || r->off >= bar_size || r->len > bar_size - r->off)
			return -EPROTO;
		return 0;
	case SB_CFG_READ:
	case SB_CFG_WRITE:
		if (r->len != 1 && r->len != 2 && r->len != 4)
			return -EPROTO;
		if (r->off >= 256 || r->len > 256 - r->off)
			return -EPROTO;
		return 0;
	case SB_CONSOLE_INPUT:
		return r->len <= SB_MAX_INPUT ? 0 : -EPROTO;
	case SB_STATS:
		return 0;
	}
	return -EPROTO;
}

int sb_check_reply(const struct sb_reply *r, uint32_t seq)
{
	if (r->version != SB_VERSION || r->seq != seq || r->pad)
		return -EPROTO;
	return 0;
}

int sb_check_event(const struct sb_event *e)
{
	if (e->version != SB_VERSION || e->type != SB_EV_INTX || e->level > 1)
		return -EPROTO;
	return 0;
}
