/* Devices whose queues a vhost-user backend serves: vhost-user-blk
 * (qemu-storage-daemon, SPDK) and virtio-fs (virtiofsd). airlock is the
 * frontend: it negotiates with the backend once at creation (features,
 * protocol features, queue count, blk's config space), offers the guest
 * what both support, and hands the backend the device's memory and queues
 * while the device may run (devices/virtio_ext.c decides when, and what
 * memory: in strict mode the device's region alone). A backend that hangs
 * up, fails a message or misses a deadline puts the device in NEEDS_RESET;
 * the next start after the guest's reset connects again. */
#ifndef AIRLOCK_VHOST_USER_DEV_H
#define AIRLOCK_VHOST_USER_DEV_H

#include <stdbool.h>

struct virtio_device;

enum vhost_user_kind { VHOST_USER_BLK, VHOST_USER_FS };

struct vhost_user_spec {
	enum vhost_user_kind kind;
	const char *socket;     /* the backend's listening socket */
	bool ro;                /* blk: the backend must export read-only */
	const char *tag;        /* fs: the mount tag (at most 36 bytes) */
	int timeout_ms;         /* for each message; 0: the default */
	/* Run when the device is destroyed (e.g. stop the daemon airlock
	 * started for it), and for messages: who serves it. May be NULL. */
	void (*on_destroy)(void *arg);
	void *arg;
	/* A line about the backend for a failure message ("" when there is
	 * nothing to add), e.g. the daemon's last log line. May be NULL. */
	void (*describe)(void *arg, char *buf, unsigned len);
};

/* Connects and negotiates; NULL after one error line naming the socket
 * (on_destroy has then run). */
struct virtio_device *vhost_user_create(const struct vhost_user_spec *s);

#endif
