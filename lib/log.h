/* Logging: one line per message on stderr, prefixed "airlock: <level>: ". */
#ifndef AIRLOCK_LOG_H
#define AIRLOCK_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_level;

/* Returns 0 and sets *out, or -1 if NAME is not a level name. */
int log_level_parse(const char *name, enum log_level *out);

/* Looks at stderr once (is it a terminal?); main calls it first thing. */
void log_init(void);

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_err(...)   log_msg(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) do { if (log_level >= LOG_DEBUG) log_msg(LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
