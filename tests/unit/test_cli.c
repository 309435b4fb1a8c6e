/* The command line: sizes, every usage error, help and version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/cli.h"

static char kernel[] = "/tmp/airlock-test-kernel-XXXXXX";
static struct vm_config cfg;
static char err[256];

static char profile[] = "/tmp/airlock-test-profile-XXXXXX";
static char disk1[] = "/tmp/airlock-test-disk1-XXXXXX";
static char disk2[] = "/tmp/airlock-test-disk2-XXXXXX";

static int make_kernel(void **state)
{
	char *files[] = { kernel, profile, disk1, disk2 };

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		int fd = mkstemp(files[i]);

		if (fd < 0)
			return -1;
		close(fd);
	}
	return 0;
}

static int remove_kernel(void **state)
{
	(void)state;
	unlink(kernel);
	unlink(profile);
	unlink(disk1);
	unlink(disk2);
	return 0;
}

#define PARSE(...) ({                                                           \
	char *argv[] = { "airlock", __VA_ARGS__ };                              \
	cli_parse((int)(sizeof(argv) / sizeof(argv[0])), argv, &cfg, err, sizeof(err)); \
})

static void sizes_take_binary_suffixes_in_any_case(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("64k", &v), 0);
	assert_int_equal(v, 64 << 10);
	assert_int_equal(parse_size("512M", &v), 0);
	assert_int_equal(v, 512 << 20);
	assert_int_equal(parse_size("2g", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(parse_size("1T", &v), 0);
	assert_int_equal(v, 1ULL << 40);
}

static void malformed_or_overflowing_sizes_are_refused(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_size("", &v), -1);
	assert_int_equal(parse_size("M", &v), -1);
	assert_int_equal(parse_size("-1M", &v), -1);
	assert_int_equal(parse_size("12Q", &v), -1);
	assert_int_equal(parse_size("1MB", &v), -1);
	assert_int_equal(parse_size("1.5G", &v), -1);
	assert_int_equal(parse_size(" 1G", &v), -1);
	assert_int_equal(parse_size("99999999999999999999", &v), -1);
	assert_int_equal(parse_size("17179869184G", &v), -1);     /* 2^64 bytes */
	assert_int_equal(parse_size(NULL, &v), -1);
}

static void a_full_run_line_fills_the_config(void **state)
{
	(void)state;
	assert_int_equal(PARSE("run", "--kernel", kernel, "--initrd", kernel, "--cmdline",
			       "console=ttyS0 quiet", "--mem", "1G", "--cpus", "4", "--log-level",
			       "debug"), CLI_RUN);
	assert_string_equal(cfg.kernel, kernel);
	assert_string_equal(cfg.initrd, kernel);
	assert_string_equal(cfg.cmdline, "console=ttyS0 quiet");
	assert_int_equal(cfg.mem_size, 1ULL << 30);
	assert_int_equal(cfg.cpus, 4);
	assert_int_equal(cfg.log_level, LOG_DEBUG);
}

static void options_also_take_the_equals_form_and_have_defaults(void **state)
{
	(void)state;
	char opt[300];

	snprintf(opt, sizeof(opt), "--kernel=%s", kernel);
	assert_int_equal(PARSE("run", opt), CLI_RUN);
	assert_string_equal(cfg.kernel, kernel);
	assert_null(cfg.initrd);
	assert_null(cfg.cmdline);
	assert_int_equal(cfg.mem_size, CFG_DEFAULT_MEM);
	assert_int_equal(cfg.cpus, 1);
	assert_int_equal(cfg.log_level, LOG_WARN);
	assert_int_equal(cfg.strict, 1);               /* isolation is on by default */
	assert_int_equal(cfg.bounce_size, 64 << 20);
}

static void help_and_version_are_recognised(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--help"), CLI_HELP);
	assert_int_equal(PARSE("-h"), CLI_HELP);
	assert_int_equal(PARSE("run", "--help"), CLI_HELP);
	assert_int_equal(PARSE("--version"), CLI_VERSION);
}

#define EXPECT_ERROR(substr, ...) do {                              \
	assert_int_equal(PARSE(__VA_ARGS__), CLI_ERROR);            \
	if (!strstr(err, substr))                                   \
		fail_msg("error '%s' does not mention '%s'", err, substr); \
	assert_null(strchr(err, '\n'));                             \
} while (0)

static void no_command_or_an_unknown_command_is_an_error(void **state)
{
	char *argv[] = { "airlock" };

	(void)state;
	assert_int_equal(cli_parse(1, argv, &cfg, err, sizeof(err)), CLI_ERROR);
	EXPECT_ERROR("unknown command 'boot'", "boot");
}

static void an_unknown_flag_is_named(void **state)
{
	(void)state;
	EXPECT_ERROR("unknown option '--frobnicate'", "run", "--kernel", kernel, "--frobnicate");
	EXPECT_ERROR("unexpected argument 'extra'", "run", "--kernel", kernel, "extra");
}

static void a_flag_without_its_value_is_an_error(void **state)
{
	(void)state;
	EXPECT_ERROR("--mem needs a value", "run", "--kernel", kernel, "--mem");
}

static void the_kernel_is_required_and_must_exist(void **state)
{
	(void)state;
	EXPECT_ERROR("--kernel is required", "run", "--mem", "64M");
	EXPECT_ERROR("No such file", "run", "--kernel", "/nonexistent/bzImage");
	EXPECT_ERROR("not a regular file", "run", "--kernel", "/tmp");
	EXPECT_ERROR("--initrd /nonexistent", "run", "--kernel", kernel, "--initrd", "/nonexistent");
}

static void bad_memory_sizes_are_errors(void **state)
{
	(void)state;
	EXPECT_ERROR("invalid size 'lots'", "run", "--kernel", kernel, "--mem", "lots");
	EXPECT_ERROR("out of range", "run", "--kernel", kernel, "--mem", "16M");
	EXPECT_ERROR("out of range", "run", "--kernel", kernel, "--mem", "2T");
	EXPECT_ERROR("not a multiple of 4K", "run", "--kernel", kernel, "--mem", "33554433");
}

static void zero_or_too_many_cpus_are_errors(void **state)
{
	(void)state;
	EXPECT_ERROR("--cpus: '0'", "run", "--kernel", kernel, "--cpus", "0");
	EXPECT_ERROR("--cpus: '65'", "run", "--kernel", kernel, "--cpus", "65");
	EXPECT_ERROR("--cpus: 'two'", "run", "--kernel", kernel, "--cpus", "two");
	EXPECT_ERROR("--cpus: '-1'", "run", "--kernel", kernel, "--cpus", "-1");
	assert_int_equal(PARSE("run", "--kernel", kernel, "--cpus", "64"), CLI_RUN);
}

static void isolation_and_bounce_sizes_are_checked(void **state)
{
	char disk[300];

	(void)state;
	assert_int_equal(PARSE("run", "--kernel", kernel, "--isolation", "off"), CLI_RUN);
	assert_int_equal(cfg.strict, 0);
	EXPECT_ERROR("--isolation: 'loose'", "run", "--kernel", kernel, "--isolation", "loose");
	assert_int_equal(PARSE("run", "--kernel", kernel, "--bounce", "16M"), CLI_RUN);
	assert_int_equal(cfg.bounce_size, 16 << 20);
	EXPECT_ERROR("--bounce: '3M'", "run", "--kernel", kernel, "--bounce", "3M");
	EXPECT_ERROR("--bounce: '2G'", "run", "--kernel", kernel, "--bounce", "2G");
	EXPECT_ERROR("--bounce: '1K'", "run", "--kernel", kernel, "--bounce", "1K");
	EXPECT_ERROR("--bounce: '32K'", "run", "--kernel", kernel, "--bounce", "32K");
	assert_int_equal(PARSE("run", "--kernel", kernel, "--bounce", "64K"), CLI_RUN);
	assert_int_equal(cfg.bounce_size, 64 << 10);
	snprintf(disk, sizeof(disk), "%s,ro,bounce=8M", kernel);
	assert_int_equal(PARSE("run", "--kernel", kernel, "--disk", disk), CLI_RUN);
	assert_int_equal(cfg.disks[0].bounce, 8 << 20);
	assert_int_equal(cfg.disks[0].ro, 1);
	snprintf(disk, sizeof(disk), "%s,bounce=5M", kernel);
	EXPECT_ERROR("bounce=5M", "run", "--kernel", kernel, "--disk", disk);
	snprintf(disk, sizeof(disk), "%s,rw", kernel);
	EXPECT_ERROR("unknown option 'rw'", "run", "--kernel", kernel, "--disk", disk);
	EXPECT_ERROR("tap=NAME is required", "run", "--kernel", kernel, "--net", "mac=52:54:00:00:00:01");
	EXPECT_ERROR("not a unicast MAC", "run", "--kernel", kernel, "--net", "tap=t0,mac=01:00:00:00:00:01");
	assert_int_equal(PARSE("run", "--kernel", kernel, "--net", "tap=t0,mac=52:54:00:00:00:01,bounce=1M"),
			 CLI_RUN);
	assert_int_equal(cfg.nnets, 1);
	assert_int_equal(cfg.nets[0].bounce, 1 << 20);
	EXPECT_ERROR("--console: 'vga'", "run", "--kernel", kernel, "--console", "vga");
	EXPECT_ERROR("--rng takes no value", "run", "--kernel", kernel, "--rng=1");
}

static void an_unknown_log_level_is_an_error(void **state)
{
	(void)state;
	EXPECT_ERROR("--log-level: 'loud'", "run", "--kernel", kernel, "--log-level", "loud");
}

/* Profiles (--config). */
static void write_profile(const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(profile, "w");

	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}


static void a_profile_fills_the_config(void **state)
{
	(void)state;
	write_profile("# a test profile\n"
		      "kernel = %s\n"
		      "  mem=512M   # trailing comment\n"
		      "\n"
		      "cpus = 2\n"
		      "cmdline = console=ttyS0 quiet a#b\n"
		      "disk = %s,ro\n"
		      "disk = %s,bounce=4M\n"
		      "net = tap=tap0,mac=52:54:00:12:34:56\n"
		      "rng = yes\n"
		      "isolation = off\n"
		      "log-level = info\n", kernel, disk1, disk2);
	assert_int_equal(PARSE("run", "--config", profile), CLI_RUN);
	assert_string_equal(cfg.kernel, kernel);
	assert_int_equal(cfg.mem_size, 512ULL << 20);
	assert_int_equal(cfg.cpus, 2);
	assert_string_equal(cfg.cmdline, "console=ttyS0 quiet a#b");
	assert_int_equal(cfg.ndisks, 2);
	assert_string_equal(cfg.disks[0].path, disk1);
	assert_int_equal(cfg.disks[0].ro, 1);
	assert_int_equal(cfg.disks[1].bounce, 4 << 20);
	assert_int_equal(cfg.nnets, 1);
	assert_string_equal(cfg.nets[0].tap, "tap0");
	assert_int_equal(cfg.rng, 1);
	assert_int_equal(cfg.strict, 0);
	assert_int_equal(cfg.log_level, LOG_INFO);
	cli_free(&cfg);
}

static void command_line_flags_override_the_profile(void **state)
{
	(void)state;
	write_profile("kernel = %s\nmem = 512M\ncpus = 2\ndisk = %s\ndisk = %s\nrng = no\n", kernel,
		      disk1, disk2);
	/* Flags before or after --config win; a repeatable key given on the
	 * command line replaces the profile's list. */
	assert_int_equal(PARSE("run", "--mem", "1G", "--config", profile, "--disk", disk2, "--rng"),
			 CLI_RUN);
	assert_int_equal(cfg.mem_size, 1ULL << 30);
	assert_int_equal(cfg.cpus, 2);
	assert_int_equal(cfg.ndisks, 1);
	assert_string_equal(cfg.disks[0].path, disk2);
	assert_int_equal(cfg.rng, 1);
	cli_free(&cfg);
	/* A line the command line overrides is not even checked. */
	write_profile("kernel = %s\nmem = lots\ninitrd = ${AIRLOCK_TEST_UNSET_VAR}\n", kernel);
	assert_int_equal(PARSE("run", "--config", profile, "--mem", "64M", "--initrd", kernel), CLI_RUN);
	assert_int_equal(cfg.mem_size, 64ULL << 20);
	cli_free(&cfg);
}

static void profile_values_expand_environment_variables(void **state)
{
	(void)state;
	setenv("AIRLOCK_TEST_KERNEL", kernel, 1);
	setenv("AIRLOCK_TEST_QUIET", "quiet", 1);
	write_profile("kernel = ${AIRLOCK_TEST_KERNEL}\ncmdline = console=ttyS0 ${AIRLOCK_TEST_QUIET}\n");
	assert_int_equal(PARSE("run", "--config", profile), CLI_RUN);
	assert_string_equal(cfg.kernel, kernel);
	assert_string_equal(cfg.cmdline, "console=ttyS0 quiet");
	cli_free(&cfg);
}

#define EXPECT_PROFILE_ERROR(line, msg, ...) do {                                 \
	char want_[512];                                                         \
	write_profile(__VA_ARGS__);                                              \
	snprintf(want_, sizeof(want_), "%s:%d: %s", profile, line, msg);         \
	assert_int_equal(PARSE("run", "--config", profile), CLI_ERROR);          \
	if (strncmp(err, want_, strlen(want_)))                                  \
		fail_msg("got '%s', want '%s...'", err, want_);                  \
	cli_free(&cfg);                                                          \
} while (0)

static void every_profile_error_names_the_file_and_line(void **state)
{
	(void)state;
	EXPECT_PROFILE_ERROR(2, "expected 'key = value', got 'mem 512M'", "kernel = %s\nmem 512M\n", kernel);
	EXPECT_PROFILE_ERROR(3, "unknown key 'memory'", "# c\nkernel = %s\nmemory = 1G\n", kernel);
	EXPECT_PROFILE_ERROR(1, "unknown key 'config'", "config = /etc/x\n");
	EXPECT_PROFILE_ERROR(2, "--mem: invalid size 'lots'", "kernel = %s\nmem = lots\n", kernel);
	EXPECT_PROFILE_ERROR(3, "'cpus' is already set on line 1", "cpus = 1\nkernel = %s\ncpus = 2\n", kernel);
	EXPECT_PROFILE_ERROR(1, "'mem' has no value", "mem =\n");
	EXPECT_PROFILE_ERROR(1, "'rng' takes yes or no, not 'maybe'", "rng = maybe\n");
	EXPECT_PROFILE_ERROR(1, "initrd: ${AIRLOCK_TEST_UNSET_VAR} is not set", "initrd = ${AIRLOCK_TEST_UNSET_VAR}\n");
	EXPECT_PROFILE_ERROR(2, "--disk /nonexistent/disk: No such file", "kernel = %s\ndisk = /nonexistent/disk\n", kernel);
	/* The file itself. */
	assert_int_equal(PARSE("run", "--config", "/nonexistent/profile"), CLI_ERROR);
	assert_string_equal(err, "--config /nonexistent/profile: No such file or directory");
	assert_int_equal(PARSE("run", "--config", profile, "--config", profile), CLI_ERROR);
	assert_string_equal(err, "--config given twice");
}

static void an_error_is_one_line_whatever_the_arguments_hold(void **state)
{
	(void)state;
	EXPECT_ERROR("unknown option '--me?m'", "run", "--kernel", kernel, "--me\nm", "1G");
	EXPECT_ERROR("unexpected argument 'a?b'", "run", "a\rb");
}

static void the_stats_json_flag_names_a_file(void **state)
{
	(void)state;
	assert_int_equal(PARSE("run", "--kernel", kernel, "--stats-json", "/tmp/s.json"), CLI_RUN);
	assert_string_equal(cfg.stats_json, "/tmp/s.json");
	EXPECT_ERROR("--stats-json needs a value", "run", "--kernel", kernel, "--stats-json");
}

/* The CI-grade exits: defaults, values, and refusals. */
static void ci_exit_flags_are_parsed_and_checked(void **state)
{
	(void)state;
	assert_int_equal(PARSE("run", "--kernel", kernel), CLI_RUN);
	assert_true(cfg.timeout_s == 0 && cfg.reboot_code == 0 && cfg.pvpanic == 1 && cfg.console_panic == 1);
	assert_int_equal(PARSE("run", "--kernel", kernel, "--timeout", "90", "--on-reboot", "exit-code",
			       "--pvpanic", "off", "--console-panic=off"), CLI_RUN);
	assert_true(cfg.timeout_s == 90 && cfg.reboot_code == 1 && cfg.pvpanic == 0 && cfg.console_panic == 0);
	EXPECT_ERROR("--timeout: '0' is not a number of seconds", "run", "--kernel", kernel, "--timeout", "0");
	EXPECT_ERROR("--timeout: '1m' is not a number of seconds", "run", "--kernel", kernel, "--timeout", "1m");
	EXPECT_ERROR("--on-reboot: 'restart' is not exit or exit-code", "run", "--kernel", kernel,
		     "--on-reboot", "restart");
	EXPECT_ERROR("--pvpanic: 'yes' is not on or off", "run", "--kernel", kernel, "--pvpanic", "yes");
	assert_int_equal(PARSE("run", "--kernel", kernel, "--console-log", "/tmp/c.log", "--console-log-time",
			       "--mark", "login:"), CLI_RUN);
	assert_true(!strcmp(cfg.console_log, "/tmp/c.log") && cfg.console_log_time && !strcmp(cfg.mark, "login:"));
	EXPECT_ERROR("--console-log-time needs --console-log", "run", "--kernel", kernel, "--console-log-time");
	EXPECT_ERROR("--console-log-time takes no value", "run", "--kernel", kernel, "--console-log-time=1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes_take_binary_suffixes_in_any_case),
		cmocka_unit_test(malformed_or_overflowing_sizes_are_refused),
		cmocka_unit_test(a_full_run_line_fills_the_config),
		cmocka_unit_test(options_also_take_the_equals_form_and_have_defaults),
		cmocka_unit_test(help_and_version_are_recognised),
		cmocka_unit_test(no_command_or_an_unknown_command_is_an_error),
		cmocka_unit_test(an_unknown_flag_is_named),
		cmocka_unit_test(a_flag_without_its_value_is_an_error),
		cmocka_unit_test(the_kernel_is_required_and_must_exist),
		cmocka_unit_test(bad_memory_sizes_are_errors),
		cmocka_unit_test(zero_or_too_many_cpus_are_errors),
		cmocka_unit_test(an_unknown_log_level_is_an_error),
		cmocka_unit_test(isolation_and_bounce_sizes_are_checked),
		cmocka_unit_test(a_profile_fills_the_config),
		cmocka_unit_test(command_line_flags_override_the_profile),
		cmocka_unit_test(profile_values_expand_environment_variables),
		cmocka_unit_test(every_profile_error_names_the_file_and_line),
		cmocka_unit_test(the_stats_json_flag_names_a_file),
		cmocka_unit_test(ci_exit_flags_are_parsed_and_checked),
		cmocka_unit_test(an_error_is_one_line_whatever_the_arguments_hold),
	};
	return cmocka_run_group_tests_name("cli", tests, make_kernel, remove_kernel);
}
