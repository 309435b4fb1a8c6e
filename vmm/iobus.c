#include "iobus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void iobus_init(struct iobus *bus)
{
	memset(bus, 0, sizeof(*bus));
	pthread_rwlock_init(&bus->lock, NULL);
}

void iobus_destroy(struct iobus *bus)
{
	for (int s = 0; s < IO_NR_SPACES; s++)
		free(bus->ranges[s]);
	pthread_rwlock_destroy(&bus->lock);
	memset(bus, 0, sizeof(*bus));
}

/* Index of the first range whose last byte is >= addr. */
static unsigned lower_bound(const struct io_range *r, unsigned n, uint64_t addr)
{
	unsigned lo = 0, hi = n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (r[mid].base + (r[mid].len - 1) < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int iobus_register(struct iobus *bus, enum io_space sp, uint64_t base, uint64_t len,
		   io_handler_fn fn, void *opaque, const char *name)
{
	uint64_t last;
	unsigned i;
	int ret = 0;

	if (sp >= IO_NR_SPACES || len == 0 || !fn || __builtin_add_overflow(base, len - 1, &last))
		return -EINVAL;
	pthread_rwlock_wrlock(&bus->lock);
	i = lower_bound(bus->ranges[sp], bus->nr[sp], base);
	if (i < bus->nr[sp] && bus->ranges[sp][i].base <= last) {
		ret = -EEXIST;
		goto out;
	}
	if (bus->nr[sp] == bus->cap[sp]) {
		unsigned cap = bus->cap[sp] ? bus->cap[sp] * 2 : 16;
		struct io_range *n = realloc(bus->ranges[sp], cap * sizeof(*n));

		if (!n) {
			ret = -ENOMEM;
			goto out;
		}
		bus->ranges[sp] = n;
		bus->cap[sp] = cap;
	}
	memmove(&bus->ranges[sp][i + 1], &bus->ranges[sp][i],
		(bus->nr[sp] - i) * sizeof(struct io_range));
	bus->ranges[sp][i] = (struct io_range){ base, len, fn, opaque, name };
	bus->nr[sp]++;
out:
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

/* Only the range that opaque registered at base: never another owner's. */
int iobus_unregister(struct iobus *bus, enum io_space sp, uint64_t base, void *opaque)
{
	unsigned i;
	int ret = -ENOENT;

	if (sp >= IO_NR_SPACES)
		return -EINVAL;
	pthread_rwlock_wrlock(&bus->lock);
	i = lower_bound(bus->ranges[sp], bus->nr[sp], base);
	if (i < bus->nr[sp] && bus->ranges[sp][i].base == base && bus->ranges[sp][i].opaque == opaque) {
		memmove(&bus->ranges[sp][i], &bus->ranges[sp][i + 1],
			(bus->nr[sp] - i - 1) * sizeof(struct io_range));
		bus->nr[sp]--;
		ret = 0;
	}
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

bool iobus_dispatch(struct iobus *bus, enum io_space sp, uint64_t addr, uint8_t *data,
		    unsigned len, bool is_write)
{
	struct io_range r;
	unsigned i;
	bool hit = false;

	if (sp >= IO_NR_SPACES)
		return false;
	pthread_rwlock_rdlock(&bus->lock);
	i = lower_bound(bus->ranges[sp], bus->nr[sp], addr);
	if (i < bus->nr[sp] && bus->ranges[sp][i].base <= addr) {
		r = bus->ranges[sp][i];
		hit = true;
	}
	pthread_rwlock_unlock(&bus->lock);

	/* An access that runs past the end of its range is split off: the
	 * device sees only accesses that lie inside what it registered. Nor
	 * does it see sizes other than 1, 2, 4 or 8 bytes (x86 splits a
	 * page-crossing 8-byte store into pieces of 5..7): handlers may rely
	 * on that. */
	if (hit && (addr - r.base + len > r.len || len > 8 || (len & (len - 1)) || !len))
		hit = false;
	if (!hit) {
		__atomic_add_fetch(&bus->unhandled[sp], 1, __ATOMIC_RELAXED);
		if (!is_write)
			memset(data, 0xff, len);
		return false;
	}
	r.fn(r.opaque, addr - r.base, data, len, is_write);
	return true;
}
