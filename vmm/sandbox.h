/* Device processes (see sandbox.c): each virtio device in a child process
 * that cannot see guest RAM, reached through forwarded register accesses. */
#ifndef AIRLOCK_SANDBOX_H
#define AIRLOCK_SANDBOX_H

#include "handles.h"
#include "sandbox_msg.h"
#include "../devices/virtio_pci.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sandbox;

/* What the parent side needs of the VM (it outlives every sandbox). */
struct sandbox_host {
	struct exit_latch died;         /* fired when a device process dies or misbehaves */
	const struct host_mapping *drop;        /* the device process unmaps these */
	unsigned ndrop;
};

/* Forks vp's device process (before any vCPU or other thread runs). ops
 * are airlock's own (KVM) versions of what the process asks for; all are
 * every virtio device (the process unmaps the others' bounce regions).
 * From then on vp's config space is forwarded. NULL after one error line. */
struct sandbox *sandbox_start(const struct sandbox_host *host, struct virtio_pci *vp,
			      const struct virtio_host_ops *ops, struct virtio_pci *const *all, unsigned nall);

/* airlock's half around a device process that exists already (ctl, evt:
 * airlock's ends of its two sockets): sandbox_start forks one, the unit
 * tests script one. NULL on failure. */
struct sandbox *sandbox_attach(const struct sandbox_host *host, struct virtio_pci *vp,
			       const struct virtio_host_ops *ops, int ctl, int evt, pid_t pid);

/* How long airlock waits for a device process to take a request or answer
 * it before killing it (5 s; the tests shorten it). */
extern int sandbox_timeout_ms;

/* The function as its device process serves it (opaque: the struct
 * sandbox): what the bus and the VM use in place of virtio_pci_fn_ops once
 * the process runs. Config writes update airlock's shadow of the function
 * (BAR placement, MSI-X routes) before they are forwarded. */
extern const struct pci_fn_ops sandbox_fn_ops;

/* Console input for a virtio-console device process. */
size_t sandbox_console_input(void *sb, const uint8_t *buf, size_t len);

/* Copies the process's counters into airlock's copy of the device. */
int sandbox_sync_stats(struct sandbox *sb);

/* A child exited: if it was this device's process, says so and ends the VM
 * with status 4. Returns whether it was. */
bool sandbox_reap(struct sandbox *sb, pid_t pid, int status);
pid_t sandbox_pid(const struct sandbox *sb);

/* Ends the process (closing its control socket; SIGKILL after a second). */
void sandbox_stop(struct sandbox *sb);

#endif
