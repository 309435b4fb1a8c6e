/* The device-process messages: what each side accepts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/sandbox_msg.h"

static struct sb_req req(uint16_t type, uint32_t off, uint32_t len)
{
	return (struct sb_req){ .version = SB_VERSION, .type = type, .off = off, .len = len };
}

static void register_accesses_must_fit_and_have_a_real_size(void **state)
{
	struct sb_req r;

	(void)state;
	r = req(SB_BAR_READ, 0x14, 1);
	assert_int_equal(sb_check_req(&r, 0x8000), 0);
	r = req(SB_BAR_WRITE, 0x7ff8, 8);
	assert_int_equal(sb_check_req(&r, 0x8000), 0);
	r = req(SB_BAR_WRITE, 0x7ffc, 8);       /* runs past the BAR */
	assert_int_equal(sb_check_req(&r, 0x8000), -EPROTO);
	r = req(SB_BAR_READ, 0x8000, 1);
	assert_int_equal(sb_check_req(&r, 0x8000), -EPROTO);
	r = req(SB_BAR_READ, 0xffffffff, 4);    /* off + len wraps */
	assert_int_equal(sb_check_req(&r, 0x8000), -EPROTO);
	r = req(SB_BAR_READ, 0, 3);
	assert_int_equal(sb_check_req(&r, 0x8000), -EPROTO);
	r = req(SB_CFG_WRITE, 0xfc, 4);
	assert_int_equal(sb_check_req(&r, 0x8000), 0);
	r = req(SB_CFG_WRITE, 0xfe, 4);
	assert_int_equal(sb_check_req(&r, 0x8000), -EPROTO);
	r = req(SB_CFG_READ, 0x100, 1);
	assert_int_equal(sb_check_req(&r, 0x8000), -EPROTO);
	r = req(SB_CFG_READ, 0, 8);             /* config space: 1, 2 or 4 */
	assert_int_equal(sb_check_req(&r, 0x8000), -EPROTO);
}

static void other_requests_and_versions(void **state)
{
	struct sb_req r;

	(void)state;
	r = req(SB_CONSOLE_INPUT, 0, SB_MAX_INPUT);
	assert_int_equal(sb_check_req(&r, 0x8000), 0);
	r = req(SB_CONSOLE_INPUT, 0, SB_MAX_INPUT + 1);
	assert_int_equal(sb_check_req(&r, 0x8000), -EPROTO);
	r = req(SB_STATS, 0, 0);
	assert_int_equal(sb_check_req(&r, 0x8000), 0);
	r = req(SB_REQ_MAX, 0, 0);
	assert_int_equal(sb_check_req(&r, 0x8000), -EPROTO);
	r = req(0, 0, 0);
	assert_int_equal(sb_check_req(&r, 0x8000), -EPROTO);
	r = req(SB_STATS, 0, 0);
	r.version = SB_VERSION + 1;
	assert_int_equal(sb_check_req(&r, 0x8000), -EPROTO);
}

static void replies_may_route_only_the_devices_own_gsis(void **state)
{
	const int gsis[3] = { 24, 25, -1 };
	struct sb_reply r = { .version = SB_VERSION, .seq = 7, .nactions = 1 };

	(void)state;
	assert_int_equal(sb_check_reply(&r, 7, gsis, 3), -EPROTO);   /* action type 0 */
	r.act[0] = (struct sb_action){ .type = SB_ACT_IRQ_ROUTE, .gsi = 25, .addr = 0xfee00000 };
	assert_int_equal(sb_check_reply(&r, 7, gsis, 3), 0);
	r.act[0].gsi = 26;                       /* another device's route */
	assert_int_equal(sb_check_reply(&r, 7, gsis, 3), -EPROTO);
	r.act[0].gsi = -1;                       /* the unused slot */
	assert_int_equal(sb_check_reply(&r, 7, gsis, 3), -EPROTO);
	r.act[0].gsi = 2;                        /* an irqchip pin */
	assert_int_equal(sb_check_reply(&r, 7, gsis, 3), -EPROTO);
}

static void replies_map_only_aligned_addresses_and_not_too_many(void **state)
{
	const int gsis[1] = { 24 };
	struct sb_reply r = { .version = SB_VERSION, .seq = 7, .nactions = 2 };

	(void)state;
	r.act[0] = (struct sb_action){ .type = SB_ACT_MAP_BAR, .on = 1, .addr = 0xc0000000 };
	r.act[1] = (struct sb_action){ .type = SB_ACT_MAP_BOUNCE, .on = 0, .addr = 0 };
	assert_int_equal(sb_check_reply(&r, 7, gsis, 1), 0);
	r.act[0].addr = 0xc0000800;
	assert_int_equal(sb_check_reply(&r, 7, gsis, 1), -EPROTO);
	r.act[0].addr = 0xc0000000;
	r.act[0].on = 2;
	assert_int_equal(sb_check_reply(&r, 7, gsis, 1), -EPROTO);
	r.act[0].on = 1;
	r.nactions = SB_MAX_ACTIONS + 1;
	assert_int_equal(sb_check_reply(&r, 7, gsis, 1), -EPROTO);
	r.nactions = 0;
	r.version = 0;
	assert_int_equal(sb_check_reply(&r, 7, gsis, 1), -EPROTO);
}

/* A reply is to one request: another's sequence number is refused. */
static void a_reply_must_echo_its_requests_sequence_number(void **state)
{
	const int gsis[1] = { 24 };
	struct sb_reply r = { .version = SB_VERSION, .seq = 7 };

	(void)state;
	assert_int_equal(sb_check_reply(&r, 7, gsis, 1), 0);
	assert_int_equal(sb_check_reply(&r, 8, gsis, 1), -EPROTO);   /* queued ahead */
	assert_int_equal(sb_check_reply(&r, 6, gsis, 1), -EPROTO);   /* a late one */
}

static void events_are_intx_levels(void **state)
{
	struct sb_event e = { SB_VERSION, SB_EV_INTX, 1 };

	(void)state;
	assert_int_equal(sb_check_event(&e), 0);
	e.level = 2;
	assert_int_equal(sb_check_event(&e), -EPROTO);
	e.level = 0;
	e.type = 7;
	assert_int_equal(sb_check_event(&e), -EPROTO);
	e.type = SB_EV_INTX;
	e.version = 9;
	assert_int_equal(sb_check_event(&e), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(register_accesses_must_fit_and_have_a_real_size),
		cmocka_unit_test(other_requests_and_versions),
		cmocka_unit_test(replies_may_route_only_the_devices_own_gsis),
		cmocka_unit_test(replies_map_only_aligned_addresses_and_not_too_many),
		cmocka_unit_test(a_reply_must_echo_its_requests_sequence_number),
		cmocka_unit_test(events_are_intx_levels),
	};
	return cmocka_run_group_tests_name("sandbox_msg", tests, NULL, NULL);
}
