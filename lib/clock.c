#include "clock.h"

long long clock_start_us;

void clock_mark_start(void)
{
	clock_start_us = mono_us();
}
