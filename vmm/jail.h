/* The jail of a device process: what it keeps, who it runs as, which
 * system calls it may make. */
#ifndef AIRLOCK_JAIL_H
#define AIRLOCK_JAIL_H

#define JAIL_NOBODY 65534

/* Closes every fd but the listed ones (sorts keep). 0 or -1. */
int jail_keep_fds(int *keep, unsigned n);

/* As root: uid and gid nobody, no groups; always: no_new_privs. 0 or -1. */
int jail_drop_privileges(void);

/* The seccomp allowlist (anything else kills the process): what the I/O
 * loop, the device models, malloc and stdio need once everything is open;
 * socket sends and receives only on fds ctl and evt, its two sockets to
 * airlock, so no other socket it holds (virtio-net's, for the link query)
 * can carry a datagram. 0 or -errno. */
int jail_seccomp(int ctl, int evt);

#endif
