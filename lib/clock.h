/* The monotonic clock in microseconds and milliseconds: deadlines and
 * elapsed times. */
#ifndef AIRLOCK_CLOCK_H
#define AIRLOCK_CLOCK_H

#include <time.h>

static inline long long mono_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static inline long long mono_ms(void)
{
	return mono_us() / 1000;
}

/* When main() began (0 until clock_mark_start): the VMM's own start time
 * is measured from there to vCPU 0's first KVM_RUN. */
extern long long clock_start_us;
void clock_mark_start(void);

#endif
