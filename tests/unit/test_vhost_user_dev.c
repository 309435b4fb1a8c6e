/* The vhost-user devices (devices/vhost_user_dev.c) against a fake
 * backend: a thread serving a UNIX socket, answering what a
 * libvhost-user backend answers and recording every request. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "devices/vhost_user.h"
#include "devices/vhost_user_dev.h"
#include "devices/virtio_pci.h"
#include "lib/log.h"

#include <linux/virtio_blk.h>

#define MAXLOG 256

static char sock[108], dir[64];
static int lfd = -1;
static pthread_t thr;
static volatile int quit, drop;   /* drop: close the connection at the next message */
static uint64_t features;        /* what the fake offers */
static struct { uint32_t request; uint64_t u64; uint32_t index, num; uint64_t gpa; } logged[MAXLOG];
static volatile unsigned nlog, connections;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void answer(int fd, uint32_t request, const void *p, uint32_t len)
{
	uint32_t h[3] = { request, VHU_VERSION | VHU_FLAG_REPLY, len };

	if (write(fd, h, sizeof(h)) != (ssize_t)sizeof(h) || (len && write(fd, p, len) != (ssize_t)len))
		return;
}

/* One connection, until it closes (or the test says quit). */
static void serve(int fd)
{
	struct vhu_msg m;

	for (;;) {
		union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int) * 8)]; } ctl;
		struct iovec io = { &m, VHU_HDR_SIZE };
		struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		uint64_t zero = 0;

		memset(&m, 0, sizeof(m));
		if (recvmsg(fd, &mh, 0) != VHU_HDR_SIZE || quit || drop) {
			drop = 0;
			break;
		}
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h))
			for (size_t i = 0; i < (h->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
				int x;

				memcpy(&x, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
				close(x);
			}
		if (m.size && read(fd, &m.u, m.size) != (ssize_t)m.size)
			break;
		pthread_mutex_lock(&lock);
		if (nlog < MAXLOG) {
			logged[nlog].request = m.request;
			logged[nlog].u64 = m.u.u64;
			logged[nlog].index = m.u.state.index;
			logged[nlog].num = m.u.state.num;
			logged[nlog].gpa = m.request == VHU_SET_MEM_TABLE ? m.u.mem.r[0].gpa : 0;
			nlog++;
		}
		pthread_mutex_unlock(&lock);
		switch (m.request) {
		case VHU_GET_FEATURES: answer(fd, m.request, &features, 8); continue;
		case VHU_GET_PROTOCOL_FEATURES: {
			/* REPLY_ACK: every set waits for the fake, so the log is complete
			 * when a call returns. */
			uint64_t p = 1ULL << VHU_PROTOCOL_F_CONFIG | 1ULL << VHU_PROTOCOL_F_MQ | 1ULL << VHU_PROTOCOL_F_REPLY_ACK;

			answer(fd, m.request, &p, 8);
			continue;
		}
		case VHU_GET_CONFIG: {
			uint8_t r[12 + 60] = { 0 };
			uint64_t cap = 2048;

			memcpy(r, &m.u.config, 12);
			memcpy(r + 12, &cap, 8);
			answer(fd, m.request, r, 12 + m.u.config.size);
			continue;
		}
		case VHU_GET_VRING_BASE: {
			uint32_t st[2] = { m.u.state.index, 7 };

			answer(fd, m.request, st, 8);
			continue;
		}
		}
		if (m.flags & VHU_FLAG_NEED_REPLY)
			answer(fd, m.request, &zero, 8);
	}
	close(fd);
}

static void *backend(void *arg)
{
	(void)arg;
	while (!quit) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			break;
		connections++;
		serve(fd);
	}
	return NULL;
}

static int setup(void **state)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	(void)state;
	log_level = LOG_ERROR;
	snprintf(dir, sizeof(dir), "/tmp/airlock-vhu.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/b.sock", dir);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	quit = drop = 0;
	nlog = connections = 0;
	features = 1ULL << VIRTIO_F_VERSION_1 | 1ULL << VHU_F_PROTOCOL_FEATURES | 1ULL << VIRTIO_RING_F_EVENT_IDX |
		   1ULL << VIRTIO_BLK_F_FLUSH | 1ULL << 16 /* secure erase */ | 1ULL << VIRTIO_F_ACCESS_PLATFORM;
	assert_int_equal(pthread_create(&thr, NULL, backend, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	quit = 1;
	shutdown(lfd, SHUT_RDWR);
	pthread_join(thr, NULL);
	close(lfd);
	unlink(sock);
	rmdir(dir);
	return 0;
}

/* The index of the first logged request of that kind from position from. */
static int find(uint32_t request, unsigned from)
{
	for (unsigned i = from; i < nlog; i++)
		if (logged[i].request == request)
			return (int)i;
	return -1;
}

static struct virtio_device *blk(bool ro)
{
	struct vhost_user_spec s = { VHOST_USER_BLK, sock, ro, NULL, 500, NULL, NULL, NULL };

	return vhost_user_create(&s);
}

/* The guest is offered what both sides have: no ACCESS_PLATFORM from the
 * backend, no blk bit whose config airlock does not read. */
static void the_guest_gets_what_both_sides_have(void **state)
{
	struct virtio_device *d = blk(false);

	(void)state;
	assert_non_null(d);
	assert_true(d->features & (1ULL << VIRTIO_F_VERSION_1));
	assert_true(d->features & (1ULL << VIRTIO_BLK_F_FLUSH));
	assert_true(d->features & (1ULL << VIRTIO_RING_F_EVENT_IDX));
	assert_false(d->features & (1ULL << 16));
	assert_false(d->features & (1ULL << VIRTIO_F_ACCESS_PLATFORM));
	assert_false(d->features & (1ULL << VHU_F_PROTOCOL_FEATURES));
	assert_true(find(VHU_SET_OWNER, 0) >= 0 && find(VHU_GET_CONFIG, 0) >= 0);
	d->destroy(d);
	free(d);
}

/* ro: airlock never sees a request, so only a read-only export will do. */
static void ro_needs_a_read_only_export(void **state)
{
	(void)state;
	assert_null(blk(true));
	features |= 1ULL << VIRTIO_BLK_F_RO;
	struct virtio_device *d = blk(true);

	assert_non_null(d);
	d->destroy(d);
	free(d);
}

static struct vp_ext_state one_queue(void)
{
	struct vp_ext_state s = { .features = 1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_BLK_F_FLUSH,
				  .nmem = 1, .nq = 1 };

	s.mem[0] = (struct vp_mem_region){ 0, 65536, 0x7f0000000000ULL, 0, 0 };
	s.q[0] = (struct vp_ext_queue){ 16, 0x7f0000001000ULL, 0x7f0000002000ULL, 0x7f0000003000ULL, 0, 0 };
	return s;
}

/* Start hands over the table and the rings, stop asks where the ring
 * stopped, the next start goes on from there. */
static void stop_and_start_keep_the_ring_position(void **state)
{
	struct virtio_device *d = blk(false);
	struct vp_ext_state s = one_queue();
	char why[256];
	int i;

	(void)state;
	assert_int_equal(d->ext->start(d, &s, why, sizeof(why)), 0);
	i = find(VHU_SET_FEATURES, 0);
	assert_true(i >= 0);
	assert_false(logged[i].u64 & (1ULL << VIRTIO_F_ACCESS_PLATFORM));
	assert_true(logged[i].u64 & (1ULL << VHU_F_PROTOCOL_FEATURES));
	i = find(VHU_SET_MEM_TABLE, (unsigned)i);
	assert_true(i >= 0 && logged[i].gpa == 0);
	i = find(VHU_SET_VRING_BASE, (unsigned)i);
	assert_true(i >= 0 && logged[i].num == 0);
	assert_true(find(VHU_SET_VRING_ENABLE, (unsigned)i) >= 0);
	assert_int_equal(d->ext->stop(d, why, sizeof(why)), 0);
	assert_true(find(VHU_GET_VRING_BASE, 0) >= 0);
	unsigned mark = nlog;

	assert_int_equal(d->ext->start(d, &s, why, sizeof(why)), 0);
	i = find(VHU_SET_VRING_BASE, mark);
	assert_true(i >= 0 && logged[i].num == 7);
	d->destroy(d);
	free(d);
}

/* A backend that went away: stop fails, and nothing is started again (a
 * new connection would get a stale ring position) until the reset. */
static void a_lost_backend_waits_for_the_reset(void **state)
{
	struct virtio_device *d = blk(false);
	struct vp_ext_state s = one_queue();
	char why[256];
	unsigned mark;
	int i;

	(void)state;
	assert_int_equal(d->ext->start(d, &s, why, sizeof(why)), 0);
	drop = 1;
	assert_int_equal(d->ext->stop(d, why, sizeof(why)), -1);
	assert_non_null(strstr(why, sock));
	assert_int_equal(d->ext->start(d, &s, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "needs a reset"));
	assert_int_equal(connections, 1);
	d->reset(d);
	mark = nlog;
	assert_int_equal(d->ext->start(d, &s, why, sizeof(why)), 0);
	assert_int_equal(connections, 2);
	i = find(VHU_SET_VRING_BASE, mark);
	assert_true(i >= 0 && logged[i].num == 0);
	d->destroy(d);
	free(d);
}

/* Nobody listening: one error naming the socket, by the deadline. */
static void no_backend_is_one_error(void **state)
{
	struct vhost_user_spec s = { VHOST_USER_BLK, "/tmp/airlock-no-such.sock", false, NULL, 200,
				     NULL, NULL, NULL };

	(void)state;
	assert_null(vhost_user_create(&s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(the_guest_gets_what_both_sides_have, setup, teardown),
		cmocka_unit_test_setup_teardown(ro_needs_a_read_only_export, setup, teardown),
		cmocka_unit_test_setup_teardown(stop_and_start_keep_the_ring_position, setup, teardown),
		cmocka_unit_test_setup_teardown(a_lost_backend_waits_for_the_reset, setup, teardown),
		cmocka_unit_test(no_backend_is_one_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
