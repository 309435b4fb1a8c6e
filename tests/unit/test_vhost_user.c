/* The vhost-user frontend's messages against a fake backend: the other end
 * of a socketpair, whose replies are queued before the frontend asks. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "devices/vhost_user.h"

static struct vhu_conn c;
static int backend;             /* the fake backend's end */

static int setup(void **state)
{
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c = (struct vhu_conn){ .fd = sv[0], .timeout_ms = 100 };
	backend = sv[1];
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(c.fd);
	if (backend >= 0)
		close(backend);
	return 0;
}

/* Queues a reply: header fields as given, then len payload bytes. */
static void reply(uint32_t request, uint32_t flags, uint32_t size, const void *payload, size_t len)
{
	uint32_t h[3] = { request, flags, size };

	assert_int_equal(write(backend, h, sizeof(h)), (ssize_t)sizeof(h));
	if (len)
		assert_int_equal(write(backend, payload, len), (ssize_t)len);
}

static void reply_u64(uint32_t request, uint64_t v)
{
	reply(request, VHU_VERSION | VHU_FLAG_REPLY, 8, &v, 8);
}

/* Reads what the frontend sent: the message and up to 8 descriptors. */
static unsigned sent(struct vhu_msg *m, int *fds)
{
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int) * 8)]; } ctl;
	struct iovec io = { m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	unsigned n = 0;

	memset(m, 0, sizeof(*m));
	assert_true(recvmsg(backend, &mh, MSG_DONTWAIT) >= VHU_HDR_SIZE);
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h)) {
		n = (unsigned)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(fds, CMSG_DATA(h), n * sizeof(int));
	}
	return n;
}

/* What a refused reply left unread (the caller drops such a connection;
 * the test reuses it). */
static void drain(void)
{
	char buf[4096];

	while (recv(c.fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void a_value_is_asked_for_and_read_back(void **state)
{
	struct vhu_msg m;
	uint64_t v = 0;
	int fds[8];

	(void)state;
	reply_u64(VHU_GET_FEATURES, 0x140000000ull);
	assert_int_equal(vhu_get_u64(&c, VHU_GET_FEATURES, &v), 0);
	assert_int_equal(v, 0x140000000ull);
	assert_int_equal(sent(&m, fds), 0);
	assert_int_equal(m.request, VHU_GET_FEATURES);
	assert_int_equal(m.flags, VHU_VERSION);
	assert_int_equal(m.size, 0);
}

static void the_memory_table_goes_with_its_descriptors(void **state)
{
	struct vhu_region r[2] = { { 0x1000000000ull, 1 << 20, 0x7f0000000000ull, 0 },
				   { 0, 4096, 0x7f1000000000ull, 4096 } };
	int memfd[2] = { open("/dev/null", O_RDONLY), open("/dev/null", O_RDONLY) }, fds[8];
	struct vhu_msg m;

	(void)state;
	assert_int_equal(vhu_set_mem_table(&c, r, memfd, 2), 0);
	assert_int_equal(sent(&m, fds), 2);
	assert_int_equal(m.request, VHU_SET_MEM_TABLE);
	assert_int_equal(m.size, 8 + 2 * 32);
	assert_int_equal(m.u.mem.nregions, 2);
	assert_memory_equal(m.u.mem.r, r, sizeof(r));
	for (int i = 0; i < 2; i++) {
		close(fds[i]);
		close(memfd[i]);
	}
}

static void a_queue_without_an_eventfd_says_so(void **state)
{
	struct vhu_msg m;
	int fds[8], efd = open("/dev/null", O_RDONLY);

	(void)state;
	assert_int_equal(vhu_set_vring_fd(&c, VHU_SET_VRING_CALL, 1, -1), 0);
	assert_int_equal(sent(&m, fds), 0);
	assert_int_equal(m.u.u64, 1 | VHU_VRING_NOFD);
	assert_int_equal(vhu_set_vring_fd(&c, VHU_SET_VRING_CALL, 256, -1), -1);   /* no such index */
	assert_non_null(strstr(c.err, "queue 256 (at most 255)"));
	assert_int_equal(vhu_set_vring_fd(&c, VHU_SET_VRING_KICK, 0, efd), 0);
	assert_int_equal(sent(&m, fds), 1);
	assert_int_equal(m.request, VHU_SET_VRING_KICK);
	assert_int_equal(m.u.u64, 0);
	close(fds[0]);
	close(efd);
}

static void with_reply_ack_a_set_waits_for_a_zero_ack(void **state)
{
	struct vhu_msg m;
	int fds[8];

	(void)state;
	c.reply_ack = true;
	reply_u64(VHU_SET_FEATURES, 0);
	assert_int_equal(vhu_set_u64(&c, VHU_SET_FEATURES, 1ull << 32), 0);
	assert_int_equal(sent(&m, fds), 0);
	assert_int_equal(m.flags, VHU_VERSION | VHU_FLAG_NEED_REPLY);
	reply_u64(VHU_SET_VRING_NUM, 1);
	assert_int_equal(vhu_set_state(&c, VHU_SET_VRING_NUM, 0, 256), -1);
	assert_non_null(strstr(c.err, "SET_VRING_NUM: the backend failed it"));
	c.reply_ack = false;
}

static void config_space_comes_back_as_asked(void **state)
{
	struct { uint32_t off, size, flags; uint8_t data[8]; } p = { 0, 8, 0, { 1, 2, 3, 4, 5, 6, 7, 8 } };
	uint8_t buf[8];

	(void)state;
	reply(VHU_GET_CONFIG, VHU_VERSION | VHU_FLAG_REPLY, 20, &p, 20);
	assert_int_equal(vhu_get_config(&c, 0, 8, buf), 0);
	assert_memory_equal(buf, p.data, 8);
	p.off = 4;              /* for another offset than asked */
	reply(VHU_GET_CONFIG, VHU_VERSION | VHU_FLAG_REPLY, 20, &p, 20);
	assert_int_equal(vhu_get_config(&c, 0, 8, buf), -1);
	assert_non_null(strstr(c.err, "GET_CONFIG: reply for 8 bytes at 4 (8 at 0 asked)"));
	drain();
	p.off = 0;              /* shorter than asked */
	reply(VHU_GET_CONFIG, VHU_VERSION | VHU_FLAG_REPLY, 16, &p, 16);
	assert_int_equal(vhu_get_config(&c, 0, 8, buf), -1);
	assert_non_null(strstr(c.err, "reply of 16 bytes (20 wanted)"));
	assert_int_equal(vhu_get_config(&c, 0, VHU_MAX_CONFIG + 1, buf), -1);
}

static void a_queue_base_is_for_the_queue_asked(void **state)
{
	struct { uint32_t index, num; } s = { 1, 77 };
	uint32_t num = 0;

	(void)state;
	reply(VHU_GET_VRING_BASE, VHU_VERSION | VHU_FLAG_REPLY, 8, &s, 8);
	assert_int_equal(vhu_get_vring_base(&c, 1, &num), 0);
	assert_int_equal(num, 77);
	reply(VHU_GET_VRING_BASE, VHU_VERSION | VHU_FLAG_REPLY, 8, &s, 8);
	assert_int_equal(vhu_get_vring_base(&c, 0, &num), -1);
	assert_non_null(strstr(c.err, "reply for queue 1 (0 asked)"));
}

/* Every malformed reply is refused with its reason. */
static void malformed_replies_are_refused(void **state)
{
	uint64_t v = 0, x = 5;

	(void)state;
	reply(VHU_GET_FEATURES, VHU_VERSION, 8, &x, 8);                 /* not a reply */
	assert_int_equal(vhu_get_u64(&c, VHU_GET_FEATURES, &v), -1);
	assert_non_null(strstr(c.err, "sent a request, not a reply"));
	drain();
	reply(VHU_GET_FEATURES, 2 | VHU_FLAG_REPLY, 8, &x, 8);          /* version 2 */
	assert_int_equal(vhu_get_u64(&c, VHU_GET_FEATURES, &v), -1);
	assert_non_null(strstr(c.err, "protocol version 2"));
	drain();
	reply_u64(VHU_GET_PROTOCOL_FEATURES, 5);                        /* another request */
	assert_int_equal(vhu_get_u64(&c, VHU_GET_FEATURES, &v), -1);
	assert_non_null(strstr(c.err, "replied to GET_PROTOCOL_FEATURES (15) instead"));
	drain();
	reply(VHU_GET_FEATURES, VHU_VERSION | VHU_FLAG_REPLY, 4096, &x, 8); /* bad size */
	assert_int_equal(vhu_get_u64(&c, VHU_GET_FEATURES, &v), -1);
	assert_non_null(strstr(c.err, "reply of 4096 bytes (8 wanted)"));
	assert_int_equal(v, 0);
}

static void a_reply_with_descriptors_is_refused_and_they_are_closed(void **state)
{
	uint32_t h[3] = { VHU_GET_FEATURES, VHU_VERSION | VHU_FLAG_REPLY, 8 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } ctl = { 0 };
	struct iovec io = { h, sizeof(h) };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int fd = open("/dev/null", O_RDONLY), before;
	uint64_t v;

	(void)state;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	assert_int_equal(sendmsg(backend, &mh, 0), (ssize_t)sizeof(h));
	close(fd);
	before = dup(0);        /* the lowest free descriptor now */
	close(before);
	assert_int_equal(vhu_get_u64(&c, VHU_GET_FEATURES, &v), -1);
	assert_non_null(strstr(c.err, "carries file descriptors"));
	fd = dup(0);            /* the one passed was closed: the same number is free */
	assert_int_equal(fd, before);
	close(fd);
}

static void a_silent_or_gone_backend_fails_by_the_deadline(void **state)
{
	uint64_t v;
	uint32_t half = VHU_GET_FEATURES;

	(void)state;
	assert_int_equal(vhu_get_u64(&c, VHU_GET_FEATURES, &v), -1);   /* silent */
	assert_non_null(strstr(c.err, "no reply from the backend within 100 ms"));
	assert_int_equal(write(backend, &half, 4), 4);                  /* short, then gone */
	close(backend);
	backend = -1;
	assert_int_equal(vhu_get_u64(&c, VHU_GET_FEATURES, &v), -1);
	assert_non_null(strstr(c.err, "closed its socket"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_value_is_asked_for_and_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(the_memory_table_goes_with_its_descriptors, setup, teardown),
		cmocka_unit_test_setup_teardown(a_queue_without_an_eventfd_says_so, setup, teardown),
		cmocka_unit_test_setup_teardown(with_reply_ack_a_set_waits_for_a_zero_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(config_space_comes_back_as_asked, setup, teardown),
		cmocka_unit_test_setup_teardown(a_queue_base_is_for_the_queue_asked, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_replies_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(a_reply_with_descriptors_is_refused_and_they_are_closed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_silent_or_gone_backend_fails_by_the_deadline, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
