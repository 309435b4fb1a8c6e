/* vhost-user messages, the frontend's side (vhost_user.h). */
#include "vhost_user.h"

#include "../lib/clock.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(struct vhu_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return -1;
}

const char *vhu_request_name(uint32_t request)
{
	static const char *const names[] = {
		[VHU_GET_FEATURES] = "GET_FEATURES", [VHU_SET_FEATURES] = "SET_FEATURES",
		[VHU_SET_OWNER] = "SET_OWNER", [VHU_RESET_OWNER] = "RESET_OWNER",
		[VHU_SET_MEM_TABLE] = "SET_MEM_TABLE", [VHU_SET_VRING_NUM] = "SET_VRING_NUM",
		[VHU_SET_VRING_ADDR] = "SET_VRING_ADDR", [VHU_SET_VRING_BASE] = "SET_VRING_BASE",
		[VHU_GET_VRING_BASE] = "GET_VRING_BASE", [VHU_SET_VRING_KICK] = "SET_VRING_KICK",
		[VHU_SET_VRING_CALL] = "SET_VRING_CALL", [VHU_SET_VRING_ERR] = "SET_VRING_ERR",
		[VHU_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
		[VHU_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
		[VHU_GET_QUEUE_NUM] = "GET_QUEUE_NUM", [VHU_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
		[VHU_GET_CONFIG] = "GET_CONFIG", [VHU_SET_CONFIG] = "SET_CONFIG",
		[VHU_GET_MAX_MEM_SLOTS] = "GET_MAX_MEM_SLOTS", [VHU_ADD_MEM_REG] = "ADD_MEM_REG",
		[VHU_REM_MEM_REG] = "REM_MEM_REG",
	};

	return request < sizeof(names) / sizeof(names[0]) && names[request] ? names[request] : "?";
}

/* Waits until fd is ready for events (or hung up) or the deadline passes. */
static bool wait_for(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - mono_ms();
		struct pollfd p = { fd, events, 0 };
		int n;

		if (left < 0)
			left = 0;
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		/* Hang-up and errors too: the read or write then says which. */
		return n == 1 && (p.revents & (events | POLLHUP | POLLERR));
	}
}

int vhu_send(struct vhu_conn *c, const struct vhu_msg *m, const int *fds, unsigned nfds)
{
	const uint8_t *p = (const uint8_t *)m;
	size_t left = VHU_HDR_SIZE + m->size, done = 0;
	long long deadline = mono_ms() + c->timeout_ms;
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int) * VHU_MAX_REGIONS)]; } ctl;

	if (m->size > sizeof(m->u) || nfds > VHU_MAX_REGIONS)
		return fail(c, "%s: message too large", vhu_request_name(m->request));
	while (left) {
		struct iovec io = { (void *)(p + done), left };
		struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1 };
		ssize_t n;

		/* The descriptors go with the first byte, once. */
		if (nfds && !done) {
			memset(&ctl, 0, sizeof(ctl));
			mh.msg_control = ctl.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			struct cmsghdr *h = CMSG_FIRSTHDR(&mh);

			h->cmsg_level = SOL_SOCKET;
			h->cmsg_type = SCM_RIGHTS;
			h->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(h), fds, sizeof(int) * nfds);
		}
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			done += (size_t)n;
			left -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!wait_for(c->fd, POLLOUT, deadline))
				return fail(c, "%s: the backend stopped reading (%d ms)",
					    vhu_request_name(m->request), c->timeout_ms);
			continue;
		}
		if (n < 0 && errno != EPIPE && errno != ECONNRESET)
			return fail(c, "%s: sendmsg: %s", vhu_request_name(m->request), strerror(errno));
		return fail(c, "%s: the backend closed its socket", vhu_request_name(m->request));
	}
	return 0;
}

/* Reads exactly len bytes by the deadline; any descriptors passed are
 * closed and make it fail. */
static int read_exact(struct vhu_conn *c, void *buf, size_t len, long long deadline, uint32_t request)
{
	size_t done = 0;

	while (done < len) {
		union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int) * VHU_MAX_REGIONS)]; } ctl;
		struct iovec io = { (uint8_t *)buf + done, len - done };
		struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		bool had_fds = false;
		ssize_t n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!wait_for(c->fd, POLLIN, deadline))
				return fail(c, "%s: no reply from the backend within %d ms",
					    vhu_request_name(request), c->timeout_ms);
			continue;
		}
		if (n <= 0)
			return fail(c, "%s: the backend closed its socket", vhu_request_name(request));
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h)) {
			if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
				continue;
			size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < k; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
				close(fd);
			}
			had_fds = true;
		}
		if (had_fds || (mh.msg_flags & MSG_CTRUNC))
			return fail(c, "%s: the backend's reply carries file descriptors: refused",
				    vhu_request_name(request));
		done += (size_t)n;
	}
	return 0;
}

/* The payload size a reply to request must have (GET_CONFIG: the request's). */
static uint32_t reply_size(uint32_t request, uint32_t config_len)
{
	switch (request) {
	case VHU_GET_VRING_BASE: return 8;
	case VHU_GET_CONFIG: return 12 + config_len;
	default: return 8;      /* a u64: a value, or an ack */
	}
}

int vhu_recv_reply(struct vhu_conn *c, uint32_t request, struct vhu_msg *m)
{
	long long deadline = mono_ms() + c->timeout_ms;
	uint32_t want = reply_size(request, request == VHU_GET_CONFIG ? m->u.config.size : 0);
	const char *name = vhu_request_name(request);

	if (want > sizeof(m->u))
		return fail(c, "%s: a reply of %u bytes cannot be read", name, want);

	if (read_exact(c, m, VHU_HDR_SIZE, deadline, request) < 0)
		return -1;
	if ((m->flags & VHU_FLAG_VERSION_MASK) != VHU_VERSION)
		return fail(c, "%s: reply of protocol version %u (1 wanted): refused", name,
			    m->flags & VHU_FLAG_VERSION_MASK);
	if (!(m->flags & VHU_FLAG_REPLY))
		return fail(c, "%s: the backend sent a request, not a reply: refused", name);
	if (m->request != request)
		return fail(c, "%s: the backend replied to %s (%u) instead: refused", name,
			    vhu_request_name(m->request), m->request);
	if (m->size != want)
		return fail(c, "%s: reply of %u bytes (%u wanted): refused", name, m->size, want);
	return read_exact(c, &m->u, m->size, deadline, request);
}

static void init(struct vhu_msg *m, uint32_t request, uint32_t size)
{
	memset(m, 0, sizeof(*m));
	m->request = request;
	m->flags = VHU_VERSION;
	m->size = size;
}

/* Sends a set; with REPLY_ACK, waits for its ack and checks it. */
static int set(struct vhu_conn *c, struct vhu_msg *m, const int *fds, unsigned nfds)
{
	uint32_t request = m->request;

	if (c->reply_ack)
		m->flags |= VHU_FLAG_NEED_REPLY;
	if (vhu_send(c, m, fds, nfds) < 0)
		return -1;
	if (!c->reply_ack)
		return 0;
	if (vhu_recv_reply(c, request, m) < 0)
		return -1;
	if (m->u.u64)
		return fail(c, "%s: the backend failed it (%llu)", vhu_request_name(request),
			    (unsigned long long)m->u.u64);
	return 0;
}

/* Sends a get and reads its reply into m. */
static int ask(struct vhu_conn *c, struct vhu_msg *m)
{
	uint32_t request = m->request;

	return vhu_send(c, m, NULL, 0) < 0 ? -1 : vhu_recv_reply(c, request, m);
}

int vhu_get_u64(struct vhu_conn *c, uint32_t request, uint64_t *val)
{
	struct vhu_msg m;

	init(&m, request, 0);
	if (ask(c, &m) < 0)
		return -1;
	*val = m.u.u64;
	return 0;
}

int vhu_set_u64(struct vhu_conn *c, uint32_t request, uint64_t val)
{
	struct vhu_msg m;

	init(&m, request, 8);
	m.u.u64 = val;
	return set(c, &m, NULL, 0);
}

int vhu_set_owner(struct vhu_conn *c)
{
	struct vhu_msg m;

	init(&m, VHU_SET_OWNER, 0);
	return set(c, &m, NULL, 0);
}

int vhu_set_state(struct vhu_conn *c, uint32_t request, uint32_t index, uint32_t num)
{
	struct vhu_msg m;

	init(&m, request, 8);
	m.u.state.index = index;
	m.u.state.num = num;
	return set(c, &m, NULL, 0);
}

int vhu_get_vring_base(struct vhu_conn *c, uint32_t index, uint32_t *num)
{
	struct vhu_msg m;

	init(&m, VHU_GET_VRING_BASE, 8);
	m.u.state.index = index;
	if (ask(c, &m) < 0)
		return -1;
	if (m.u.state.index != index)
		return fail(c, "GET_VRING_BASE: reply for queue %u (%u asked): refused", m.u.state.index,
			    index);
	*num = m.u.state.num;
	return 0;
}

int vhu_set_vring_addr(struct vhu_conn *c, const struct vhu_vring_addr *a)
{
	struct vhu_msg m;

	init(&m, VHU_SET_VRING_ADDR, sizeof(*a));
	m.u.addr = *a;
	return set(c, &m, NULL, 0);
}

int vhu_set_vring_fd(struct vhu_conn *c, uint32_t request, uint32_t index, int fd)
{
	struct vhu_msg m;

	if (index > 0xff)
		return fail(c, "%s: queue %u (at most 255)", vhu_request_name(request), index);
	init(&m, request, 8);
	m.u.u64 = index | (fd < 0 ? VHU_VRING_NOFD : 0);
	return set(c, &m, fd < 0 ? NULL : &fd, fd < 0 ? 0 : 1);
}

int vhu_set_mem_table(struct vhu_conn *c, const struct vhu_region *r, const int *fds, unsigned n)
{
	struct vhu_msg m;

	if (n > VHU_MAX_REGIONS)
		return fail(c, "SET_MEM_TABLE: %u regions (at most %u)", n, VHU_MAX_REGIONS);
	init(&m, VHU_SET_MEM_TABLE, 8 + n * (uint32_t)sizeof(*r));
	m.u.mem.nregions = n;
	memcpy(m.u.mem.r, r, n * sizeof(*r));
	return set(c, &m, fds, n);
}

int vhu_add_mem_reg(struct vhu_conn *c, const struct vhu_region *r, int fd)
{
	struct vhu_msg m;

	init(&m, VHU_ADD_MEM_REG, 8 + sizeof(*r));
	m.u.reg.r = *r;
	return set(c, &m, &fd, 1);
}

int vhu_rem_mem_reg(struct vhu_conn *c, const struct vhu_region *r)
{
	struct vhu_msg m;

	init(&m, VHU_REM_MEM_REG, 8 + sizeof(*r));
	m.u.reg.r = *r;
	return set(c, &m, NULL, 0);
}

int vhu_get_config(struct vhu_conn *c, uint32_t off, uint32_t len, void *buf)
{
	struct vhu_msg m;

	if (len > VHU_MAX_CONFIG)
		return fail(c, "GET_CONFIG: %u bytes (at most %u)", len, VHU_MAX_CONFIG);
	init(&m, VHU_GET_CONFIG, 12 + len);
	m.u.config.offset = off;
	m.u.config.size = len;
	if (ask(c, &m) < 0)
		return -1;
	if (m.u.config.offset != off || m.u.config.size != len)
		return fail(c, "GET_CONFIG: reply for %u bytes at %u (%u at %u asked): refused",
			    m.u.config.size, m.u.config.offset, len, off);
	memcpy(buf, m.u.config.data, len);
	return 0;
}
