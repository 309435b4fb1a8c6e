/* The exit summary: per device, requests served, bytes moved (through its
 * bounce region in strict mode) and refusals; per vCPU, exits by reason.
 * As log lines (at --log-level info, and always when something was refused
 * or the exit status is not 0) and as JSON for --stats-json. */
#ifndef AIRLOCK_STATS_H
#define AIRLOCK_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct virtio_host;

/* A vCPU's exits by reason (counted by its own thread). */
struct vcpu_stats {
	uint64_t exits_io, exits_mmio, exits_intr, exits_other;
};

/* What a run leaves for the summary (the VM fills it: vm_summary). */
struct run_summary {
	int exit_status;
	const char *exit_why;
	bool strict;
	const struct vcpu_stats *vcpus;
	unsigned nr_vcpus;
	const struct virtio_host *virtio;
	const char *json_path;          /* --stats-json FILE, or NULL */
	const char *mark;               /* --mark, or NULL */
	long long first_console_ms;     /* ms from start to the guest's first console byte; -1: none */
	long long mark_ms;              /* ... to the mark's first appearance; -1: never */
	long long start_us;             /* main() to vCPU 0's first KVM_RUN; 0: never ran */
};

void stats_log(const struct run_summary *s);

/* Writes the summary as one JSON object. 0, or -1 (errno set). */
int stats_write_json(const struct run_summary *s, FILE *f);

/* --stats-json FILE, if given. 0, or -1 after one error line. */
int stats_save(const struct run_summary *s);

#endif
