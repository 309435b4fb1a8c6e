/* The console's memory of what the guest printed (vmm/outlog.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/outlog.h"

static struct outlog o;

static void feed(const char *s)
{
	while (*s)
		outlog_feed(&o, (uint8_t)*s++);
}

static void the_last_lines(void **state)
{
	char buf[256];

	(void)state;
	outlog_init(&o);
	assert_int_equal(outlog_tail(&o, 3, buf, sizeof(buf)), 0);
	feed("one\r\ntwo\r\nthree\r\nfour");
	outlog_tail(&o, 2, buf, sizeof(buf));
	assert_string_equal(buf, "three\nfour\n");
	feed("\r\n");
	outlog_tail(&o, 2, buf, sizeof(buf));
	assert_string_equal(buf, "three\nfour\n");
	outlog_tail(&o, 10, buf, sizeof(buf));
	assert_string_equal(buf, "one\ntwo\nthree\nfour\n");
}

static void the_ring_keeps_the_end(void **state)
{
	char buf[64];

	(void)state;
	outlog_init(&o);
	for (int i = 0; i < 3 * OUTLOG_SIZE; i++)
		outlog_feed(&o, i % 7 == 6 ? '\n' : 'x');
	feed("\nlast\n");
	outlog_tail(&o, 1, buf, sizeof(buf));
	assert_string_equal(buf, "last\n");
	/* A buffer too small for the lines: the newest bytes, still a string. */
	outlog_tail(&o, 50, buf, 8);
	assert_string_equal(buf, "\nlast\n");
}

static void a_panic_is_seen(void **state)
{
	char buf[128];

	(void)state;
	outlog_init(&o);
	feed("[ 1.0] KKernel panic - not syncin");
	assert_int_equal(o.panic, OUTLOG_NO_PANIC);
	assert_int_equal(outlog_feed(&o, 'g'), OUTLOG_HIT_PANIC);
	assert_int_equal(o.panic, OUTLOG_PANIC);
	feed(": sysrq triggered crash\r\nCPU: 0 PID: 1\n");
	outlog_panic_line(&o, buf, sizeof(buf));
	assert_string_equal(buf, "Kernel panic - not syncing: sysrq triggered crash");
	feed("----[ end Kernel panic - not syncing ]---\n");
	assert_int_equal(o.panic, OUTLOG_PANIC_ENDED);
	/* Gone from the ring: no line. */
	for (int i = 0; i < OUTLOG_SIZE; i++)
		outlog_feed(&o, 'y');
	assert_int_equal(outlog_panic_line(&o, buf, sizeof(buf)), 0);
}

static void the_mark_is_seen_once(void **state)
{
	unsigned hits = 0;

	(void)state;
	outlog_init(&o);
	outlog_set_mark(&o, "GUEST-UP");
	for (const char *p = "booting\nGUEST-U"; *p; p++)
		hits |= outlog_feed(&o, (uint8_t)*p);
	assert_int_equal(hits, 0);
	assert_int_equal(outlog_feed(&o, 'P'), OUTLOG_HIT_MARK);
	hits = 0;
	for (const char *p = "\nGUEST-UP\n"; *p; p++)
		hits |= outlog_feed(&o, (uint8_t)*p);
	assert_int_equal(hits, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_last_lines),
		cmocka_unit_test(the_ring_keeps_the_end),
		cmocka_unit_test(a_panic_is_seen),
		cmocka_unit_test(the_mark_is_seen_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
