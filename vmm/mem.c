#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const struct mem_region *find_region(const struct mem_layout *l, uint64_t gpa, uint64_t len)
{
	uint64_t end;

	if (len == 0 || __builtin_add_overflow(gpa, len, &end))
		return NULL;
	for (unsigned i = 0; i < l->nr; i++) {
		const struct mem_region *r = &l->r[i];

		if (gpa >= r->gpa && end <= r->gpa + r->size)
			return r;
	}
	return NULL;
}

int mem_layout_contains(const struct mem_layout *l, uint64_t gpa, uint64_t len)
{
	return find_region(l, gpa, len) != NULL;
}

/* A memfd another process may hold (a vhost-user backend): its size is
 * fixed, so no holder can shrink it under airlock's mappings (SIGBUS). */
static int seal_size(int fd)
{
	return fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
}

int guest_mem_create(struct guest_mem *mem, const struct mem_layout *layout)
{
	uint64_t total = 0;

	memset(mem, 0, sizeof(*mem));
	mem->fd = -1;
	mem->layout = *layout;
	for (unsigned i = 0; i < layout->nr; i++) {
		mem->layout.r[i].offset = total;
		total += layout->r[i].size;
	}
	mem->fd = memfd_create("airlock-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mem->fd < 0)
		return -errno;
	if (ftruncate(mem->fd, (off_t)total) < 0 || seal_size(mem->fd) < 0)
		goto err;
	mem->host = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, mem->fd, 0);
	if (mem->host == MAP_FAILED) {
		mem->host = NULL;
		goto err;
	}
	mem->size = total;
	return 0;
err:;
	int e = -errno;
	close(mem->fd);
	mem->fd = -1;
	return e;
}

void guest_mem_destroy(struct guest_mem *mem)
{
	if (mem->host)
		munmap(mem->host, mem->size);
	if (mem->fd >= 0)
		close(mem->fd);
	mem->host = NULL;
	mem->fd = -1;
}

int bounce_region_create(struct bounce_region *b, uint64_t size)
{
	*b = (struct bounce_region){ .fd = -1 };
	if (!bounce_size_valid(size))
		return -EINVAL;
	b->fd = memfd_create("airlock-bounce", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (b->fd < 0)
		return -errno;
	if (ftruncate(b->fd, (off_t)size) < 0 || seal_size(b->fd) < 0 ||
	    (b->host = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0)) == MAP_FAILED) {
		int e = -errno;

		b->host = NULL;
		close(b->fd);
		b->fd = -1;
		return e;
	}
	b->size = size;
	return 0;
}

void bounce_region_destroy(struct bounce_region *b)
{
	if (b->host)
		munmap(b->host, b->size);
	if (b->fd >= 0)
		close(b->fd);
	*b = (struct bounce_region){ .fd = -1 };
}

void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	const struct mem_region *r = find_region(&mem->layout, gpa, len);

	if (!r || !mem->host)
		return NULL;
	return mem->host + r->offset + (gpa - r->gpa);
}
