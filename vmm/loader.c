/* Reading the kernel and initrd files into guest RAM: what every arch's
 * loader shares. */
#include "loader.h"

#include "../lib/log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
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

int load_initrd(struct guest_mem *mem, const char *path, uint64_t lowest, uint64_t highest,
		uint64_t *addr, uint64_t *size)
{
	struct stat st;
	uint64_t top = highest, at;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		pr_err("initrd %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*size = (uint64_t)st.st_size;
	at = *size <= top ? (top - *size) & ~0xfffULL : 0;
	if (*size == 0 || *size > top || at < lowest) {
		pr_err("initrd %s (%llu MiB) does not fit in guest RAM below %llu MiB next to the kernel; raise --mem",
		       path, (unsigned long long)(*size >> 20), (unsigned long long)(highest >> 20));
		close(fd);
		return -1;
	}
	ret = file_read_exact(fd, guest_mem_ptr(mem, at, *size), *size);
	close(fd);
	if (ret < 0) {
		pr_err("initrd %s: %s", path, strerror(-ret));
		return -1;
	}
	*addr = at;
	return 0;
}
