#include "fdio.h"

#include <errno.h>
#include <unistd.h>

void fd_write_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		p = (const char *)p + k;
		n -= (size_t)k;
	}
}
