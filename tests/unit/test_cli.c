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

static int make_kernel(void **state)
{
	int fd = mkstemp(kernel);

	(void)state;
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int remove_kernel(void **state)
{
	(void)state;
	unlink(kernel);
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
	};
	return cmocka_run_group_tests_name("cli", tests, make_kernel, remove_kernel);
}
