#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int file_read_exact(int fd, void *dst, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (uint8_t *)dst + done, len - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

int file_read_all(const char *path, uint8_t **buf, size_t *len, size_t max)
{
	struct stat st;
	int fd, ret;

	*buf = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		ret = -EFBIG;
		goto out;
	}
	*len = (size_t)st.st_size;
	*buf = malloc(*len ? *len : 1);
	if (!*buf) {
		ret = -ENOMEM;
		goto out;
	}
	ret = file_read_exact(fd, *buf, *len);
	if (ret < 0) {
		free(*buf);
		*buf = NULL;
	}
out:
	close(fd);
	return ret;
}

bool test_hook(const char *name)
{
	const char *h = getenv("AIRLOCK_TEST_HOOK");

	return h && !strcmp(h, name);
}

bool child_ended_within(pid_t pid, int ms)
{
	int st;

	for (int i = 0; i < ms / 10; i++) {
		if (waitpid(pid, &st, WNOHANG) != 0)
			return true;
		usleep(10000);
	}
	return waitpid(pid, &st, WNOHANG) != 0;
}
