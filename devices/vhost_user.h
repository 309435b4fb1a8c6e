/* vhost-user, the frontend's side of its messages (QEMU's
 * docs/interop/vhost-user.rst): encoding, sending with file descriptors,
 * and reading a backend's replies, every one checked before it is used.
 *
 * The backend is another program and is not trusted: a reply that is late
 * (past the connection's deadline), short, for another request, of the
 * wrong size for its request, of another protocol version, or carrying
 * file descriptors is refused with a one-line reason in conn->err, and the
 * caller treats the device as failed. Nothing here blocks past the
 * deadline. */
#ifndef AIRLOCK_VHOST_USER_H
#define AIRLOCK_VHOST_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vhu_request {
	VHU_GET_FEATURES = 1,
	VHU_SET_FEATURES = 2,
	VHU_SET_OWNER = 3,
	VHU_RESET_OWNER = 4,
	VHU_SET_MEM_TABLE = 5,
	VHU_SET_VRING_NUM = 8,
	VHU_SET_VRING_ADDR = 9,
	VHU_SET_VRING_BASE = 10,
	VHU_GET_VRING_BASE = 11,
	VHU_SET_VRING_KICK = 12,
	VHU_SET_VRING_CALL = 13,
	VHU_SET_VRING_ERR = 14,
	VHU_GET_PROTOCOL_FEATURES = 15,
	VHU_SET_PROTOCOL_FEATURES = 16,
	VHU_GET_QUEUE_NUM = 17,
	VHU_SET_VRING_ENABLE = 18,
	VHU_GET_CONFIG = 24,
	VHU_SET_CONFIG = 25,
	VHU_GET_MAX_MEM_SLOTS = 36,
	VHU_ADD_MEM_REG = 37,
	VHU_REM_MEM_REG = 38,
};

#define VHU_F_PROTOCOL_FEATURES     30      /* a virtio feature bit: vhost-user's own */
#define VHU_PROTOCOL_F_MQ           0
#define VHU_PROTOCOL_F_REPLY_ACK    3
#define VHU_PROTOCOL_F_CONFIG       9
#define VHU_PROTOCOL_F_MEM_SLOTS    15      /* CONFIGURE_MEM_SLOTS: ADD/REM_MEM_REG */

#define VHU_VERSION                 0x1u
#define VHU_FLAG_VERSION_MASK       0x3u
#define VHU_FLAG_REPLY              (1u << 2)
#define VHU_FLAG_NEED_REPLY         (1u << 3)
#define VHU_VRING_NOFD              (1ull << 8)     /* in a KICK/CALL/ERR u64: no fd */
#define VHU_MAX_REGIONS             8
#define VHU_MAX_CONFIG              256
#define VHU_HDR_SIZE                12

struct vhu_region {
	uint64_t gpa, size, uaddr, mmap_offset;
};

struct vhu_vring_addr {
	uint32_t index, flags;
	uint64_t desc, used, avail, log;
};

struct vhu_msg {
	uint32_t request, flags, size;          /* size: of the payload */
	union {
		uint64_t u64;
		struct { uint32_t index, num; } state;
		struct vhu_vring_addr addr;
		struct { uint32_t nregions, padding; struct vhu_region r[VHU_MAX_REGIONS]; } mem;
		struct { uint64_t padding; struct vhu_region r; } reg;
		struct { uint32_t offset, size, flags; uint8_t data[VHU_MAX_CONFIG]; } config;
	} u;
} __attribute__((packed));

struct vhu_conn {
	int fd;                 /* a connected AF_UNIX stream socket */
	int timeout_ms;         /* for each send and each reply */
	bool reply_ack;         /* REPLY_ACK negotiated: every set waits for its ack */
	char err[160];          /* why the last call failed */
};

/* Sends m (its size set by the encoder) with nfds descriptors. 0 or -1. */
int vhu_send(struct vhu_conn *c, const struct vhu_msg *m, const int *fds, unsigned nfds);
/* Reads the reply to request into m: 0, or -1 with c->err saying why. */
int vhu_recv_reply(struct vhu_conn *c, uint32_t request, struct vhu_msg *m);

/* The messages. Each returns 0 or -1 (c->err). A set waits for the
 * backend's ack when REPLY_ACK is negotiated and fails on a non-zero one. */
int vhu_get_u64(struct vhu_conn *c, uint32_t request, uint64_t *val);
int vhu_set_u64(struct vhu_conn *c, uint32_t request, uint64_t val);
int vhu_set_owner(struct vhu_conn *c);
int vhu_set_state(struct vhu_conn *c, uint32_t request, uint32_t index, uint32_t num);
int vhu_get_vring_base(struct vhu_conn *c, uint32_t index, uint32_t *num);
int vhu_set_vring_addr(struct vhu_conn *c, const struct vhu_vring_addr *a);
/* KICK, CALL, ERR: fd -1 sends VHU_VRING_NOFD instead of a descriptor. */
int vhu_set_vring_fd(struct vhu_conn *c, uint32_t request, uint32_t index, int fd);
int vhu_set_mem_table(struct vhu_conn *c, const struct vhu_region *r, const int *fds, unsigned n);
int vhu_add_mem_reg(struct vhu_conn *c, const struct vhu_region *r, int fd);
int vhu_rem_mem_reg(struct vhu_conn *c, const struct vhu_region *r);
/* len bytes of the device's config space at off (len <= VHU_MAX_CONFIG). */
int vhu_get_config(struct vhu_conn *c, uint32_t off, uint32_t len, void *buf);

const char *vhu_request_name(uint32_t request);

#endif
