/* virtio-blk (virtio 1.2 §5.2) on a raw image: IN, OUT, FLUSH, GET_ID. */
#include "virtio_blk.h"

#include "../lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLK_SEG_MAX           126
#define BLK_SIZE_MAX          (256u << 10)    /* the guest driver's mapping cap */

/* Copies len bytes at byte offset off of the chain's readable part. */
static int chain_read(struct dma_window *win, const struct virtq_chain *c, uint64_t off,
		      void *dst, size_t len)
{
	uint8_t *d = dst;

	for (unsigned i = 0; i < c->nread && len; i++) {
		const struct virtq_buf *b = &c->buf[i];

		if (off >= b->len) {
			off -= b->len;
			continue;
		}
		size_t n = b->len - off < len ? b->len - off : len;

		if (dma_read(win, b->addr + off, d, n) < 0)
			return -EFAULT;
		d += n;
		len -= n;
		off = 0;
	}
	return len ? -EINVAL : 0;
}

/* Builds an iovec over buffers [first, last) of the chain, skipping skip
 * bytes at the front and dropping drop bytes at the back. */
static int chain_iov(struct virtio_blk *b, struct dma_window *win, const struct virtq_chain *c,
		     unsigned first, unsigned last, uint64_t skip, uint64_t drop, uint64_t *total)
{
	int n = 0;

	*total = 0;
	for (unsigned i = first; i < last; i++) {
		uint64_t a = c->buf[i].addr, l = c->buf[i].len;

		if (skip) {
			uint64_t s = skip < l ? skip : l;

			a += s;
			l -= s;
			skip -= s;
		}
		if (i == last - 1)
			l = drop < l ? l - drop : 0;
		if (!l)
			continue;
		b->iov[n].iov_base = dma_resolve(win, a, l);
		if (!b->iov[n].iov_base)
			return -EFAULT;
		b->iov[n].iov_len = l;
		*total += l;
		n++;
	}
	return n;
}

static int do_io(int fd, struct iovec *iov, int n, uint64_t off, bool write)
{
	while (n > 0) {
		ssize_t r = write ? pwritev(fd, iov, n, (off_t)off) : preadv(fd, iov, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EIO;
		off += (uint64_t)r;
		while (n > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

uint32_t virtio_blk_handle(struct virtio_blk *b, struct dma_window *win,
			   const struct virtq_chain *c)
{
	struct { uint32_t type, reserved; uint64_t sector; } hdr;
	const struct virtq_buf *st;
	uint8_t status = VIRTIO_BLK_S_IOERR;
	uint64_t total = 0, end;
	uint32_t written = 0;
	int n;

	/* The status byte is the last byte the driver lets us write. */
	if (c->n == c->nread || !c->buf[c->n - 1].len)
		return 0;
	st = &c->buf[c->n - 1];
	if (chain_read(win, c, 0, &hdr, sizeof(hdr)) < 0)
		goto done;

	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
		n = chain_iov(b, win, c, c->nread, c->n, 0, 1, &total);
		/* Whole sectors only (the spec asks the driver; QEMU checks too). */
		if (n < 0 || total % 512 || __builtin_add_overflow(hdr.sector * 512, total, &end) ||
		    hdr.sector > b->sectors || end > b->sectors * 512)
			break;
		if (do_io(b->fd, b->iov, n, hdr.sector * 512, false) == 0) {
			status = VIRTIO_BLK_S_OK;
			written = (uint32_t)total;
			b->reads++;
		}
		break;
	case VIRTIO_BLK_T_OUT:
		if (b->ro)
			break;
		n = chain_iov(b, win, c, 0, c->nread, sizeof(hdr), 0, &total);
		if (n < 0 || total % 512 || __builtin_add_overflow(hdr.sector * 512, total, &end) ||
		    hdr.sector > b->sectors || end > b->sectors * 512)
			break;
		if (do_io(b->fd, b->iov, n, hdr.sector * 512, true) == 0) {
			status = VIRTIO_BLK_S_OK;
			b->writes++;
		}
		break;
	case VIRTIO_BLK_T_FLUSH:
		if (b->ro || fdatasync(b->fd) == 0) {
			status = VIRTIO_BLK_S_OK;
			b->flushes++;
		}
		break;
	case VIRTIO_BLK_T_GET_ID:
		n = chain_iov(b, win, c, c->nread, c->n, 0, 1, &total);
		if (n >= 1 && b->iov[0].iov_len >= 1) {
			size_t l = b->iov[0].iov_len < VIRTIO_BLK_ID_BYTES ? b->iov[0].iov_len
									     : VIRTIO_BLK_ID_BYTES;

			memcpy(b->iov[0].iov_base, b->id, l);
			written = (uint32_t)l;
			status = VIRTIO_BLK_S_OK;
		}
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
done:
	if (status == VIRTIO_BLK_S_IOERR)
		b->errors++;
	if (dma_write(win, st->addr + st->len - 1, &status, 1) < 0)
		return written;
	return written + 1;
}

static uint32_t blk_request(struct virtio_device *d, const struct virtio_io *io, unsigned q,
			    const struct virtq_chain *c)
{
	(void)q;
	return virtio_blk_handle((struct virtio_blk *)d, io->win, c);
}

static void blk_config_read(struct virtio_device *d, unsigned off, void *data, unsigned len)
{
	struct virtio_blk *b = (struct virtio_blk *)d;
	uint8_t cfg[24] = { 0 };
	uint32_t size_max = BLK_SIZE_MAX, seg_max = BLK_SEG_MAX, blk_size = 512;

	/* In a bounce region a whole request must fit, and several at once:
	 * a segment at most a quarter of it, a request at most half. */
	if (d->dma_limit) {
		uint64_t seg = d->dma_limit / 4 < size_max ? d->dma_limit / 4 : size_max;
		uint64_t n = d->dma_limit / 2 / seg;

		size_max = (uint32_t)seg;
		seg_max = n < 1 ? 1 : n > BLK_SEG_MAX ? BLK_SEG_MAX : (uint32_t)n;
	}
	memcpy(cfg, &b->sectors, 8);
	memcpy(cfg + 8, &size_max, 4);
	memcpy(cfg + 12, &seg_max, 4);
	memcpy(cfg + 20, &blk_size, 4);
	memcpy(data, cfg + off, len);  /* the transport bounds off + len */
}

static void blk_destroy(struct virtio_device *d);

struct virtio_device *virtio_blk_create(const char *path, bool ro)
{
	struct flock lk = { .l_type = (short)(ro ? F_RDLCK : F_WRLCK), .l_whence = SEEK_SET };
	struct virtio_blk *b;
	struct stat st;
	const char *base;
	int fd;

	fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0) {
		pr_err("disk %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fcntl(fd, F_OFD_SETLK, &lk) < 0) {
		pr_err("disk %s is in use: locked by another process or another --disk", path);
		close(fd);
		return NULL;
	}
	if (fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
		pr_err("disk %s: not a regular file or block device", path);
		close(fd);
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		close(fd);
		return NULL;
	}
	b->fd = fd;
	b->ro = ro;
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(fd, 0, SEEK_END);

		st.st_size = end > 0 ? end : 0;
	}
	/* A trailing partial sector is not exposed. */
	b->sectors = (uint64_t)st.st_size / 512;
	if ((uint64_t)st.st_size % 512)
		pr_warn("disk %s: size is not a multiple of 512; the last %llu bytes are not visible",
			path, (unsigned long long)((uint64_t)st.st_size % 512));
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	memcpy(b->id, base, strlen(base) < sizeof(b->id) ? strlen(base) : sizeof(b->id));
	b->dev.name = "virtio-blk";
	snprintf(b->dev.what, sizeof(b->dev.what), "disk %s", path);
	b->dev.type = 2;
	b->dev.pci_class = 0x01800000;
	b->dev.features = 1ULL << VIRTIO_BLK_F_SIZE_MAX | 1ULL << VIRTIO_BLK_F_SEG_MAX |
			  1ULL << VIRTIO_BLK_F_BLK_SIZE |
			  1ULL << VIRTIO_BLK_F_FLUSH | (ro ? 1ULL << VIRTIO_BLK_F_RO : 0);
	b->dev.nqueues = 1;
	b->dev.queue_max = 128;
	b->dev.config_len = 24;
	b->dev.config_read = blk_config_read;
	b->dev.request = blk_request;
	b->dev.request_queues = 1;
	b->dev.destroy = blk_destroy;
	b->dev.own_fds[b->dev.nown++] = fd;
	return &b->dev;
}

static void blk_destroy(struct virtio_device *d)
{
	struct virtio_blk *b = (struct virtio_blk *)d;

	if (b->fd >= 0)
		close(b->fd);
}
