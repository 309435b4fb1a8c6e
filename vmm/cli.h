/* Command-line parsing. Pure: no KVM, no exit(); the caller acts on the result. */
#ifndef AIRLOCK_CLI_H
#define AIRLOCK_CLI_H

#include "config.h"
#include "parse.h"

#include <stddef.h>
#include <stdint.h>

/* Parses argv. On CLI_ERROR a one-line message is in err. */
enum cli_action cli_parse(int argc, char **argv, struct vm_config *cfg,
			  char *err, size_t errlen);

/* Frees what cli_parse kept for the configuration (profile strings). */
void cli_free(struct vm_config *cfg);

void cli_usage(void);

#endif
