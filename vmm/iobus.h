/* A flat I/O bus: devices register port or MMIO ranges; vCPU exits are
 * dispatched to the range that holds the address. Overlaps are refused. */
#ifndef AIRLOCK_IOBUS_H
#define AIRLOCK_IOBUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum io_space { IO_PIO, IO_MMIO, IO_NR_SPACES };

/* offset is relative to the range's base; len is 1, 2, 4 or 8. */
typedef void (*io_handler_fn)(void *opaque, uint64_t offset, uint8_t *data, unsigned len,
			      bool is_write);

struct io_range {
	uint64_t base, len;
	io_handler_fn fn;
	void *opaque;
	const char *name;
};

struct iobus {
	pthread_rwlock_t lock;
	struct io_range *ranges[IO_NR_SPACES];   /* sorted by base */
	unsigned nr[IO_NR_SPACES], cap[IO_NR_SPACES];
	uint64_t unhandled[IO_NR_SPACES];        /* accesses that hit no range */
};

void iobus_init(struct iobus *bus);
void iobus_destroy(struct iobus *bus);

/* 0, -EINVAL (empty or wrapping range), -EEXIST (overlap) or -ENOMEM. */
int iobus_register(struct iobus *bus, enum io_space sp, uint64_t base, uint64_t len,
		   io_handler_fn fn, void *opaque, const char *name);
/* 0 or -ENOENT. Removes the range that starts at base. */
int iobus_unregister(struct iobus *bus, enum io_space sp, uint64_t base, void *opaque);

/* Returns true if a range took the access. Unclaimed reads return all ones. */
bool iobus_dispatch(struct iobus *bus, enum io_space sp, uint64_t addr, uint8_t *data,
		    unsigned len, bool is_write);

#endif
