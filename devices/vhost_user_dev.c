/* vhost-user-blk and virtio-fs: airlock as the frontend (vhost_user_dev.h). */
#include "vhost_user_dev.h"

#include "../lib/clock.h"
#include "../lib/log.h"
#include "vhost_user.h"
#include "virtio_pci.h"

#include <errno.h>
#include <linux/virtio_blk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define VHU_TIMEOUT_MS  5000
#define VHU_QUEUE_MAX   256
#define BLK_CONFIG_LEN  60      /* struct virtio_blk_config up to write_zeroes_may_unmap */
#define FS_TAG_LEN      36
#define FS_CONFIG_LEN   40      /* tag[36], num_request_queues */
#define FS_QUEUES       2       /* hiprio, one request queue */

/* What airlock can pass between the guest and a backend: the device's own
 * bits, and of the transport's those the backend has (the ring layouts
 * are the backend's business; airlock only checks where they are). */
#define TRANSPORT_BITS (1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_RING_F_INDIRECT_DESC | \
			1ULL << VIRTIO_RING_F_EVENT_IDX)
#define BLK_BITS (1ULL << VIRTIO_BLK_F_SIZE_MAX | 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_GEOMETRY | \
		  1ULL << VIRTIO_BLK_F_RO | 1ULL << VIRTIO_BLK_F_BLK_SIZE | 1ULL << VIRTIO_BLK_F_FLUSH | \
		  1ULL << VIRTIO_BLK_F_TOPOLOGY | 1ULL << VIRTIO_BLK_F_CONFIG_WCE | 1ULL << VIRTIO_BLK_F_MQ | \
		  1ULL << VIRTIO_BLK_F_DISCARD | 1ULL << VIRTIO_BLK_F_WRITE_ZEROES)
#define OUR_PROTOCOL   (1ULL << VHU_PROTOCOL_F_MQ | 1ULL << VHU_PROTOCOL_F_REPLY_ACK | \
			1ULL << VHU_PROTOCOL_F_CONFIG)

struct vhu_dev {
	struct virtio_device dev;
	struct vhost_user_spec spec;
	char socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char tag[FS_TAG_LEN + 1];
	struct vhu_conn c;             /* c.fd >= 0: connected and agreed */
	/* The backend failed or hung up: no reconnect (and no stale ring
	 * positions handed to a new one) until the guest resets the device. */
	bool broken;
	uint64_t backend_features, protocol;
	uint8_t config[BLK_CONFIG_LEN];
	uint32_t base[VIRTIO_MAX_QUEUES];      /* where each queue stopped */
	bool started[VIRTIO_MAX_QUEUES];
};

static struct vhu_dev *of(struct virtio_device *d)
{
	return (struct vhu_dev *)d;
}

/* "vhost-user backend SOCKET: what went wrong (what the daemon said)". */
static void say(struct vhu_dev *v, char *buf, size_t len, const char *what)
{
	char more[200] = "";

	if (v->spec.describe)
		v->spec.describe(v->spec.arg, more, sizeof(more));
	snprintf(buf, len, "vhost-user backend %s: %s%s%s%s", v->socket, what, more[0] ? " (" : "", more,
		 more[0] ? ")" : "");
}

static void hang_up(struct vhu_dev *v)
{
	v->broken = true;
	if (v->c.fd >= 0)
		close(v->c.fd);
	v->c.fd = -1;
	v->dev.host_fd = -1;
	memset(v->started, 0, sizeof(v->started));
}

/* Connects by the deadline: a backend that is still setting up refuses
 * (ECONNREFUSED), one with a full backlog makes a non-blocking connect
 * say EAGAIN; neither may block airlock. The socket stays non-blocking
 * (the messages wait with poll, each by its deadline). */
static int dial(struct vhu_dev *v)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	long long deadline = mono_ms() + v->c.timeout_ms;

	memcpy(a.sun_path, v->socket, sizeof(v->socket));
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

		if (fd < 0) {
			snprintf(v->c.err, sizeof(v->c.err), "socket: %s", strerror(errno));
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
			v->c.fd = fd;
			v->c.reply_ack = false;
			return 0;
		}
		int e = errno;

		snprintf(v->c.err, sizeof(v->c.err), "cannot connect: %s", strerror(e));
		close(fd);
		if ((e != ECONNREFUSED && e != EAGAIN && e != EINTR) || mono_ms() >= deadline)
			return -1;
		usleep(20000);
	}
}

/* Connects and agrees on the protocol. On a reconnect, the backend must
 * still have every bit the guest was offered. */
static int handshake(struct vhu_dev *v, bool again)
{
	uint64_t f, want;

	if (dial(v) < 0 || vhu_set_owner(&v->c) < 0 || vhu_get_u64(&v->c, VHU_GET_FEATURES, &f) < 0)
		goto err;
	if (!(f & (1ULL << VIRTIO_F_VERSION_1))) {
		snprintf(v->c.err, sizeof(v->c.err), "offers no VIRTIO_F_VERSION_1");
		goto err;
	}
	if (again && (v->backend_features & ~f)) {
		snprintf(v->c.err, sizeof(v->c.err), "came back with fewer features (%#llx, was %#llx)",
			 (unsigned long long)f, (unsigned long long)v->backend_features);
		goto err;
	}
	v->backend_features = f;
	v->protocol = 0;
	if (f & (1ULL << VHU_F_PROTOCOL_FEATURES)) {
		if (vhu_get_u64(&v->c, VHU_GET_PROTOCOL_FEATURES, &want) < 0 ||
		    vhu_set_u64(&v->c, VHU_SET_PROTOCOL_FEATURES, want & OUR_PROTOCOL) < 0)
			goto err;
		v->protocol = want & OUR_PROTOCOL;
		v->c.reply_ack = v->protocol & (1ULL << VHU_PROTOCOL_F_REPLY_ACK);
	}
	v->dev.host_fd = v->c.fd;
	return 0;
err:
	hang_up(v);
	return -1;
}

/* --- the transport's calls ---------------------------------------------- */

static void vhu_config_read(struct virtio_device *d, unsigned off, void *data, unsigned len)
{
	struct vhu_dev *v = of(d);
	uint8_t fs[FS_CONFIG_LEN] = { 0 };
	uint32_t nreq = FS_QUEUES - 1;
	const uint8_t *cfg = v->config;

	if (v->spec.kind == VHOST_USER_FS) {
		memcpy(fs, v->tag, strlen(v->tag));
		memcpy(fs + FS_TAG_LEN, &nreq, 4);
		cfg = fs;
	}
	/* The transport checked off + len against config_len. */
	memcpy(data, cfg + off, len);
}

static int vhu_start(struct virtio_device *d, const struct vp_ext_state *s, char *why, size_t whylen)
{
	struct vhu_dev *v = of(d);
	struct vhu_region r[DMA_MAX_RANGES];
	int fds[DMA_MAX_RANGES];
	uint64_t features = (s->features & v->backend_features) |
			    (v->backend_features & (1ULL << VHU_F_PROTOCOL_FEATURES));
	bool enable = features & (1ULL << VHU_F_PROTOCOL_FEATURES);

	if (v->broken) {
		say(v, why, whylen, "failed earlier; the device needs a reset");
		return -1;
	}
	if (v->c.fd < 0 && handshake(v, true) < 0)
		goto err;
	for (unsigned i = 0; i < s->nmem; i++) {
		r[i] = (struct vhu_region){ s->mem[i].gpa, s->mem[i].size, s->mem[i].uaddr, s->mem[i].fd_offset };
		fds[i] = s->mem[i].fd;
	}
	if (vhu_set_u64(&v->c, VHU_SET_FEATURES, features) < 0 ||
	    vhu_set_mem_table(&v->c, r, fds, s->nmem) < 0)
		goto err;
	for (unsigned q = 0; q < s->nq; q++) {
		const struct vp_ext_queue *e = &s->q[q];
		struct vhu_vring_addr a = { .index = q, .desc = e->desc, .used = e->used, .avail = e->avail };

		if (!e->size)
			continue;
		if (vhu_set_state(&v->c, VHU_SET_VRING_NUM, q, e->size) < 0 ||
		    vhu_set_state(&v->c, VHU_SET_VRING_BASE, q, v->base[q]) < 0 ||
		    vhu_set_vring_addr(&v->c, &a) < 0 ||
		    vhu_set_vring_fd(&v->c, VHU_SET_VRING_KICK, q, e->kick_fd) < 0 ||
		    vhu_set_vring_fd(&v->c, VHU_SET_VRING_CALL, q, e->call_fd) < 0 ||
		    (enable && vhu_set_state(&v->c, VHU_SET_VRING_ENABLE, q, 1) < 0))
			goto err;
		v->started[q] = true;
	}
	return 0;
err:
	say(v, why, whylen, v->c.err);
	hang_up(v);
	return -1;
}

static int vhu_stop(struct virtio_device *d, char *why, size_t whylen)
{
	struct vhu_dev *v = of(d);

	for (unsigned q = 0; v->c.fd >= 0 && q < d->nqueues; q++) {
		if (!v->started[q])
			continue;
		/* Stops the ring and says where it was. */
		if (vhu_get_vring_base(&v->c, q, &v->base[q]) < 0) {
			say(v, why, whylen, v->c.err);
			hang_up(v);
			return -1;
		}
		v->started[q] = false;
	}
	return 0;
}

static void vhu_reset(struct virtio_device *d)
{
	struct vhu_dev *v = of(d);

	memset(v->base, 0, sizeof(v->base));
	v->broken = false;      /* the next start may connect again */
}

/* The socket has something: after a hang-up, nothing else is expected
 * (the backend speaks only when asked, and every reply is read in full). */
static void vhu_fd_ready(struct virtio_device *d, const struct virtio_io *io)
{
	struct vhu_dev *v = of(d);
	char b, why[256];
	ssize_t n;

	if (v->c.fd < 0)
		return;
	n = recv(v->c.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	say(v, why, sizeof(why), n == 0 || n < 0 ? "closed its socket" : "sent a message nobody asked for");
	hang_up(v);
	virtio_io_backend_failed(io, why);
}

static void vhu_destroy(struct virtio_device *d)
{
	struct vhu_dev *v = of(d);

	hang_up(v);
	if (v->spec.on_destroy)
		v->spec.on_destroy(v->spec.arg);
}

static const struct virtio_ext_ops vhu_ext = { vhu_start, vhu_stop };

/* What the backend's features and config space make of the device. */
static int setup_kind(struct vhu_dev *v)
{
	struct virtio_device *d = &v->dev;
	uint64_t n = 1;
	uint16_t nq;

	d->features = v->backend_features & TRANSPORT_BITS;
	if (v->spec.kind == VHOST_USER_FS) {
		/* No notification queue: the device bits (NOTIFICATION) stay off. */
		d->name = "vhost-user-fs";
		d->type = 26;
		d->pci_class = 0x00ff0000;
		d->nqueues = FS_QUEUES;
		d->config_len = FS_CONFIG_LEN;
		snprintf(d->what, sizeof(d->what), "tag %s", v->tag);
		if ((v->protocol & (1ULL << VHU_PROTOCOL_F_MQ)) &&
		    vhu_get_u64(&v->c, VHU_GET_QUEUE_NUM, &n) < 0)
			return -1;
		if (n < FS_QUEUES && (v->protocol & (1ULL << VHU_PROTOCOL_F_MQ))) {
			snprintf(v->c.err, sizeof(v->c.err), "serves %llu queues (%d needed)",
				 (unsigned long long)n, FS_QUEUES);
			return -1;
		}
		return 0;
	}
	d->name = "vhost-user-blk";
	d->type = 2;
	d->pci_class = 0x00018000;
	d->config_len = BLK_CONFIG_LEN;
	snprintf(d->what, sizeof(d->what), "socket %.56s", v->socket);
	if (!(v->protocol & (1ULL << VHU_PROTOCOL_F_CONFIG))) {
		snprintf(v->c.err, sizeof(v->c.err), "has no config space (VHOST_USER_PROTOCOL_F_CONFIG)");
		return -1;
	}
	if (vhu_get_config(&v->c, 0, BLK_CONFIG_LEN, v->config) < 0)
		return -1;
	/* The virtio-blk bits whose config fields airlock passes on (the
	 * 60 bytes it reads); not secure erase or zoned, whose fields lie past. */
	d->features |= v->backend_features & BLK_BITS;
	if (v->spec.ro && !(v->backend_features & (1ULL << VIRTIO_BLK_F_RO))) {
		snprintf(v->c.err, sizeof(v->c.err), "ro asked, but the export is writable "
			 "(airlock cannot refuse writes it never sees: export it read-only)");
		return -1;
	}
	d->nqueues = 1;
	if (d->features & (1ULL << VIRTIO_BLK_F_MQ)) {
		memcpy(&nq, v->config + 34, 2);         /* num_queues */
		d->nqueues = nq == 0 ? 1 : nq > VIRTIO_MAX_QUEUES ? VIRTIO_MAX_QUEUES : nq;
		nq = (uint16_t)d->nqueues;
		memcpy(v->config + 34, &nq, 2);
	}
	return 0;
}

struct virtio_device *vhost_user_create(const struct vhost_user_spec *s)
{
	struct vhu_dev *v = calloc(1, sizeof(*v));
	const char *what = s->kind == VHOST_USER_FS ? "--fs" : "--vhost-user-blk";

	if (!v) {
		pr_err("%s: out of memory", what);
		goto fail;
	}
	if (strlen(s->socket) >= sizeof(v->socket)) {
		pr_err("%s: socket path %s is too long", what, s->socket);
		goto fail;
	}
	v->spec = *s;
	snprintf(v->socket, sizeof(v->socket), "%s", s->socket);
	snprintf(v->tag, sizeof(v->tag), "%s", s->tag ? s->tag : "");
	v->c.fd = -1;
	v->c.timeout_ms = s->timeout_ms ? s->timeout_ms : VHU_TIMEOUT_MS;
	v->dev.queue_max = VHU_QUEUE_MAX;
	v->dev.ext = &vhu_ext;
	v->dev.config_read = vhu_config_read;
	v->dev.reset = vhu_reset;
	v->dev.destroy = vhu_destroy;
	v->dev.fd_ready = vhu_fd_ready;
	if (handshake(v, false) < 0 || setup_kind(v) < 0) {
		char why[256];

		say(v, why, sizeof(why), v->c.err);
		pr_err("%s: %s", what, why);
		hang_up(v);
		free(v);
		goto fail_spec;
	}
	return &v->dev;
fail:
	free(v);
fail_spec:
	if (s->on_destroy)
		s->on_destroy(s->arg);
	return NULL;
}
