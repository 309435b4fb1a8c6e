#include "cli.h"

#include "devkinds.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The general options; the device kinds' options (devkinds.c) come after
 * them in one numbering (find_opt). */
enum opt { OPT_KERNEL, OPT_INITRD, OPT_CMDLINE, OPT_MEM, OPT_CPUS, OPT_LOG_LEVEL,
	   OPT_ISOLATION, OPT_CONSOLE, OPT_BOUNCE, OPT_CONFIG, OPT_STATS_JSON, OPT_SANDBOX,
	   OPT_TIMEOUT, OPT_ON_REBOOT, OPT_CONSOLE_PANIC, OPT_PVPANIC, OPT_CONSOLE_LOG,
	   OPT_CONSOLE_LOG_TIME, OPT_MARK, OPT_NO_CACHE };

static const struct {
	const char *name;
	enum opt id;
	int flag;               /* takes no value */
} run_opts[] = {
	{ "kernel", OPT_KERNEL, 0 },   { "initrd", OPT_INITRD, 0 }, { "cmdline", OPT_CMDLINE, 0 },
	{ "mem", OPT_MEM, 0 },         { "cpus", OPT_CPUS, 0 },     { "log-level", OPT_LOG_LEVEL, 0 },
	{ "isolation", OPT_ISOLATION, 0 }, { "console", OPT_CONSOLE, 0 },
	{ "bounce", OPT_BOUNCE, 0 },
	{ "config", OPT_CONFIG, 0 },   { "stats-json", OPT_STATS_JSON, 0 },
	{ "sandbox", OPT_SANDBOX, 0 },
	{ "timeout", OPT_TIMEOUT, 0 }, { "on-reboot", OPT_ON_REBOOT, 0 },
	{ "console-panic", OPT_CONSOLE_PANIC, 0 }, { "pvpanic", OPT_PVPANIC, 0 },
	{ "console-log", OPT_CONSOLE_LOG, 0 }, { "console-log-time", OPT_CONSOLE_LOG_TIME, 1 },
	{ "mark", OPT_MARK, 0 },       { "no-cache", OPT_NO_CACHE, 1 },
};

/* on|off into *v; false for anything else. */
static bool on_off(const char *val, int *v)
{
	if (strcmp(val, "on") && strcmp(val, "off"))
		return false;
	*v = !strcmp(val, "on");
	return true;
}

static enum cli_action apply_opt(enum opt id, const char *name, const char *val,
				 struct vm_config *cfg, char *err, size_t errlen)
{
	char why[128];

	switch (id) {
	case OPT_KERNEL:
	case OPT_INITRD:
		if (check_file(val, why, sizeof(why)) < 0)
			return cli_fail(err, errlen, "--%s %s: %s", name, val, why);
		if (id == OPT_KERNEL)
			cfg->kernel = val;
		else
			cfg->initrd = val;
		break;
	case OPT_CMDLINE:
		cfg->cmdline = val;
		break;
	case OPT_MEM:
		if (parse_size(val, &cfg->mem_size) < 0)
			return cli_fail(err, errlen,
				    "--mem: invalid size '%s' (a number with an optional K, M, G or T suffix)",
				    val);
		if (cfg->mem_size < CFG_MIN_MEM || cfg->mem_size > CFG_MAX_MEM)
			return cli_fail(err, errlen, "--mem: %s is out of range (32M to 1T)", val);
		if (cfg->mem_size & 0xfff)
			return cli_fail(err, errlen, "--mem: %s is not a multiple of 4K", val);
		break;
	case OPT_CPUS:
		if (parse_uint(val, &cfg->cpus) < 0 || cfg->cpus == 0 || cfg->cpus > CFG_MAX_CPUS)
			return cli_fail(err, errlen, "--cpus: '%s' is not a CPU count from 1 to %d", val,
				    CFG_MAX_CPUS);
		break;
	case OPT_LOG_LEVEL:
		if (log_level_parse(val, &cfg->log_level) < 0)
			return cli_fail(err, errlen,
				    "--log-level: '%s' is not one of error, warn, info, debug", val);
		break;
	case OPT_CONSOLE:
		if (!strcmp(val, "virtio"))
			cfg->virtio_console = 1;
		else if (!strcmp(val, "serial"))
			cfg->virtio_console = 0;
		else
			return cli_fail(err, errlen, "--console: '%s' is not serial or virtio", val);
		break;
	case OPT_ISOLATION:
		if (!strcmp(val, "strict"))
			cfg->strict = 1;
		else if (!strcmp(val, "off"))
			cfg->strict = 0;
		else
			return cli_fail(err, errlen, "--isolation: '%s' is not strict or off", val);
		break;
	case OPT_BOUNCE:
		if (parse_bounce(val, strlen(val), &cfg->bounce_size) < 0)
			return cli_fail(err, errlen, "--bounce: '%s' is not a power of two from 64K to 1G", val);
		break;
	case OPT_STATS_JSON:
		if (!*val)
			return cli_fail(err, errlen, "--stats-json needs a file name");
		cfg->stats_json = val;
		break;
	case OPT_SANDBOX:
	case OPT_CONSOLE_PANIC:
	case OPT_PVPANIC:
		if (!on_off(val, id == OPT_SANDBOX ? &cfg->sandbox : id == OPT_PVPANIC ? &cfg->pvpanic
										 : &cfg->console_panic))
			return cli_fail(err, errlen, "--%s: '%s' is not on or off", name, val);
		break;
	case OPT_TIMEOUT:
		if (parse_uint(val, &cfg->timeout_s) < 0 || cfg->timeout_s == 0 || cfg->timeout_s > 31536000)
			return cli_fail(err, errlen, "--timeout: '%s' is not a number of seconds (1 to 31536000)", val);
		break;
	case OPT_CONSOLE_LOG:
		if (!*val)
			return cli_fail(err, errlen, "--console-log needs a file name");
		cfg->console_log = val;
		break;
	case OPT_CONSOLE_LOG_TIME:
		cfg->console_log_time = 1;
		break;
	case OPT_NO_CACHE:
		cfg->no_cache = 1;
		break;
	case OPT_MARK:
		if (!*val || strlen(val) > 128)
			return cli_fail(err, errlen, "--mark: the marker must be 1 to 128 bytes");
		cfg->mark = val;
		break;
	case OPT_ON_REBOOT:
		if (!strcmp(val, "exit") || !strcmp(val, "exit-code"))
			cfg->reboot_code = !strcmp(val, "exit-code");
		else
			return cli_fail(err, errlen, "--on-reboot: '%s' is not exit or exit-code", val);
		break;
	case OPT_CONFIG:
		break;          /* read before the other options */
	}
	return CLI_RUN;
}

#define NRUN ((int)(sizeof(run_opts) / sizeof(run_opts[0])))
#define MAX_OPTS 32             /* one bit each in cli_parse's "given" */

/* Option k: run_opts[k] below NRUN, then the device kinds that have one. */
static const struct device_kind *opt_kind(int k)
{
	for (unsigned j = 0, n = NRUN; j < device_nkinds; j++)
		if (device_kinds[j].option && (int)n++ == k)
			return &device_kinds[j];
	return NULL;
}

static const char *opt_name(int k)
{
	return k < NRUN ? run_opts[k].name : opt_kind(k)->option;
}

static int opt_flag(int k)
{
	return k < NRUN ? run_opts[k].flag : opt_kind(k)->flag;
}

static enum cli_action opt_apply(int k, const char *val, struct vm_config *cfg, char *err, size_t errlen)
{
	if (k < NRUN)
		return apply_opt(run_opts[k].id, run_opts[k].name, val, cfg, err, errlen);
	return opt_kind(k)->parse(val, cfg, err, errlen);
}

/* Looks an option up by name (namelen bytes of name). */
static int find_opt(const char *name, size_t namelen)
{
	for (int k = 0; k < MAX_OPTS && (k < NRUN || opt_kind(k)); k++)
		if (strlen(opt_name(k)) == namelen && !strncmp(opt_name(k), name, namelen))
			return k;
	return -1;
}

/* Keeps a string the configuration points to until cli_free(). */
static char *keep(struct vm_config *cfg, char *s)
{
	char **n = realloc(cfg->owned, (cfg->nowned + 1) * sizeof(*n));

	if (!n) {
		free(s);
		return NULL;
	}
	cfg->owned = n;
	cfg->owned[cfg->nowned++] = s;
	return s;
}

void cli_free(struct vm_config *cfg)
{
	for (unsigned i = 0; i < cfg->nowned; i++)
		free(cfg->owned[i]);
	free(cfg->owned);
	cfg->owned = NULL;
	cfg->nowned = 0;
}

/* ${NAME} in a profile value becomes the environment variable's value. */
static char *expand(const char *v, char *why, size_t whylen)
{
	size_t cap = strlen(v) + 1, n = 0;
	char *out = malloc(cap);

	while (out && *v) {
		const char *add = v, *end;
		size_t len = 1;
		char name[128];

		if (v[0] == '$' && v[1] == '{' && (end = strchr(v + 2, '}'))) {
			if ((size_t)(end - v - 2) >= sizeof(name) || end == v + 2) {
				snprintf(why, whylen, "bad variable reference '%.*s'", (int)(end - v + 1), v);
				free(out);
				return NULL;
			}
			memcpy(name, v + 2, (size_t)(end - v - 2));
			name[end - v - 2] = '\0';
			add = getenv(name);
			if (!add) {
				snprintf(why, whylen, "${%s} is not set in the environment", name);
				free(out);
				return NULL;
			}
			len = strlen(add);
			v = end + 1;
		} else {
			v++;
		}
		if (n + len + 1 > cap) {
			char *bigger = realloc(out, (cap = n + len + 1 + strlen(v)));

			if (!bigger) {
				free(out);
				return NULL;
			}
			out = bigger;
		}
		memcpy(out + n, add, len);
		n += len;
	}
	if (out)
		out[n] = '\0';
	else
		snprintf(why, whylen, "out of memory");
	return out;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* A profile: "key = value" lines (keys are the long flags' names), "#"
 * comments, repeatable keys for disk and net. Options in skip (one bit per
 * run_opts entry) come from the command line, which overrides the file:
 * their lines are not even expanded. */
static enum cli_action parse_profile(const char *path, uint32_t skip, struct vm_config *cfg,
				     char *err, size_t errlen)
{
	unsigned first_line[MAX_OPTS] = { 0 };
	char why[256], *buf, *line, *next;
	FILE *f = fopen(path, "re");
	unsigned lineno = 0;
	long size;

	if (!f)
		return cli_fail(err, errlen, "--config %s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || size > (1 << 20) ||
	    fseek(f, 0, SEEK_SET) < 0) {
		fclose(f);
		return cli_fail(err, errlen, "--config %s: not a readable file of at most 1 MiB", path);
	}
	buf = calloc(1, (size_t)size + 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		fclose(f);
		return cli_fail(err, errlen, "--config %s: cannot read it", path);
	}
	fclose(f);
	if (!keep(cfg, buf))
		return cli_fail(err, errlen, "out of memory");
	if (memchr(buf, '\0', (size_t)size))
		return cli_fail(err, errlen, "%s: not a text file", path);

	for (line = buf; line; line = next) {
		char *eq, *key, *val, *hash;
		int k;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* A comment: a line starting with '#', or " #" to the end. */
		line = trim(line);
		if (*line == '#' || !*line)
			continue;
		for (hash = strchr(line, '#'); hash; hash = strchr(hash + 1, '#'))
			if (hash[-1] == ' ' || hash[-1] == '\t') {
				*hash = '\0';
				break;
			}
		eq = strchr(line, '=');
		if (!eq)
			return cli_fail(err, errlen, "%s:%u: expected 'key = value', got '%s'", path, lineno,
				    trim(line));
		*eq = '\0';
		key = trim(line);
		val = trim(eq + 1);
		k = find_opt(key, strlen(key));
		if (k < 0 || !strcmp(key, "config"))
			return cli_fail(err, errlen, "%s:%u: unknown key '%s' (keys are the flags' names: kernel, mem, disk, ...)",
				    path, lineno, key);
		if (k < NRUN || !opt_kind(k)->repeatable) {
			if (first_line[k])
				return cli_fail(err, errlen, "%s:%u: '%s' is already set on line %u", path,
					    lineno, key, first_line[k]);
			first_line[k] = lineno;
		}
		if (skip & (1u << k))
			continue;
		if (!*val)
			return cli_fail(err, errlen, "%s:%u: '%s' has no value", path, lineno, key);
		if (opt_flag(k)) {
			if (!strcmp(val, "yes") || !strcmp(val, "on") || !strcmp(val, "true"))
				val = "";
			else if (!strcmp(val, "no") || !strcmp(val, "off") || !strcmp(val, "false"))
				continue;
			else
				return cli_fail(err, errlen, "%s:%u: '%s' takes yes or no, not '%s'", path,
					    lineno, key, val);
		} else {
			val = expand(val, why, sizeof(why));
			if (!val)
				return cli_fail(err, errlen, "%s:%u: %s: %s", path, lineno, key, why);
			if (!keep(cfg, val))
				return cli_fail(err, errlen, "out of memory");
		}
		if (opt_apply(k, val, cfg, why, sizeof(why)) == CLI_ERROR)
			return cli_fail(err, errlen, "%s:%u: %s", path, lineno, why);
	}
	return CLI_RUN;
}

enum cli_action cli_parse(int argc, char **argv, struct vm_config *cfg, char *err, size_t errlen)
{
	const char *profile = NULL;
	uint32_t given = 0;
	int first = 2;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = CFG_DEFAULT_MEM;
	cfg->cpus = 1;
	cfg->log_level = LOG_WARN;
	cfg->bounce_size = CFG_DEFAULT_BOUNCE;
	cfg->strict = 1;
	cfg->sandbox = -1;
	cfg->console_panic = 1;
	cfg->pvpanic = 1;
	err[0] = '\0';

	if (argc < 2)
		return cli_fail(err, errlen, "no command given (try 'airlock --help')");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
		return CLI_HELP;
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return CLI_VERSION;
	if (!strcmp(argv[1], "dump-dtb")) {
		if (argc < 3 || !strncmp(argv[2], "--", 2))
			return cli_fail(err, errlen, "dump-dtb needs a FILE to write (airlock dump-dtb FILE [run options])");
		cfg->dump_dtb = argv[2];
		first = 3;
	} else if (strcmp(argv[1], "run") != 0) {
		return cli_fail(err, errlen, "unknown command '%s' (try 'airlock --help')", argv[1]);
	}

	/* Two passes: the command line first names what it sets (and the
	 * profile), the profile fills in the rest, then the flags apply. */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = first; i < argc; i++) {
			const char *arg = argv[i], *val = NULL, *eq;
			size_t namelen;
			int k;

			if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
				return CLI_HELP;
			if (strncmp(arg, "--", 2) != 0)
				return cli_fail(err, errlen, "unexpected argument '%s'", arg);
			arg += 2;
			eq = strchr(arg, '=');
			namelen = eq ? (size_t)(eq - arg) : strlen(arg);
			k = find_opt(arg, namelen);
			if (k < 0)
				return cli_fail(err, errlen, "unknown option '--%.*s' (try 'airlock --help')",
					    (int)namelen, arg);
			if (opt_flag(k)) {
				if (eq)
					return cli_fail(err, errlen, "--%s takes no value", opt_name(k));
			} else if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return cli_fail(err, errlen, "--%s needs a value", opt_name(k));
			if (pass == 0) {
				given |= 1u << k;
				if (k < NRUN && run_opts[k].id == OPT_CONFIG) {
					if (profile)
						return cli_fail(err, errlen, "--config given twice");
					profile = val;
				}
				continue;
			}
			if (k < NRUN && run_opts[k].id == OPT_CONFIG)
				continue;
			if (opt_apply(k, val, cfg, err, errlen) == CLI_ERROR)
				return CLI_ERROR;
		}
		if (pass == 0 && profile &&
		    parse_profile(profile, given, cfg, err, errlen) == CLI_ERROR)
			return CLI_ERROR;
	}
	if (!cfg->kernel)
		return cli_fail(err, errlen, "--kernel is required");
	if (cfg->console_log_time && !cfg->console_log)
		return cli_fail(err, errlen, "--console-log-time needs --console-log FILE");
	/* Device processes go with strict isolation: with isolation off the
	 * devices reach guest RAM, which a device process must not map. */
	if (cfg->sandbox < 0)
		cfg->sandbox = cfg->strict;
	if (cfg->sandbox && !cfg->strict)
		return cli_fail(err, errlen, "--sandbox on needs --isolation strict (with isolation off the devices reach all of guest RAM)");
	return CLI_RUN;
}

void cli_usage(void)
{
	printf("Usage: airlock run [--config FILE] --kernel PATH [options]\n"
	       "       airlock dump-dtb FILE --kernel PATH [options]   (arm64: write the\n"
	       "                       device tree the guest would get, then exit)\n"
	       "       airlock --help | --version\n"
	       "\n"
	       "Boots a Linux guest under KVM.\n"
	       "\n"
	       "Options of 'run' (defaults in brackets):\n"
	       "  --config FILE        a profile: 'key = value' lines with the options'\n"
	       "                       names as keys, # comments, ${VAR} expanded, disk\n"
	       "                       and net repeatable; flags given here override it\n"
	       "  --kernel PATH        guest kernel (x86_64: bzImage; arm64: Image)  [required]\n"
	       "  --initrd PATH        initial ramdisk  [none]\n"
	       "  --cmdline STR        kernel command line  [console=ttyS0]\n"
	       "  --mem SIZE           guest RAM, K/M/G/T suffixes, 32M..1T  [256M]\n"
	       "  --cpus N             virtual CPUs, 1..%d  [1]\n"
	       "  --log-level LEVEL    error, warn, info or debug; info prints the\n"
	       "                       exit summary  [warn]\n", CFG_MAX_CPUS);
	for (unsigned j = 0; j < device_nkinds; j++)
		if (device_kinds[j].usage)
			fputs(device_kinds[j].usage, stdout);
	printf("  --console serial|virtio  where typed input goes: the UART (ttyS0) or a\n"
	       "                       virtio console (hvc0; use console=hvc0)  [serial]\n"
	       "  --isolation strict|off  strict: each device reaches only its bounce BAR\n"
	       "                       (VIRTIO_F_SWIOTLB; needs the airlock guest driver);\n"
	       "                       off: devices reach all guest RAM  [strict]\n"
	       "  --bounce SIZE        bounce region per device in strict mode  [64M]\n"
	       "  --sandbox on|off     each device in a process of its own that cannot\n"
	       "                       see guest RAM (uid nobody, seccomp)  [on when strict]\n"
	       "  --stats-json FILE    write the exit summary (per device requests, bytes,\n"
	       "                       refusals; per vCPU exits) as JSON  [none]\n"
	       "  --timeout SECONDS    stop the guest after that long: status 5, with its\n"
	       "                       registers and last console lines  [none]\n"
	       "  --on-reboot exit|exit-code  a guest reboot ends airlock with status 0,\n"
	       "                       or (exit-code) with status 6  [exit]\n"
	       "  --pvpanic on|off     a pvpanic-pci device: a guest panic is status 3  [on]\n"
	       "  --console-log FILE   the guest's serial console also into FILE  [none]\n"
	       "  --console-log-time   each line in FILE prefixed with seconds since start\n"
	       "  --no-cache           do not use or fill the boot cache (kernels and initrds\n"
	       "                       decompressed on the host)\n"
	       "  --mark STR           --stats-json gets when the console first showed STR\n"
	       "  --console-panic on|off  'Kernel panic' on the console, then a reboot or\n"
	       "                       the kernel's end-of-panic line, is status 3  [on]\n"
	       "\n"
	       "Console: the guest's ttyS0 is this terminal. Type Ctrl-A x to quit,\n"
	       "Ctrl-A Ctrl-A to send a literal Ctrl-A.\n"
	       "\n"
	       "Exit status:\n"
	       "  0  the guest powered off or rebooted (or Ctrl-A x)\n"
	       "  1  runtime failure (no /dev/kvm, bad kernel, I/O error, a signal, ...)\n"
	       "  2  usage error (bad flag or value, bad profile line)\n"
	       "  3  the guest crashed or panicked: x86 triple fault, a KVM crash event,\n"
	       "     pvpanic, or a kernel panic on its console (--console-panic)\n"
	       "  4  a device process died (the VM is stopped)\n"
	       "  5  --timeout: the guest ran out of time (the VM is stopped)\n"
	       "  6  the guest rebooted, with --on-reboot exit-code\n");
}
