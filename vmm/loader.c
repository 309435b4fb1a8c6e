/* Reading the kernel and initrd files into guest RAM: what every arch's
 * loader shares. */
#include "loader.h"

#include "../boot/initrd.h"
#include "../lib/clock.h"
#include "../lib/log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KERNEL_MAX_FILE (512ULL << 20)

int load_kernel_file(const char *path, uint8_t **img, size_t *len)
{
	int ret = file_read_all(path, img, len, KERNEL_MAX_FILE);

	if (ret < 0) {
		pr_err("kernel %s: %s", path,
		       ret == -EFBIG ? "larger than 512 MiB, not a kernel" : strerror(-ret));
		return -1;
	}
	return 0;
}

int loader_inflate(const char *what, const char *kind, enum dc_fmt f, const uint8_t *in, size_t len,
		   size_t limit, size_t hint, const char *(*check)(const uint8_t *, size_t),
		   struct kblob *out, int *hit)
{
	const char *bad;
	uint8_t *buf;
	size_t n, used;
	enum dc_err e;

	long long t0 = mono_us();

	*hit = 0;
	if (dc_worth_caching(f) && kcache_get(kind, in, len, out)) {
		/* Checked again: the entry's key held, but the check is the loader's. */
		if (!check || !check(out->p, out->len)) {
			*hit = 1;
			pr_debug("%s: from the boot cache in %lld us", what, mono_us() - t0);
			return 0;
		}
		kblob_free(out);
	}
	e = dc_inflate(f, in, len, limit, hint, &buf, &n, &used);
	if (e != DC_OK) {
		if (e == DC_TOO_BIG)
			pr_err("%s: %s payload decompresses to more than --mem (%zu MiB)", what, dc_name(f),
			       limit >> 20);
		else
			pr_err("%s: %s payload: %s", what, dc_name(f), dc_strerror(e));
		return -1;
	}
	if (check && (bad = check(buf, n))) {
		pr_err("%s: the %s payload is not a kernel: %s", what, dc_name(f), bad);
		free(buf);
		return -1;
	}
	pr_debug("%s: %s payload decompressed in %lld us", what, dc_name(f), mono_us() - t0);
	if (dc_worth_caching(f))
		kcache_put(kind, in, len, buf, n);
	out->heap = buf;
	out->p = buf;
	out->len = n;
	return 0;
}

/* An xz or lzma initrd (raw, len bytes) unpacked on the host, from the
 * cache after the first time: 1 with *b, or 0 to leave it as it is. Only
 * what the kernel would inflate slowly is unpacked (and cached): gzip, zstd
 * and lz4 go as they are: measured in the nested boot tests, a plain 12 MiB
 * initrd cost the guest twice the time its 5.6 MiB gzip did (each page the
 * guest first touches is an exit there), and inflating it here cost more
 * again. A plain initrd stays in guest RAM beside what the kernel unpacks
 * from it until the kernel frees it, so the caller's limit keeps it to a
 * quarter of RAM; a bigger one the kernel unpacks itself. */
static int initrd_unpacked(const char *path, const uint8_t *raw, size_t len, size_t limit,
			   struct kblob *b, const char **how)
{
	uint8_t *out;
	size_t outlen;
	const char *why;

	memset(b, 0, sizeof(*b));
	if (!dc_worth_caching((enum dc_fmt)initrd_first_format(raw, len)))
		return 0;
	if (kcache_get("initrd", raw, len, b)) {
		if (b->len <= limit) {
			*how = "decompressed on the host, from the cache";
			return 1;
		}
		kblob_free(b);
	}
	switch (initrd_unpack(raw, len, limit, &out, &outlen, &why)) {
	case INITRD_UNPACKED:
		kcache_put("initrd", raw, len, out, outlen);
		b->heap = out;
		b->p = out;
		b->len = outlen;
		*how = "decompressed on the host";
		return 1;
	case INITRD_CANNOT:
		pr_debug("initrd %s: %s; the kernel unpacks it", path, why);
		break;
	case INITRD_PLAIN:
		break;
	}
	return 0;
}

int load_initrd(struct guest_mem *mem, const char *path, uint64_t lowest, uint64_t highest,
		uint64_t *addr, uint64_t *size)
{
	uint64_t room = highest > lowest ? highest - lowest : 0, at, at2;
	long long t0 = mono_us();
	const char *how;
	struct kblob b;
	struct stat st;
	uint8_t *raw;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		pr_err("initrd %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*size = (uint64_t)st.st_size;
	at = *size <= highest ? (highest - *size) & ~0xfffULL : 0;
	if (*size == 0 || *size > highest || at < lowest) {
		pr_err("initrd %s (%llu MiB) does not fit in guest RAM below %llu MiB next to the kernel; raise --mem",
		       path, (unsigned long long)(*size >> 20), (unsigned long long)(highest >> 20));
		close(fd);
		return -1;
	}
	/* Read straight to where it goes: as it is, it stays there. */
	raw = guest_mem_ptr(mem, at, *size);
	ret = file_read_exact(fd, raw, *size);
	close(fd);
	if (ret < 0) {
		pr_err("initrd %s: %s", path, strerror(-ret));
		return -1;
	}
	if (initrd_unpacked(path, raw, *size, (size_t)(room < mem->size / 4 ? room : mem->size / 4),
			    &b, &how)) {
		at2 = (highest - b.len) & ~0xfffULL;
		if (at2 >= lowest) {
			memcpy(guest_mem_ptr(mem, at2, b.len), b.p, b.len);
			at = at2;
			*size = b.len;
			pr_info("initrd %s: %llu KiB, %s, in %lld us", path,
				(unsigned long long)(*size >> 10), how, mono_us() - t0);
		}
		kblob_free(&b);
	}
	*addr = at;
	return 0;
}
