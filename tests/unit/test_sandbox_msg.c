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

/* A reply is to one request: another's sequence number is refused. */
static void a_reply_must_echo_its_requests_sequence_number(void **state)
{
	struct sb_reply r = { .version = SB_VERSION, .seq = 7 };

	(void)state;
	assert_int_equal(sb_check_reply(&r, 7), 0);
	assert_int_equal(sb_check_reply(&r, 8), -EPROTO);       /* queued ahead */
	assert_int_equal(sb_check_reply(&r, 6), -EPROTO);       /* a late one */
	r.version = SB_VERSION - 1;
	assert_int_equal(sb_check_reply(&r, 7), -EPROTO);
	r.version = SB_VERSION;
	r.pad = 1;
	assert_int_equal(sb_check_reply(&r, 7), -EPROTO);
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
		cmocka_unit_test(a_reply_must_echo_its_requests_sequence_number),
		cmocka_unit_test(events_are_intx_levels),
	};
	return cmocka_run_group_tests_name("sandbox_msg", tests, NULL, NULL);
}
