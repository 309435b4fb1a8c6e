/* Command-line parsing. Pure: no KVM, no exit(); the caller acts on the result. */
#ifndef AIRLOCK_CLI_H
#define AIRLOCK_CLI_H

#include "config.h"

#include <stddef.h>
#include <stdint.h>


enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION, CLI_ERROR };

/* Parses a size with an optional K, M, G or T suffix (binary units, any case).
 * Returns 0 on success, -1 on anything else (empty, junk, overflow). */
int parse_size(const char *s, uint64_t *out);

/* Parses argv. On CLI_ERROR a one-line message is in err. */
enum cli_action cli_parse(int argc, char **argv, struct vm_config *cfg,
			  char *err, size_t errlen);

/* Frees what cli_parse kept for the configuration (profile strings). */
void cli_free(struct vm_config *cfg);

void cli_usage(void);

#endif
