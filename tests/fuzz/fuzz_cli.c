/* libFuzzer: the command line and --config profiles. The input is split
 * at the first 0xff: before it, arguments separated by NUL bytes; after it,
 * a profile file's contents (then given as --config). Errors must be one
 * line. */
#include "vmm/cli.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char profile[64];

static void remove_profile(void)
{
	unlink(profile);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(profile, sizeof(profile), "/tmp/airlock-fuzz-profile-%d", (int)getpid());
	setenv("AIRLOCK_FUZZ", "/bin/sh", 1);
	atexit(remove_profile);
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
		FILE *f = fopen(profile, "w");

		if (!f)
			abort();
		fwrite(split + 1, 1, size - alen - 1, f);
		fclose(f);
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
