#include "kcache.h"

#include "parse.h"
#include "../lib/fdio.h"
#include "../lib/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lzma.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HDR_SIZE 128
#define DEFAULT_MAX (1ULL << 30)
static const uint8_t magic[8] = { 'a', 'l', 'k', 'c', 'a', 'c', 'h', '2' };

static struct {
	int state;                 /* 0 not set up, 1 usable, -1 off */
	char dir[PATH_MAX];
} kc;

/* The key is the input's SHA-256: a CRC would let a kernel booted once be
 * made to collide with another one booted later. The contents only need a
 * check against damage: a CRC-64. */
struct hdr {
	uint8_t magic[8];
	char kind[16];
	uint64_t in_len;
	uint8_t in_sha[SHA256_DIGEST_SIZE];
	uint64_t out_len, out_crc;
	uint8_t pad[HDR_SIZE - 8 - 16 - 8 - SHA256_DIGEST_SIZE - 16];
};
_Static_assert(sizeof(struct hdr) == HDR_SIZE, "cache entry header");

static int mkdirs(char *path, mode_t mode)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int r = mkdir(path, mode);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return -1;
	}
	return mkdir(path, mode) < 0 && errno != EEXIST ? -1 : 0;
}

static int default_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (geteuid() == 0)
		n = snprintf(buf, len, "/var/cache/airlock/boot");
	else if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/airlock/boot", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, len, "%s/.cache/airlock/boot", home);
	else
		return -1;
	return n > 0 && (size_t)n < len ? 0 : -1;
}

void kcache_setup(int enabled, const char *dir)
{
	struct stat st;

	kc.state = -1;
	if (!enabled)
		return;
	if (dir ? snprintf(kc.dir, sizeof(kc.dir), "%s", dir) >= (int)sizeof(kc.dir)
		: default_dir(kc.dir, sizeof(kc.dir)) < 0)
		return;
	/* 0700 and entries 0600: a decompressed initrd may hold secrets its
	 * 0600 file kept. */
	if (mkdirs(kc.dir, 0700) < 0 || lstat(kc.dir, &st) < 0) {
		pr_debug("boot cache %s: %s; not used", kc.dir, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		pr_debug("boot cache %s: not a directory of this user's that only it can write; not used",
			 kc.dir);
		return;
	}
	if ((st.st_mode & 077) && chmod(kc.dir, 0700) < 0)
		pr_debug("boot cache %s: cannot make it private: %s", kc.dir, strerror(errno));
	kc.state = 1;
}

static int usable(void)
{
	if (kc.state == 0)
		kcache_setup(1, NULL);
	return kc.state == 1;
}

/* The header an entry for (kind, in) must have, up to its contents. */
static void fill_key(struct hdr *h, const char *kind, const uint8_t *in, size_t inlen)
{
	struct sha256_ctx c;

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, magic, sizeof(magic));
	snprintf(h->kind, sizeof(h->kind), "%s", kind);
	h->in_len = inlen;
	sha256_init(&c);
	sha256_update(&c, inlen, in);
	sha256_digest(&c, sizeof(h->in_sha), h->in_sha);
}

static int entry_path(char *buf, size_t len, const struct hdr *h)
{
	char hex[2 * SHA256_DIGEST_SIZE + 1];
	int n;

	for (unsigned i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", h->in_sha[i]);
	n = snprintf(buf, len, "%s/%s-%s", kc.dir, h->kind, hex);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

int kcache_get(const char *kind, const uint8_t *in, size_t inlen, struct kblob *out)
{
	char path[PATH_MAX];
	struct hdr want, h;
	struct stat st;
	void *map;
	int fd;

	memset(out, 0, sizeof(*out));
	if (!usable())
		return 0;
	fill_key(&want, kind, in, inlen);
	if (entry_path(path, sizeof(path), &want) < 0)
		return 0;
	/* O_NONBLOCK: a FIFO planted there must not hang us before fstat. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || st.st_size < HDR_SIZE || (uint64_t)st.st_size > SIZE_MAX)
		goto bad;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED)
		goto bad;
	memcpy(&h, map, sizeof(h));
	/* The key in the header, not just the name; then the contents. */
	if (memcmp(h.magic, want.magic, sizeof(h.magic)) || memcmp(h.kind, want.kind, sizeof(h.kind)) ||
	    h.in_len != want.in_len || memcmp(h.in_sha, want.in_sha, sizeof(h.in_sha)) ||
	    h.out_len != (uint64_t)st.st_size - HDR_SIZE ||
	    lzma_crc64((const uint8_t *)map + HDR_SIZE, (size_t)h.out_len, 0) != h.out_crc) {
		munmap(map, (size_t)st.st_size);
		goto bad;
	}
	futimens(fd, NULL);        /* recently used: evicted last */
	close(fd);
	out->map = map;
	out->maplen = (size_t)st.st_size;
	out->p = (const uint8_t *)map + HDR_SIZE;
	out->len = (size_t)h.out_len;
	pr_debug("boot cache: %s hit (%s)", kind, path);
	return 1;
bad:
	close(fd);
	pr_debug("boot cache: %s is not a valid entry; removed", path);
	unlink(path);
	return 0;
}

/* Least recently used first, until the cache is within its bound. */
static void evict(uint64_t max)
{
	for (;;) {
		DIR *d = opendir(kc.dir);
		struct dirent *e;
		uint64_t total = 0;
		struct timespec oldest = { 0, 0 };
		char victim[NAME_MAX + 1] = "";
		struct stat st;

		if (!d)
			return;
		while ((e = readdir(d))) {
			if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
				continue;
			if (e->d_name[0] == '.') {
				/* A writer that died left its temporary file. */
				if (!strncmp(e->d_name, ".tmp.", 5) && st.st_mtim.tv_sec + 3600 < time(NULL))
					unlinkat(dirfd(d), e->d_name, 0);
				continue;
			}
			total += (uint64_t)st.st_size;
			if (!victim[0] || st.st_mtim.tv_sec < oldest.tv_sec ||
			    (st.st_mtim.tv_sec == oldest.tv_sec && st.st_mtim.tv_nsec < oldest.tv_nsec)) {
				oldest = st.st_mtim;
				snprintf(victim, sizeof(victim), "%s", e->d_name);
			}
		}
		int gone = 0;

		if (total > max && victim[0]) {
			pr_debug("boot cache: over %llu MiB; removing %s", (unsigned long long)(max >> 20),
				 victim);
			gone = unlinkat(dirfd(d), victim, 0) == 0;
		}
		closedir(d);
		/* An entry that cannot be removed ends it: never spin on it. */
		if (total <= max || !gone)
			return;
	}
}

static uint64_t cache_max(void)
{
	const char *s = getenv("AIRLOCK_CACHE_MAX");
	uint64_t v;

	return s && parse_size(s, &v) == 0 ? v : DEFAULT_MAX;
}

void kcache_put(const char *kind, const uint8_t *in, size_t inlen, const uint8_t *out,
		size_t outlen)
{
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	uint64_t max = cache_max();
	struct hdr h;
	int fd, ok;

	if (!usable() || outlen + HDR_SIZE > max)
		return;
	fill_key(&h, kind, in, inlen);
	h.out_len = outlen;
	h.out_crc = lzma_crc64(out, outlen, 0);
	if (entry_path(path, sizeof(path), &h) < 0)
		return;
	/* A name of its own (mkstemp: 0600), whoever else writes the cache. */
	snprintf(tmp, sizeof(tmp), "%s/.tmp.XXXXXX", kc.dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		pr_debug("boot cache %s: %s", tmp, strerror(errno));
		return;
	}
	ok = fd_write_all(fd, &h, sizeof(h)) == 0 && fd_write_all(fd, out, outlen) == 0 &&
	     fdatasync(fd) == 0;
	if (close(fd) < 0 || !ok) {
		pr_debug("boot cache %s: %s; not stored", tmp, strerror(errno));
		unlink(tmp);
		return;
	}
	if (rename(tmp, path) < 0) {
		pr_debug("boot cache %s: %s", path, strerror(errno));
		unlink(tmp);
		return;
	}
	pr_debug("boot cache: stored %s (%zu KiB)", path, outlen >> 10);
	evict(max);
}

void kblob_free(struct kblob *b)
{
	if (b->map)
		munmap(b->map, b->maplen);
	free(b->heap);
	memset(b, 0, sizeof(*b));
}
