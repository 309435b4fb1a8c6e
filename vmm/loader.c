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

/* The initrd as the guest gets it: decompressed on the host when it can be
 * (from the cache after the first time) and small enough, else as it is in
 * the file. A plain initrd stays in guest RAM beside what the kernel
 * unpacks from it until the kernel frees it, so twice its size must fit
 * well within RAM: at most a quarter of it (ram) is handed over unpacked;
 * a bigger one the kernel unpacks itself, as it always did. */
static int initrd_contents(const char *path, size_t limit, uint64_t ram, struct kblob *b,
			   const char **how)
{
	uint8_t *raw, *out;
	size_t len, outlen;
	const char *why;
	int cache, ret = file_read_all(path, &raw, &len, limit ? limit : 1);

	memset(b, 0, sizeof(*b));
	if (ret < 0) {
		pr_err("initrd %s: %s", path,
		       ret == -EFBIG ? "larger than guest RAM allows; raise --mem" : strerror(-ret));
		return -1;
	}
	*how = "as it is";
	if (limit > ram / 4)
		limit = (size_t)(ram / 4);
	/* Only what the kernel would inflate slowly (xz, lzma) is handed over
	 * unpacked, and cached. gzip, zstd and lz4 go as they are: measured in
	 * the nested boot tests, a plain 12 MiB initrd cost the guest twice the
	 * time its 5.6 MiB gzip did (each page the guest first touches is an
	 * exit there), and inflating it here cost more again. */
	cache = dc_worth_caching((enum dc_fmt)initrd_first_format(raw, len));
	if (!cache)
		goto as_is;
	if (kcache_get("initrd", raw, len, b)) {
		if (b->len <= limit) {
			*how = "decompressed on the host, from the cache";
			free(raw);
			return 0;
		}
		kblob_free(b);
	}
	switch (initrd_unpack(raw, len, limit, &out, &outlen, &why)) {
	case INITRD_UNPACKED:
		kcache_put("initrd", raw, len, out, outlen);
		free(raw);
		b->heap = out;
		b->p = out;
		b->len = outlen;
		*how = "decompressed on the host";
		return 0;
	case INITRD_CANNOT:
		pr_debug("initrd %s: %s; the kernel unpacks it", path, why);
		break;
	case INITRD_PLAIN:
		break;
	}
as_is:
	b->heap = raw;
	b->p = raw;
	b->len = len;
	return 0;
}

int load_initrd(struct guest_mem *mem, const char *path, uint64_t lowest, uint64_t highest,
		uint64_t *addr, uint64_t *size)
{
	uint64_t room = highest > lowest ? highest - lowest : 0, at;
	struct kblob b = { 0 };
	const char *how = "as it is";
	long long t0 = mono_us();

	struct stat st;

	/* Too big as it is in the file: the same refusal as once it is read. */
	if (stat(path, &st) == 0 && (uint64_t)st.st_size > room)
		b.len = (size_t)st.st_size;
	else if (initrd_contents(path, room > SIZE_MAX ? SIZE_MAX : (size_t)room, mem->size, &b,
				 &how) < 0)
		return -1;
	*size = b.len;
	at = *size <= highest ? (highest - *size) & ~0xfffULL : 0;
	if (*size == 0 || *size > highest || at < lowest) {
		pr_err("initrd %s (%llu MiB) does not fit in guest RAM below %llu MiB next to the kernel; raise --mem",
		       path, (unsigned long long)(*size >> 20), (unsigned long long)(highest >> 20));
		kblob_free(&b);
		return -1;
	}
	memcpy(guest_mem_ptr(mem, at, *size), b.p, *size);
	if (strcmp(how, "as it is"))
		pr_info("initrd %s: %llu KiB, %s, in %lld us", path, (unsigned long long)(*size >> 10), how,
			mono_us() - t0);
	kblob_free(&b);
	*addr = at;
	return 0;
}
