/* The transport's data path: the I/O loop a device's thread (or its
 * device process) runs on the queue notifies, the host fd and one extra fd,
 * and what it does on each: serve request queues through the model's
 * request handler, pass receive work and host input to the model. */
#include "virtio_pci.h"

#include "../lib/log.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* The chains the driver made available on request queue qi. */
static void serve(struct virtio_pci *vp, const struct virtio_io *io, unsigned qi)
{
	struct virtq *q = virtio_io_queue(io, qi);
	struct virtq_chain *c = &vp->chain;
	unsigned served = 0;
	int got;

	while (q && (got = virtq_pop(q, c)) != 0) {
		if (got < 0 || virtq_push(q, c->head, vp->dev->request(vp->dev, io, qi, c)) < 0) {
			virtio_io_fault(io, qi);
			return;
		}
		if (++served == q->size) {
			vp->q[qi].more = true;
			break;
		}
	}
	if (served)
		virtio_io_interrupt(io, qi);
}

void virtio_pci_notify(struct virtio_pci *vp, unsigned q)
{
	struct virtio_io io = { vp->win, vp };
	uint64_t one = 1;

	/* A backend's queue: the notify reached BAR0 without its ioeventfd
	 * (pass it on). */
	if (vp->dev->ext) {
		if (q < vp->dev->nqueues && vp->ext_running && write(vp->q[q].notify_fd, &one, 8) < 0)
			pr_debug("%s: notify: %s", vp->dev->name, strerror(errno));
		return;
	}
	if (!virtio_io_queue(&io, q))
		return;
	if (vp->dev->notify)
		vp->dev->notify(vp->dev, &io, q);
	if (vp->dev->request && (vp->dev->request_queues >> q & 1))
		serve(vp, &io, q);
}

size_t virtio_pci_input(void *opaque, const uint8_t *buf, size_t n)
{
	struct virtio_pci *vp = opaque;
	struct virtio_io io = { vp->win, vp };
	size_t took = 0;

	pthread_mutex_lock(&vp->lock);
	if (vp->dev->input && (vp->status & VIRTIO_CONFIG_S_DRIVER_OK))
		took = vp->dev->input(vp->dev, &io, buf, n);
	pthread_mutex_unlock(&vp->lock);
	return took;
}

/* --- the I/O thread ------------------------------------------------------ */

void virtio_pci_host_fd_ready(struct virtio_pci *vp)
{
	struct virtio_io io = { vp->win, vp };

	pthread_mutex_lock(&vp->lock);
	/* A backend's socket matters in every state (it may hang up). */
	if ((vp->status & VIRTIO_CONFIG_S_DRIVER_OK) || vp->dev->ext)
		vp->dev->fd_ready(vp->dev, &io);
	pthread_mutex_unlock(&vp->lock);
}

#define EV_RELAY (1u << 16)            /* | q: queue q's relay fd */
#define EV_HOST  (UINT32_MAX >> 2)
#define EV_EXTRA (UINT32_MAX >> 1)

void virtio_pci_watch_host_fd(struct virtio_pci *vp)
{
	struct epoll_event hev = { .events = EPOLLIN | EPOLLET, .data.u32 = EV_HOST };

	if (vp->epoll_fd >= 0 && vp->dev->host_fd >= 0 &&
	    epoll_ctl(vp->epoll_fd, EPOLL_CTL_ADD, vp->dev->host_fd, &hev) < 0 && errno != EEXIST)
		pr_warn("%s: cannot watch its host fd: %s", vp->dev->name, strerror(errno));
}

int virtio_pci_loop_init(struct virtio_pci *vp, int extra_fd)
{
	struct epoll_event ev = { .events = EPOLLIN };

	vp->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (vp->epoll_fd < 0)
		return -1;
	/* A backend's queues: it reads their notifies itself; airlock
	 * relays its completions for queues without an MSI-X vector. */
	for (unsigned i = 0; i < vp->dev->nqueues; i++) {
		ev.data.u32 = vp->dev->ext ? EV_RELAY | i : i;
		if (epoll_ctl(vp->epoll_fd, EPOLL_CTL_ADD, vp->dev->ext ? vp->q[i].relay_fd : vp->q[i].notify_fd,
			      &ev) < 0)
			return -1;
	}
	if (vp->dev->fd_ready && vp->dev->host_fd >= 0) {
		struct epoll_event hev = { .events = EPOLLIN | EPOLLET, .data.u32 = EV_HOST };

		if (epoll_ctl(vp->epoll_fd, EPOLL_CTL_ADD, vp->dev->host_fd, &hev) < 0)
			return -1;
	}
	ev.data.u32 = EV_EXTRA;
	return epoll_ctl(vp->epoll_fd, EPOLL_CTL_ADD, extra_fd, &ev);
}

void virtio_pci_loop(struct virtio_pci *vp, int (*extra)(void *opaque), void *opaque)
{
	struct epoll_event ev[8];

	for (;;) {
		int n = epoll_wait(vp->epoll_fd, ev, 8, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		for (int i = 0; i < n; i++) {
			uint64_t cnt, one = 1;
			unsigned q = ev[i].data.u32;
			bool more;

			if (q == EV_EXTRA) {
				if (extra(opaque))
					return;
				continue;
			}
			if (q == EV_HOST) {
				virtio_pci_host_fd_ready(vp);
				continue;
			}
			if (q & EV_RELAY) {
				q &= ~EV_RELAY;
				if (read(vp->q[q].relay_fd, &cnt, 8) < 0 && errno != EAGAIN)
					continue;
				pthread_mutex_lock(&vp->lock);
				virtio_pci_relay(vp, q);
				pthread_mutex_unlock(&vp->lock);
				continue;
			}
			if (read(vp->q[q].notify_fd, &cnt, 8) < 0 && errno != EAGAIN)
				continue;
			pthread_mutex_lock(&vp->lock);
			virtio_pci_notify(vp, q);
			more = vp->q[q].more;
			vp->q[q].more = false;
			pthread_mutex_unlock(&vp->lock);
			/* Not done: come back once the other events had their turn. */
			if (more && write(vp->q[q].notify_fd, &one, 8) < 0)
				continue;
		}
	}
}

static int stop_requested(void *opaque)
{
	(void)opaque;
	return 1;
}

static void *io_thread(void *arg)
{
	virtio_pci_loop(arg, stop_requested, NULL);
	return NULL;
}

int virtio_pci_start(struct virtio_pci *vp)
{
	vp->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (vp->stop_fd < 0 || virtio_pci_loop_init(vp, vp->stop_fd) < 0 ||
	    pthread_create(&vp->thread, NULL, io_thread, vp) != 0) {
		pr_err("%s: cannot start its I/O thread: %s", vp->dev->name, strerror(errno));
		return -1;
	}
	vp->thread_started = true;
	return 0;
}

