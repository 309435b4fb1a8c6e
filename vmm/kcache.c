#include "kcache.h"

#include "parse.h"
#include "../lib/fdio.h"
#include "../lib/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HDR_SIZE 64
#define DEFAULT_MAX (1ULL << 30)
static const uint8_t magic[8] = { 'a', 'l', 'k', 'c', 'a', 'c', 'h', '1' };

static struct {
	int state;                 /* 0 not set up, 1 usable, -1 off */
	char dir[PATH_MAX];
} kc;

struct hdr {
	uint8_t magic[8];
	char kind[16];
	uint64_t in_len, in_crc, out_len, out_crc;
	uint8_t pad[HDR_SIZE - 8 - 16 - 32];
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
	if (mkdirs(kc.dir, geteuid() == 0 ? 0755 : 0700) < 0 || lstat(kc.dir, &st) < 0) {
		pr_debug("boot cache %s: %s; not used", kc.dir, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		pr_debug("boot cache %s: not a directory of this user's that only it can write; not used",
			 kc.dir);
		return;
	}
	kc.state = 1;
}

static int usable(void)
{
	if (kc.state == 0)
		kcache_setup(1, NULL);
	return kc.state == 1;
}

static int entry_path(char *buf, size_t len, const char *kind, size_t inlen, uint64_t crc)
{
	int n = snprintf(buf, len, "%s/%s-%zx-%016llx", kc.dir, kind, inlen, (unsigned long long)crc);

	return n > 0 && (size_t)n < len ? 0 : -1;
}

static void fill_key(struct hdr *h, const char *kind, size_t inlen, uint64_t crc)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, magic, sizeof(magic));
	snprintf(h->kind, sizeof(h->kind), "%s", kind);
	h->in_len = inlen;
	h->in_crc = crc;
}

int kcache_get(const char *kind, const uint8_t *in, size_t inlen, struct kblob *out)
{
	char path[PATH_MAX];
	struct hdr want, h;
	struct stat st;
	uint64_t crc;
	void *map;
	int fd;

	memset(out, 0, sizeof(*out));
	if (!usable())
		return 0;
	crc = lzma_crc64(in, inlen, 0);
	if (entry_path(path, sizeof(path), kind, inlen, crc) < 0)
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	fill_key(&want, kind, inlen, crc);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || st.st_size < HDR_SIZE || (uint64_t)st.st_size > SIZE_MAX)
		goto bad;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED)
		goto bad;
	memcpy(&h, map, sizeof(h));
	/* The key in the header, not just the name; then the contents. */
	if (memcmp(h.magic, want.magic, sizeof(h.magic)) || memcmp(h.kind, want.kind, sizeof(h.kind)) ||
	    h.in_len != want.in_len || h.in_crc != want.in_crc ||
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
			if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISREG(st.st_mode))
				continue;
			total += (uint64_t)st.st_size;
			if (!victim[0] || st.st_mtim.tv_sec < oldest.tv_sec ||
			    (st.st_mtim.tv_sec == oldest.tv_sec && st.st_mtim.tv_nsec < oldest.tv_nsec)) {
				oldest = st.st_mtim;
				snprintf(victim, sizeof(victim), "%s", e->d_name);
			}
		}
		if (total > max && victim[0]) {
			pr_debug("boot cache: over %llu MiB; removing %s", (unsigned long long)(max >> 20),
				 victim);
			unlinkat(dirfd(d), victim, 0);
		}
		closedir(d);
		if (total <= max || !victim[0])
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
	int fd;

	if (!usable() || outlen + HDR_SIZE > max)
		return;
	fill_key(&h, kind, inlen, lzma_crc64(in, inlen, 0));
	h.out_len = outlen;
	h.out_crc = lzma_crc64(out, outlen, 0);
	if (entry_path(path, sizeof(path), kind, inlen, h.in_crc) < 0)
		return;
	snprintf(tmp, sizeof(tmp), "%s/.tmp.%d", kc.dir, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		pr_debug("boot cache %s: %s", tmp, strerror(errno));
		return;
	}
	if (fd_write_all(fd, &h, sizeof(h)) < 0 || fd_write_all(fd, out, outlen) < 0 ||
	    fdatasync(fd) < 0 || close(fd) < 0) {
		pr_debug("boot cache %s: %s; not stored", tmp, strerror(errno));
		close(fd);
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
