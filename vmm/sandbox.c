/* Device processes. With --sandbox on (the default under strict isolation)
 * each virtio device runs in a child process of its own: its virtqueues,
 * its model (disk image, tap, ...) and its transport state. The child maps
 * its bounce region and nothing of guest RAM, keeps only its own fds, runs
 * as nobody with no_new_privs under a seccomp allowlist. So the promise that
 * a device reaches only its bounce BAR is kept by the host MMU, not by code
 * discipline (crosvm's jailed devices are the model).
 *
 * The data path never leaves the child: queue notifies are the ioeventfds
 * KVM signals, interrupts the irqfds KVM injects from. What the vCPUs do to
 * the device's registers (BAR0, config space) is forwarded to it over a
 * socketpair (vmm/sandbox_msg.h); the reply carries what only airlock can do
 * with KVM (map BAR0 or the bounce region, point an MSI route), checked
 * before it is done. The INTx line comes back on a second socket.
 *
 * If a device process dies, or stops answering, the VM ends with exit
 * status 4 and the reason: a disk vanishing under a running guest is worse
 * than a clean stop. */
#include "sandbox.h"

#include "config.h"
#include "jail.h"
#include "../lib/log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int sandbox_timeout_ms = 5000;

struct sandbox {
	struct exit_latch died;         /* the VM ends when the process does */
	const struct sandbox_host *host;
	struct virtio_pci *vp;          /* parent: static facts; child: the device */
	const struct virtio_host_ops *ops;  /* parent: what actions turn into */
	pid_t pid;
	int ctl, evt;                   /* parent's ends */
	pthread_mutex_t lock;           /* one request at a time */
	uint32_t seq;                   /* of the last request */
	pthread_t evt_thread;
	bool evt_started, dead;
	/* child */
	int cctl, cevt;
	/* parent: what the guest wrote to the device's config space and MSI-X
	 * table, applied to a copy of its own: where BAR0 and the bounce region
	 * decode and where each vector points come from here, never from the
	 * device process. */
	struct pci_dev shadow;
	struct msix shadow_msix;
};

/* --- the device process -------------------------------------------------- */

/* What the device would have airlock do with KVM: airlock does it already,
 * from its own copy of the guest's writes (shadow_*, below). */
static int child_map(void *host, struct virtio_pci *vp, uint64_t addr, bool mapped)
{
	(void)host; (void)vp; (void)addr; (void)mapped;
	return 0;
}

static int child_irq_alloc(void *host, int *efd)
{
	(void)host;
	*efd = -1;
	return -1;      /* vectors are allocated before the fork */
}

static int child_irq_route(void *host, struct virtio_pci *vp, int gsi, uint64_t addr, uint32_t data)
{
	(void)host; (void)vp; (void)gsi; (void)addr; (void)data;
	return 0;
}

static void child_intx(void *host, unsigned gsi, int level)
{
	struct sandbox *sb = host;
	struct sb_event e = { .version = SB_VERSION, .type = SB_EV_INTX, .level = level != 0 };

	(void)gsi;
	if (send(sb->cevt, &e, sizeof(e), MSG_NOSIGNAL) < 0) {
		/* airlock is gone: the next read of the control socket ends us */
	}
}

static const struct virtio_host_ops child_ops = {
	.map_bar = child_map, .map_bounce = child_map, .irq_alloc = child_irq_alloc,
	.irq_route = child_irq_route, .intx = child_intx,
};

static void child_serve(struct sandbox *sb, const struct sb_req *q, struct sb_reply *r)
{
	struct virtio_pci *vp = sb->vp;
	uint8_t data[8] = { 0 };

	memset(r, 0, sizeof(*r));
	r->version = SB_VERSION;
	r->seq = q->seq;
	if (sb_check_req(q, VP_BAR_SIZE) < 0) {
		r->status = EPROTO;
		return;
	}
	switch (q->type) {
	case SB_BAR_READ:
	case SB_BAR_WRITE:
		memcpy(data, &q->val, 8);
		virtio_pci_bar_io(vp, q->off, data, q->len, q->type == SB_BAR_WRITE);
		memcpy(&r->val, data, 8);
		break;
	case SB_CFG_READ:
		r->val = pci_cfg_read(&vp->pci, q->off, q->len);
		break;
	case SB_CFG_WRITE:
		pci_cfg_write(&vp->pci, q->off, q->len, (uint32_t)q->val);
		break;
	case SB_CONSOLE_INPUT:
		r->val = virtio_pci_input(vp, q->data, q->len);     /* 0 unless it takes input */
		break;
	case SB_STATS:
		virtio_pci_counters(vp, &r->stats);
		break;
	}
}

/* One request on the control socket; 1 when airlock has gone. */
static int child_request(void *opaque)
{
	struct sandbox *sb = opaque;
	struct sb_reply r;
	struct sb_req q;
	ssize_t n = recv(sb->cctl, &q, sizeof(q), MSG_WAITALL);

	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		return 1;
	if (n != (ssize_t)sizeof(q))
		return 0;
	child_serve(sb, &q, &r);
	return send(sb->cctl, &r, sizeof(r), MSG_NOSIGNAL) == (ssize_t)sizeof(r) ? 0 : 1;
}

static void child_fail(struct sandbox *sb, const char *what)
{
	pr_err("%s: device process: %s: %s", sb->vp->dev->name, what, strerror(errno));
	_exit(111);
}

static void child_main(struct sandbox *sb, struct virtio_pci *const *all, unsigned nall)
{
	struct virtio_pci *vp = sb->vp;
	const struct sandbox_host *host = sb->host;
	char name[16];
	int keep[8 + 2 * VIRTIO_MAX_QUEUES + 4];
	unsigned n = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	snprintf(name, sizeof(name), "airlock-%s", vp->dev->name + (strncmp(vp->dev->name, "virtio-", 7) ? 0 : 7));
	prctl(PR_SET_NAME, name);

	/* Nothing of guest RAM, no other device's bounce region, no vCPU. */
	for (unsigned i = 0; i < host->ndrop; i++)
		if (host->drop[i].addr)
			munmap(host->drop[i].addr, host->drop[i].len);
	for (unsigned i = 0; i < nall; i++)
		if (all[i] != vp && all[i]->iso.bounce.host)
			munmap(all[i]->iso.bounce.host, all[i]->iso.bounce.size);

	/* Only our own fds. */
	keep[n++] = STDERR_FILENO;
	keep[n++] = sb->cctl;
	keep[n++] = sb->cevt;
	for (unsigned i = 0; i < vp->dev->nqueues; i++)
		keep[n++] = vp->q[i].notify_fd;
	for (unsigned i = 0; i <= vp->dev->nqueues; i++)
		keep[n++] = vp->vec_fd[i];
	for (unsigned i = 0; i < vp->dev->nown; i++)
		keep[n++] = vp->dev->own_fds[i];
	if (jail_keep_fds(keep, n) < 0)
		child_fail(sb, "closing inherited fds");
	if (vp->iso.bounce.fd >= 0)
		vp->iso.bounce.fd = -1;     /* closed above; the mapping stays */

	vp->ops = &child_ops;
	vp->host = sb;
	if (virtio_pci_loop_init(vp, sb->cctl) < 0)
		child_fail(sb, "epoll");

	/* Fewer rights: nobody, no new privileges, the allowlist. */
	if (jail_drop_privileges() < 0)
		child_fail(sb, "dropping to uid nobody with no_new_privs");
	errno = -jail_seccomp(sb->cctl, sb->cevt);
	if (errno)
		child_fail(sb, "installing the seccomp filter");

	/* Test hook: a system call the filter forbids. */
	if (test_hook("sandbox-forbidden-syscall"))
		syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);

	virtio_pci_loop(vp, child_request, sb);
	_exit(0);
}

/* --- airlock's side ------------------------------------------------------- */

static void died(struct sandbox *sb, const char *why)
{
	char msg[200];

	if (sb->dead)
		return;
	sb->dead = true;
	snprintf(msg, sizeof(msg), "%s (00:%02x.0): device process %d %s; stopping the VM",
		 sb->vp->dev->name, sb->vp->slot, (int)sb->pid, why);
	exit_latch_fire(&sb->died, EXIT_DEVICE_DIED, msg);
}

/* The INTx line, raised and lowered by the device process. */
static void *evt_thread(void *arg)
{
	struct sandbox *sb = arg;
	struct sb_event e;

	for (;;) {
		ssize_t n = recv(sb->evt, &e, sizeof(e), MSG_WAITALL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(e))
			return NULL;    /* gone: SIGCHLD tells why */
		if (sb_check_event(&e) < 0) {
			pr_warn("%s: malformed event from its device process; ignored", sb->vp->dev->name);
			continue;
		}
		sb->ops->intx(sb->vp->host, sb->vp->intx_gsi, (int)e.level);
	}
}

/* The guest moved or switched a BAR of the device: map what airlock
 * itself now sees decoding (BAR0's registers, the bounce region). */
static void shadow_bar_changed(struct pci_dev *d, int bar, uint64_t addr, bool mapped)
{
	struct sandbox *sb = d->opaque;

	if (bar == 0)
		sb->ops->map_bar(sb->vp->host, sb->vp, addr, mapped);
	else if (bar == VP_BOUNCE_BAR && sb->vp->iso.bounce.size)
		sb->ops->map_bounce(sb->vp->host, sb->vp, addr, mapped);
}

/* The guest wrote a vector's address or data: route exactly that. */
static void shadow_route(void *opaque, unsigned vec, uint64_t addr, uint32_t data)
{
	struct sandbox *sb = opaque;

	if (vec <= VIRTIO_MAX_QUEUES && sb->vp->vec_gsi[vec] >= 0)
		sb->ops->irq_route(sb->vp->host, sb->vp, sb->vp->vec_gsi[vec], addr, data);
}

static void shadow_fire(void *opaque, unsigned vec)
{
	(void)opaque; (void)vec;        /* the device process delivers */
}

/* A copy of the function as it is before the fork, then kept up to date
 * with every write the guest makes. */
static void shadow_init(struct sandbox *sb)
{
	sb->shadow = sb->vp->pci;
	sb->shadow.bar_changed = shadow_bar_changed;
	sb->shadow.cap_written = NULL;
	sb->shadow.cap_read = NULL;
	sb->shadow.command_written = NULL;
	sb->shadow.opaque = sb;
	sb->shadow_msix = sb->vp->msix;
	sb->shadow_msix.dev = &sb->shadow;
	sb->shadow_msix.fire = shadow_fire;
	sb->shadow_msix.route = shadow_route;
	sb->shadow_msix.opaque = sb;
	pthread_mutex_init(&sb->shadow_msix.lock, NULL);
}

/* Ends a device process that broke the protocol or stopped answering. */
static int kill_it(struct sandbox *sb, const char *why)
{
	pid_t pid = sb->pid;

	if (pid > 0)            /* -1 once reaped: never kill(-1) */
		kill(pid, SIGKILL);
	pthread_mutex_unlock(&sb->lock);
	died(sb, why);
	return -1;
}

/* Waits up to the deadline for fd to be ready for events. */
static bool ready(int fd, short events)
{
	struct pollfd p = { fd, events, 0 };
	int n;

	while ((n = poll(&p, 1, sandbox_timeout_ms)) < 0 && errno == EINTR)
		;
	return n == 1 && (p.revents & events);
}

/* One request and its reply. -1 when the device process is gone. Never
 * blocks past the deadline on a process that does not read or answer, and
 * takes a reply only to this very request: anything else kills it. */
static int call(struct sandbox *sb, struct sb_req *q, struct sb_reply *r)
{
	ssize_t n;

	q->version = SB_VERSION;
	pthread_mutex_lock(&sb->lock);
	if (sb->dead) {
		pthread_mutex_unlock(&sb->lock);
		return -1;
	}
	q->seq = ++sb->seq;
	/* A reply waiting before we asked is one it queued ahead. */
	if (recv(sb->ctl, r, sizeof(*r), MSG_DONTWAIT | MSG_PEEK) > 0)
		return kill_it(sb, "sent a reply nobody asked for (killed)");
	for (;;) {
		n = send(sb->ctl, q, sizeof(*q), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == (ssize_t)sizeof(*q))
			break;
		if (n >= 0 || (errno != EAGAIN && errno != EINTR))
			goto gone;
		if (errno == EAGAIN && !ready(sb->ctl, POLLOUT))
			return kill_it(sb, "stopped reading its requests (killed)");
	}
	if (!ready(sb->ctl, POLLIN))
		return kill_it(sb, "stopped answering (killed)");
	n = recv(sb->ctl, r, sizeof(*r), MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN))
		goto gone;
	if (n != (ssize_t)sizeof(*r) || sb_check_reply(r, q->seq) < 0)
		return kill_it(sb, "sent a malformed reply (killed)");
	pthread_mutex_unlock(&sb->lock);
	return r->status ? -1 : 0;
gone:
	pthread_mutex_unlock(&sb->lock);
	/* It died: SIGCHLD will say how, and end the VM. */
	return -1;
}

static void bar_io(void *opaque, uint64_t off, uint8_t *data, unsigned len, bool is_write)
{
	struct sb_req q = { .type = is_write ? SB_BAR_WRITE : SB_BAR_READ, .off = (uint32_t)off,
			    .len = len };
	struct sb_reply r;

	if (is_write)
		memcpy(&q.val, data, len);
	/* The MSI-X table: airlock's copy routes what the guest wrote. */
	if (is_write && off >= VP_MSIX_OFF && off < VP_PBA_OFF)
		msix_table_io(&((struct sandbox *)opaque)->shadow_msix, off - VP_MSIX_OFF, data, len, true);
	if (call(opaque, &q, &r) < 0) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	if (!is_write)
		memcpy(data, &r.val, len);
}

static uint32_t cfg_read(void *opaque, unsigned off, unsigned len)
{
	struct sb_req q = { .type = SB_CFG_READ, .off = off, .len = len };
	struct sb_reply r;

	return call(opaque, &q, &r) < 0 ? 0xffffffffu : (uint32_t)r.val;
}

static void cfg_write(void *opaque, unsigned off, unsigned len, uint32_t val)
{
	struct sandbox *sb = opaque;
	struct sb_req q = { .type = SB_CFG_WRITE, .off = off, .len = len, .val = val };
	struct sb_reply r;

	/* BARs and COMMAND: airlock's copy maps what now decodes. */
	pci_cfg_write(&sb->shadow, off, len, val);
	call(sb, &q, &r);
}

size_t sandbox_console_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct sb_req q = { .type = SB_CONSOLE_INPUT };
	struct sb_reply r;

	q.len = (uint32_t)(len < SB_MAX_INPUT ? len : SB_MAX_INPUT);
	memcpy(q.data, buf, q.len);
	if (call(opaque, &q, &r) < 0)
		return len;     /* dropped: the device is gone */
	return r.val <= q.len ? (size_t)r.val : 0;
}

const struct pci_fn_ops sandbox_fn_ops = { cfg_read, cfg_write, bar_io };

int sandbox_sync_stats(struct sandbox *sb)
{
	struct sb_req q = { .type = SB_STATS };
	struct sb_reply r;

	if (call(sb, &q, &r) < 0)
		return -1;
	virtio_pci_set_counters(sb->vp, &r.stats);
	return 0;
}

/* From here on vp's registers are the process's (sandbox_fn_ops reach
 * them), and we listen for its events. false (sb freed) when that cannot start. */
static bool proxy_start(struct sandbox *sb)
{
	shadow_init(sb);
	if (pthread_create(&sb->evt_thread, NULL, evt_thread, sb) != 0) {
		pr_err("%s: cannot start its event thread", sb->vp->dev->name);
		sandbox_stop(sb);
		return false;
	}
	sb->evt_started = true;
	return true;
}

struct sandbox *sandbox_attach(const struct sandbox_host *host, struct virtio_pci *vp,
			       const struct virtio_host_ops *ops, int ctl, int evt, pid_t pid)
{
	struct sandbox *sb = calloc(1, sizeof(*sb));

	if (!sb)
		return NULL;
	*sb = (struct sandbox){ .died = host->died, .host = host, .vp = vp, .ops = ops, .pid = pid, .ctl = ctl, .evt = evt,
				.cctl = -1, .cevt = -1 };
	pthread_mutex_init(&sb->lock, NULL);
	return proxy_start(sb) ? sb : NULL;
}

struct sandbox *sandbox_start(const struct sandbox_host *host, struct virtio_pci *vp,
			      const struct virtio_host_ops *ops, struct virtio_pci *const *all, unsigned nall)
{
	struct sandbox *sb = calloc(1, sizeof(*sb));
	int ctl[2] = { -1, -1 }, evt[2] = { -1, -1 };

	if (!sb || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, evt) < 0) {
		pr_err("%s: cannot set up its device process: %s", vp->dev->name, strerror(errno));
		goto err;
	}
	sb->died = host->died;
	sb->host = host;
	sb->vp = vp;
	sb->ops = ops;
	sb->ctl = ctl[0];
	sb->evt = evt[0];
	sb->cctl = ctl[1];
	sb->cevt = evt[1];
	pthread_mutex_init(&sb->lock, NULL);
	fflush(NULL);
	sb->pid = fork();
	if (sb->pid < 0) {
		pr_err("%s: fork: %s", vp->dev->name, strerror(errno));
		goto err;
	}
	if (sb->pid == 0)
		child_main(sb, all, nall);      /* does not return */
	close(ctl[1]);
	close(evt[1]);
	sb->cctl = sb->cevt = -1;
	if (!proxy_start(sb))
		return NULL;
	pr_info("%s: device process %d (uid %d, seccomp, no guest RAM)", vp->dev->name, (int)sb->pid,
		geteuid() == 0 ? JAIL_NOBODY : (int)geteuid());
	return sb;
err:
	for (int i = 0; i < 2; i++) {
		if (ctl[i] >= 0)
			close(ctl[i]);
		if (evt[i] >= 0)
			close(evt[i]);
	}
	free(sb);
	return NULL;
}

bool sandbox_reap(struct sandbox *sb, pid_t pid, int status)
{
	char why[96];

	if (!sb || sb->pid != pid)
		return false;
	if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "was killed by SIG%s%s", sigabbrev_np(WTERMSIG(status)) ?: "?",
			 WTERMSIG(status) == SIGSYS ? " (a system call its seccomp filter forbids)" : "");
	else
		snprintf(why, sizeof(why), "exited with status %d", WEXITSTATUS(status));
	died(sb, why);
	sb->pid = -1;
	return true;
}

pid_t sandbox_pid(const struct sandbox *sb)
{
	return sb ? sb->pid : -1;
}

void sandbox_stop(struct sandbox *sb)
{
	if (!sb)
		return;
	sb->dead = true;
	if (sb->ctl >= 0)
		shutdown(sb->ctl, SHUT_RDWR);
	/* It leaves when its control socket closes; a second at most. Then
	 * SIGKILL, and two more seconds: a process stuck in the kernel
	 * (uninterruptible I/O) dies only when that ends, and airlock does
	 * not wait for it past that (init reaps it). */
	if (sb->pid > 0 && !child_ended_within(sb->pid, 1000)) {
		kill(sb->pid, SIGKILL);
		if (!child_ended_within(sb->pid, 2000))
			pr_warn("%s: device process %d has not ended 2 s after SIGKILL (stuck in the kernel?); not waiting for it",
				sb->vp->dev->name, (int)sb->pid);
	}
	if (sb->evt >= 0)
		shutdown(sb->evt, SHUT_RDWR);
	if (sb->evt_started)
		pthread_join(sb->evt_thread, NULL);
	if (sb->ctl >= 0)
		close(sb->ctl);
	if (sb->evt >= 0)
		close(sb->evt);
	pthread_mutex_destroy(&sb->lock);
	if (sb->shadow_msix.opaque)
		msix_destroy(&sb->shadow_msix);
	free(sb);
}
