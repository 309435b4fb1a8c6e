/* The exit summary: per device, requests served, bytes moved (through its
 * bounce region in strict mode) and refusals; per vCPU, exits by reason.
 * As log lines (at --log-level info, and always when something was refused
 * or the exit status is not 0) and as JSON for --stats-json. */
#ifndef AIRLOCK_STATS_H
#define AIRLOCK_STATS_H

#include <stdio.h>

struct vm;

void stats_log(struct vm *vm);

/* Writes the summary as one JSON object. 0, or -1 (errno set). */
int stats_write_json(struct vm *vm, FILE *f);

/* --stats-json FILE, if given. 0, or -1 after one error line. */
int stats_save(struct vm *vm);

#endif
