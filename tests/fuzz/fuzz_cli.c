/* libFuzzer: the command line and --config profiles. The input is split
 * at the first 0xff: before it, arguments separated by NUL bytes; after it,
 * a profile file's contents (then given as --config). Errors must be one
 * line. */
#include "vmm/cli.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char profile[64];
static int profile_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* The profile lives in a memfd: no file system per execution. */
	profile_fd = memfd_create("fuzz-profile", 0);
	if (profile_fd < 0)
		abort();
	snprintf(profile, sizeof(profile), "/proc/self/fd/%d", profile_fd);
	setenv("AIRLOCK_FUZZ", "/bin/sh", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *split = memchr(data, 0xff, size);
	size_t alen = split ? (size_t)(split - data) : size;
	char *args = malloc(alen + 1), *argv[66];
	struct vm_config cfg;
	char err[256];
	int argc = 0;

	if (!args)
		return 0;
	memcpy(args, data, alen);
	args[alen] = '\0';
	argv[argc++] = "airlock";
	argv[argc++] = "run";
	if (split) {
		if (ftruncate(profile_fd, 0) < 0 ||
		    pwrite(profile_fd, split + 1, size - alen - 1, 0) != (ssize_t)(size - alen - 1))
			abort();
		argv[argc++] = "--config";
		argv[argc++] = profile;
	}
	for (char *p = args; p < args + alen && argc < 64; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	if (cli_parse(argc, argv, &cfg, err, sizeof(err)) == CLI_ERROR && strchr(err, '\n'))
		abort();        /* an error message of more than one line */
	cli_free(&cfg);
	free(args);
	return 0;
}
