/* What the user asked for: filled by the command line, read by the VM core. */
#ifndef AIRLOCK_CONFIG_H
#define AIRLOCK_CONFIG_H

#include "../lib/log.h"

#include <stdint.h>

#define AIRLOCK_VERSION "0.1.0"

/* Exit statuses (README and --help, "Exit status"). */
#define EXIT_GUEST_OFF    0   /* the guest powered off or rebooted */
#define EXIT_RUNTIME      1
#define EXIT_USAGE        2
#define EXIT_GUEST_CRASH  3   /* triple fault (x86), a crash event, a guest panic */
#define EXIT_DEVICE_DIED  4   /* a device process died (sandbox) */
#define EXIT_TIMEOUT      5   /* --timeout: the guest ran out of time */
#define EXIT_GUEST_REBOOT 6   /* the guest rebooted, with --on-reboot exit-code */

#define CFG_MAX_CPUS     64
#define CFG_MIN_MEM      (32ULL << 20)
#define CFG_MAX_MEM      (1ULL << 40)
#define CFG_DEFAULT_MEM  (256ULL << 20)
#define CFG_MAX_DISKS    8
#define CFG_DEFAULT_BOUNCE (64ULL << 20)

struct vm_config {
	const char *kernel;
	const char *initrd;     /* NULL: none */
	const char *cmdline;    /* NULL: arch default */
	uint64_t mem_size;
	unsigned cpus;
	enum log_level log_level;
	int rng;                /* --rng: a virtio-rng device */
	int strict;             /* --isolation strict: devices reach their bounce BAR only */
	int sandbox;            /* --sandbox: a device process per device */
	uint64_t bounce_size;   /* --bounce */
	int virtio_console;     /* --console virtio */
	const char *dump_dtb;   /* dump-dtb FILE: write the device tree and stop */
	const char *stats_json; /* --stats-json FILE: counters at exit, as JSON */
	unsigned timeout_s;     /* --timeout: stop the guest after this long (0: never) */
	int reboot_code;        /* --on-reboot exit-code: a reboot exits EXIT_GUEST_REBOOT */
	int console_panic;      /* --console-panic: "Kernel panic" on the console is a panic */
	int pvpanic;            /* --pvpanic: a pvpanic-pci device */
	const char *console_log;   /* --console-log FILE: the guest's serial console, also there */
	int console_log_time;      /* --console-log-time: each line prefixed with host time */
	int no_cache;              /* --no-cache: the boot cache is neither read nor written */
	const char *mark;          /* --mark STR: when the console first shows it */
	char **owned;           /* strings read from a --config profile */
	unsigned nowned;
	unsigned nnets;
	struct cfg_net {
		char tap[16];
		uint8_t mac[6];
		int has_mac;
		uint64_t bounce;
	} nets[CFG_MAX_DISKS];
	unsigned ndisks;
	struct cfg_disk {
		const char *path;
		int ro;
		uint64_t bounce;    /* 0: the global --bounce */
	} disks[CFG_MAX_DISKS];
	char disk_paths[CFG_MAX_DISKS][4096];
	/* --fs and --vhost-user-blk: devices a vhost-user backend serves. */
	unsigned nfs, nvublk;
	struct cfg_vhost {
		char socket[108];   /* the backend's socket ("": fs with dir=) */
		char dir[1024];     /* fs: the directory virtiofsd shares ("": socket=) */
		char tag[37];       /* fs: the mount tag */
		int ro;             /* blk: the export must be read-only */
		uint64_t bounce;
	} fs[CFG_MAX_DISKS], vublk[CFG_MAX_DISKS];
};

#endif
