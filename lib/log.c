#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum log_level log_level = LOG_WARN;
static int stderr_tty = -1;

void log_init(void)
{
	stderr_tty = isatty(STDERR_FILENO);
}

static const char *const level_names[] = { "error", "warn", "info", "debug" };

int log_level_parse(const char *name, enum log_level *out)
{
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (lvl > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One call per line so that lines from different threads do not mix;
	 * "\r\n" on a terminal because it may be in raw mode. */
	/* (Known before any device process starts: it may not ask.) */
	if (stderr_tty < 0)
		log_init();
	fprintf(stderr, "airlock: %s%s%s%s", lvl <= LOG_WARN ? level_names[lvl] : "",
		lvl <= LOG_WARN ? ": " : "", buf, stderr_tty ? "\r\n" : "\n");
}
