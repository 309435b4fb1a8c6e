/* The boot cache: hits only for the same input, every entry checked, the
 * least recently used evicted past the bound, off with --no-cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/kcache.h"

static char dir[64];
#define NAME_BUF 512
static uint8_t in1[1000], in2[1000], out1[70000];

static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The one entry's path. */
static void entry(char *buf, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			snprintf(buf, len, "%s/%s", dir, e->d_name);
	closedir(d);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/kcache-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);                 /* made private by the cache itself */
	for (size_t i = 0; i < sizeof(in1); i++) {
		in1[i] = (uint8_t)i;
		in2[i] = (uint8_t)(i * 7);
	}
	for (size_t i = 0; i < sizeof(out1); i++)
		out1[i] = (uint8_t)(i >> 3);
	unsetenv("AIRLOCK_CACHE_MAX");
	kcache_setup(1, dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void a_stored_entry_is_found_for_the_same_input_only(void **state)
{
	struct kblob b;

	(void)state;
	assert_int_equal(kcache_get("x86-vmlinux", in1, sizeof(in1), &b), 0);
	kcache_put("x86-vmlinux", in1, sizeof(in1), out1, sizeof(out1));
	assert_int_equal(entries(), 1);
	/* Private: a decompressed initrd may hold secrets. */
	char path[NAME_BUF];
	struct stat st;
	entry(path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	assert_int_equal(kcache_get("x86-vmlinux", in1, sizeof(in1), &b), 1);
	assert_int_equal(b.len, sizeof(out1));
	assert_memory_equal(b.p, out1, sizeof(out1));
	kblob_free(&b);
	assert_int_equal(kcache_get("x86-vmlinux", in2, sizeof(in2), &b), 0);
	assert_int_equal(kcache_get("initrd", in1, sizeof(in1), &b), 0);
	assert_int_equal(kcache_get("x86-vmlinux", in1, sizeof(in1) - 1, &b), 0);
}

static void a_damaged_entry_is_removed_not_used(void **state)
{
	char path[NAME_BUF];
	struct kblob b;
	int fd;

	(void)state;
	kcache_put("initrd", in1, sizeof(in1), out1, sizeof(out1));
	entry(path, sizeof(path));
	fd = open(path, O_WRONLY);
	assert_true(pwrite(fd, "X", 1, 64 + 5000) == 1);
	close(fd);
	assert_int_equal(kcache_get("initrd", in1, sizeof(in1), &b), 0);
	assert_int_equal(entries(), 0);

	/* Truncated. */
	kcache_put("initrd", in1, sizeof(in1), out1, sizeof(out1));
	assert_int_equal(truncate(path, 64 + 100), 0);
	assert_int_equal(kcache_get("initrd", in1, sizeof(in1), &b), 0);
	assert_int_equal(entries(), 0);
}

static void a_name_is_not_a_key(void **state)
{
	char name1[512], name2[512];
	struct kblob b;

	(void)state;
	/* in2's entry moved to in1's name is refused: its header holds the
	 * key it was made for. */
	kcache_put("initrd", in2, sizeof(in2), out1, sizeof(out1));
	entry(name2, sizeof(name2));
	assert_int_equal(rename(name2, "/tmp/kcache-test-moved"), 0);
	kcache_put("initrd", in1, sizeof(in1), out1, sizeof(out1));
	entry(name1, sizeof(name1));
	assert_int_equal(rename("/tmp/kcache-test-moved", name1), 0);
	assert_int_equal(kcache_get("initrd", in1, sizeof(in1), &b), 0);
	assert_int_equal(kcache_get("initrd", in2, sizeof(in2), &b), 0);
	assert_int_equal(entries(), 0);
}

static void the_least_recently_used_go_past_the_bound(void **state)
{
	struct kblob b;
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	char path[NAME_BUF];

	(void)state;
	setenv("AIRLOCK_CACHE_MAX", "150K", 1);
	kcache_put("initrd", in1, sizeof(in1), out1, sizeof(out1));
	entry(path, sizeof(path));
	utimensat(AT_FDCWD, path, old, 0);   /* long unused */
	kcache_put("initrd", in2, sizeof(in2), out1, sizeof(out1));
	assert_int_equal(entries(), 2);
	/* A third passes 150K: the oldest goes. */
	kcache_put("x86-vmlinux", in1, sizeof(in1), out1, sizeof(out1));
	assert_int_equal(entries(), 2);
	assert_int_equal(kcache_get("initrd", in1, sizeof(in1), &b), 0);
	assert_int_equal(kcache_get("initrd", in2, sizeof(in2), &b), 1);
	kblob_free(&b);
	/* Bigger than the whole bound: not stored. */
	setenv("AIRLOCK_CACHE_MAX", "64K", 1);
	kcache_put("arm64-image", in1, sizeof(in1), out1, sizeof(out1));
	assert_int_equal(kcache_get("arm64-image", in1, sizeof(in1), &b), 0);
	unsetenv("AIRLOCK_CACHE_MAX");
}

static void no_cache_reads_and_writes_nothing(void **state)
{
	struct kblob b;

	(void)state;
	kcache_put("initrd", in1, sizeof(in1), out1, sizeof(out1));
	kcache_setup(0, dir);
	assert_int_equal(kcache_get("initrd", in1, sizeof(in1), &b), 0);
	kcache_put("initrd", in2, sizeof(in2), out1, sizeof(out1));
	assert_int_equal(entries(), 1);
	/* A directory others can write is not used. */
	chmod(dir, 0777);
	kcache_setup(1, dir);
	assert_int_equal(kcache_get("initrd", in1, sizeof(in1), &b), 0);
	chmod(dir, 0700);
	kcache_setup(1, dir);
	assert_int_equal(kcache_get("initrd", in1, sizeof(in1), &b), 1);
	kblob_free(&b);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(a_stored_entry_is_found_for_the_same_input_only),
		T(a_damaged_entry_is_removed_not_used),
		T(a_name_is_not_a_key),
		T(the_least_recently_used_go_past_the_bound),
		T(no_cache_reads_and_writes_nothing),
	};
	return cmocka_run_group_tests_name("kcache", tests, NULL, NULL);
}
