/* airlock's side of a device process, against scripted compromised ones on
 * a socketpair: whatever the process does, airlock never blocks past its
 * deadline, takes no reply to another request, and ends the VM (status 4)
 * after killing it; what airlock maps and routes follows the guest's
 * writes alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "devices/virtio_rng.h"
#include "vmm/config.h"
#include "lib/log.h"
#include "vmm/sandbox.h"
#include "vmm/config.h"

/* What airlock did with "KVM": the last BAR0 mapping and MSI route. */
static struct { uint64_t addr; bool mapped; int calls; } bar0;
static struct { int gsi; uint64_t addr; uint32_t data; int calls; } route;

static int map_bar(void *h, struct virtio_pci *v, uint64_t a, bool m)
{
	(void)h; (void)v;
	bar0.addr = a;
	bar0.mapped = m;
	bar0.calls++;
	return 0;
}
static int map_bounce(void *h, struct virtio_pci *v, uint64_t a, bool m) { (void)h; (void)v; (void)a; (void)m; return 0; }
static int irq_alloc(void *h, int *efd) { (void)h; *efd = -1; return 24; }
static int irq_route(void *h, struct virtio_pci *v, int g, uint64_t a, uint32_t d)
{
	(void)h; (void)v;
	route.gsi = g;
	route.addr = a;
	route.data = d;
	route.calls++;
	return 0;
}
static void intx(void *h, unsigned g, int l) { (void)h; (void)g; (void)l; }
static const struct virtio_host_ops ops = { map_bar, map_bounce, irq_alloc, irq_route, intx };

enum script { GOOD, EARLY, WRONG_SEQ, SILENT, NO_READ };

/* The VM's exit latch, as a test double: what the proxy asked for. */
static struct { bool fired; int status; char why[200]; } latch;
static void latch_request(void *o, int status, const char *why)
{
	(void)o;
	if (latch.fired)
		return;
	latch.fired = true;
	latch.status = status;
	snprintf(latch.why, sizeof(latch.why), "%s", why);
}
static const struct sandbox_host host = { .died = { latch_request, NULL } };
static struct dma_window win;
static struct virtio_pci vp;
static struct virtio_device *dev;
static struct sandbox *sb;
static pid_t child;
static int ctl[2], evt[2];

/* The fake device process. */
static void run_script(enum script s, int fd, int ready)
{
	struct sb_req q;
	struct sb_reply r = { .version = SB_VERSION };

	if (s == EARLY) {               /* a reply for the next request, before it */
		r.seq = 1;
		send(fd, &r, sizeof(r), 0);
	}
	if (write(ready, "x", 1) != 1)
		_exit(1);
	for (;;) {
		if (s == NO_READ) {
			pause();
			continue;
		}
		if (recv(fd, &q, sizeof(q), 0) != (ssize_t)sizeof(q))
			_exit(0);
		if (s == SILENT)
			continue;
		memset(&r, 0, sizeof(r));
		r.version = SB_VERSION;
		r.seq = s == WRONG_SEQ ? q.seq + 1 : q.seq;
		r.val = 0x5a5a;
		send(fd, &r, sizeof(r), 0);
	}
}

static void start(enum script s)
{
	int p[2];
	char c;

	log_level = LOG_ERROR;
	sandbox_timeout_ms = 200;
	memset(&latch, 0, sizeof(latch));
	dma_window_init(&win);
	dev = virtio_rng_create();
	assert_non_null(dev);
	assert_int_equal(virtio_pci_init(&vp, dev, &win, 0, &ops, NULL), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, ctl), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, evt), 0);
	assert_int_equal(pipe(p), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(ctl[0]);
		run_script(s, ctl[1], p[1]);
		_exit(0);
	}
	close(ctl[1]);
	close(evt[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	close(p[1]);
	sb = sandbox_attach(&host, &vp, &ops, ctl[0], evt[0], child);
	assert_non_null(sb);
}

static int finish(void **state)
{
	(void)state;
	sandbox_stop(sb);               /* reaps the child */
	virtio_pci_destroy(&vp);
	free(dev);
	dma_window_destroy(&win);
	return 0;
}

/* Reads BAR0 at 0 through the proxy; how long it took, in ms. */
static long bar_read(uint32_t *val)
{
	struct timespec a, b;
	uint8_t d[4] = { 0 };

	clock_gettime(CLOCK_MONOTONIC, &a);
	sandbox_fn_ops.bar0_io(sb, 0, d, 4, false);
	clock_gettime(CLOCK_MONOTONIC, &b);
	memcpy(val, d, 4);
	return (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
}

static void expect_killed(void)
{
	int st;

	assert_int_equal(latch.status, EXIT_DEVICE_DIED);
	assert_true(latch.fired);
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	child = -1;
}

static void a_process_that_answers_is_served(void **state)
{
	uint32_t v;

	(void)state;
	start(GOOD);
	for (int i = 0; i < 3; i++) {
		bar_read(&v);
		assert_int_equal(v, 0x5a5a);
	}
	assert_false(latch.fired);
}

static void a_reply_queued_before_its_request_kills_the_process(void **state)
{
	uint32_t v;

	(void)state;
	start(EARLY);
	usleep(50000);                  /* its reply is in the socket now */
	bar_read(&v);
	assert_int_equal(v, 0xffffffff);
	expect_killed();
	assert_non_null(strstr(latch.why, "sent a reply nobody asked for"));
}

static void a_reply_to_another_request_kills_the_process(void **state)
{
	uint32_t v;

	(void)state;
	start(WRONG_SEQ);
	bar_read(&v);
	assert_int_equal(v, 0xffffffff);
	expect_killed();
	assert_non_null(strstr(latch.why, "malformed reply"));
}

static void a_process_that_never_answers_is_killed_at_the_deadline(void **state)
{
	uint32_t v;
	long ms;

	(void)state;
	start(SILENT);
	ms = bar_read(&v);
	assert_true(ms >= 150 && ms < 2000);
	expect_killed();
	assert_non_null(strstr(latch.why, "stopped answering"));
}

/* Its socket full of requests it never reads: the send does not block. */
static void a_process_that_stops_reading_cannot_block_airlock(void **state)
{
	struct sb_req q = { .version = SB_VERSION };
	uint32_t v;
	long ms;

	(void)state;
	start(NO_READ);
	while (send(ctl[0], &q, sizeof(q), MSG_DONTWAIT) == (ssize_t)sizeof(q))
		;
	assert_int_equal(errno, EAGAIN);
	ms = bar_read(&v);
	assert_true(ms < 2000);
	expect_killed();
	assert_non_null(strstr(latch.why, "stopped reading its requests"));
}

/* Where BAR0 decodes is what the guest wrote to config space, whatever
 * the device process says (it has no say: replies carry no mappings). */
static void airlock_maps_bar0_where_the_guest_put_it(void **state)
{
	(void)state;
	start(GOOD);
	memset(&bar0, 0, sizeof(bar0));
	sandbox_fn_ops.cfg_write(sb, PCI_BASE_ADDRESS_0, 4, 0xc0010000);
	sandbox_fn_ops.cfg_write(sb, PCI_BASE_ADDRESS_0 + 4, 4, 0);
	assert_int_equal(bar0.calls, 0);                        /* not decoding yet */
	sandbox_fn_ops.cfg_write(sb, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(bar0.calls, 1);
	assert_true(bar0.mapped);
	assert_int_equal(bar0.addr, 0xc0010000);
	sandbox_fn_ops.cfg_write(sb, PCI_COMMAND, 2, 0);
	assert_int_equal(bar0.calls, 2);
	assert_false(bar0.mapped);
	assert_false(latch.fired);
}

/* Each MSI route is what the guest wrote to the vector's table entry. */
static void airlock_routes_vectors_as_the_guest_programmed_them(void **state)
{
	uint32_t lo = 0xfee01000, hi = 0, data = 0x4041;

	(void)state;
	start(GOOD);
	memset(&route, 0, sizeof(route));
	sandbox_fn_ops.bar0_io(sb, VP_MSIX_OFF + 16, (uint8_t *)&lo, 4, true);     /* vector 1 */
	sandbox_fn_ops.bar0_io(sb, VP_MSIX_OFF + 16 + 4, (uint8_t *)&hi, 4, true);
	sandbox_fn_ops.bar0_io(sb, VP_MSIX_OFF + 16 + 8, (uint8_t *)&data, 4, true);
	assert_int_equal(route.calls, 3);
	assert_int_equal(route.gsi, vp.vec_gsi[1]);
	assert_int_equal(route.addr, 0xfee01000);
	assert_int_equal(route.data, 0x4041);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(a_process_that_answers_is_served, finish),
		cmocka_unit_test_teardown(a_reply_queued_before_its_request_kills_the_process, finish),
		cmocka_unit_test_teardown(a_reply_to_another_request_kills_the_process, finish),
		cmocka_unit_test_teardown(a_process_that_never_answers_is_killed_at_the_deadline, finish),
		cmocka_unit_test_teardown(a_process_that_stops_reading_cannot_block_airlock, finish),
		cmocka_unit_test_teardown(airlock_maps_bar0_where_the_guest_put_it, finish),
		cmocka_unit_test_teardown(airlock_routes_vectors_as_the_guest_programmed_them, finish),
	};
	return cmocka_run_group_tests_name("sandbox_proxy", tests, NULL, NULL);
}
