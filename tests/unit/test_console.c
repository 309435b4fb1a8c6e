/* The console escape: Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/console.h"

static void ordinary_bytes_pass_through(void **state)
{
	int st = 0, quit;
	uint8_t out[2];

	(void)state;
	assert_int_equal(console_escape(&st, 'a', out, &quit), 1);
	assert_int_equal(out[0], 'a');
	assert_false(quit);
	assert_int_equal(console_escape(&st, 0x03, out, &quit), 1);   /* Ctrl-C goes to the guest */
	assert_int_equal(out[0], 0x03);
}

static void ctrl_a_x_quits(void **state)
{
	int st = 0, quit;
	uint8_t out[2];

	(void)state;
	assert_int_equal(console_escape(&st, CONSOLE_ESCAPE, out, &quit), 0);
	assert_false(quit);
	assert_int_equal(console_escape(&st, 'x', out, &quit), 0);
	assert_true(quit);
}

static void ctrl_a_twice_sends_one_ctrl_a(void **state)
{
	int st = 0, quit;
	uint8_t out[2];

	(void)state;
	console_escape(&st, CONSOLE_ESCAPE, out, &quit);
	assert_int_equal(console_escape(&st, CONSOLE_ESCAPE, out, &quit), 1);
	assert_int_equal(out[0], CONSOLE_ESCAPE);
	assert_false(quit);
	assert_int_equal(console_escape(&st, 'x', out, &quit), 1);     /* escape consumed */
	assert_false(quit);
}

static void ctrl_a_then_another_key_sends_both(void **state)
{
	int st = 0, quit;
	uint8_t out[2];

	(void)state;
	console_escape(&st, CONSOLE_ESCAPE, out, &quit);
	assert_int_equal(console_escape(&st, 'b', out, &quit), 2);
	assert_int_equal(out[0], CONSOLE_ESCAPE);
	assert_int_equal(out[1], 'b');
	assert_false(quit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ordinary_bytes_pass_through),
		cmocka_unit_test(ctrl_a_x_quits),
		cmocka_unit_test(ctrl_a_twice_sends_one_ctrl_a),
		cmocka_unit_test(ctrl_a_then_another_key_sends_both),
	};
	return cmocka_run_group_tests_name("console", tests, NULL, NULL);
}
