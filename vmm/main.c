/* airlock: a minimal KVM virtual machine monitor. */
#include "cli.h"
#include "kcache.h"
#include "../lib/clock.h"
#include "../lib/log.h"
#include "stats.h"
#include "vm.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	struct vm_config cfg;
	struct vm vm;
	char err[256];
	int status;

	clock_mark_start();
	log_init();
	switch (cli_parse(argc, argv, &cfg, err, sizeof(err))) {
	case CLI_HELP:
		cli_usage();
		return 0;
	case CLI_VERSION:
		printf("airlock %s\n", AIRLOCK_VERSION);
		return 0;
	case CLI_ERROR:
		fprintf(stderr, "airlock: error: %s\n", err);
		return EXIT_USAGE;
	case CLI_RUN:
		break;
	}
	log_level = cfg.log_level;
	if (cfg.strict && !cfg.sandbox)
		pr_warn("--sandbox off: the devices run inside airlock's own process, which maps all of guest RAM; only code discipline keeps them to their bounce BARs (for debugging)");

	kcache_setup(!cfg.no_cache, NULL);
	if (vm_create(&vm, &cfg) < 0) {
		vm_destroy(&vm);
		cli_free(&cfg);
		return EXIT_RUNTIME;
	}
	/* dump-dtb: the loader wrote the device tree; nothing runs. */
	if (cfg.dump_dtb) {
		status = 0;
	} else {
		struct run_summary sum;

		status = vm_run(&vm);
		vm_summary(&vm, &sum);
		stats_log(&sum);
		if (stats_save(&sum) < 0 && status == 0)
			status = EXIT_RUNTIME;
	}
	vm_destroy(&vm);
	cli_free(&cfg);
	return status;
}
