/* --fs dir=DIR: airlock starts Debian's virtiofsd (qemu-system-common's
 * /usr/lib/qemu/virtiofsd; AIRLOCK_VIRTIOFSD names another) for the VM,
 * on a socket in a private directory, with its own sandbox (namespace
 * mode: mount, pid and net namespaces, pivot_root into DIR) and its log in
 * that directory; it is stopped with the VM. virtiofsd needs root. */
#ifndef AIRLOCK_VIRTIOFSD_H
#define AIRLOCK_VIRTIOFSD_H

#include <sys/types.h>

struct virtiofsd {
	pid_t pid;
	char dir[64];           /* the private directory: socket, log */
	char sock[96];
	char log[96];
};

/* Starts it on share and waits (seconds at most) for its socket. NULL
 * after one error line (with the daemon's last log line). */
struct virtiofsd *virtiofsd_start(const char *share);
/* Stops it (SIGTERM, then SIGKILL) and removes its directory; frees d.
 * For vhost_user_spec.on_destroy. */
void virtiofsd_stop(void *d);
/* "virtiofsd exited: LAST LOG LINE" once it has; for
 * vhost_user_spec.describe. */
void virtiofsd_describe(void *d, char *buf, unsigned len);

#endif
