/* What the command line and its device kinds parse values with. Pure. */
#ifndef AIRLOCK_PARSE_H
#define AIRLOCK_PARSE_H

#include <stddef.h>
#include <stdint.h>

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION, CLI_ERROR };

/* Parses a size with an optional K, M, G or T suffix (binary units, any case).
 * Returns 0 on success, -1 on anything else (empty, junk, overflow). */
int parse_size(const char *s, uint64_t *out);

/* A decimal unsigned int. 0 or -1. */
int parse_uint(const char *s, unsigned *out);

/* len bytes of s as a bounce region size (bounce_size_valid). 0 or -1. */
int parse_bounce(const char *s, size_t len, uint64_t *out);

/* Writes one line (control characters replaced) to err; CLI_ERROR. */
enum cli_action cli_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A path the user named must be a readable regular file: 0, or -1 with why. */
int check_file(const char *path, char *why, size_t len);

#endif
