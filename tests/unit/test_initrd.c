/* Initrds as Debian and our own builds make them: a plain cpio (early
 * microcode) followed by compressed archives, zero padding between. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zlib.h>
#include <zstd.h>

#include "boot/decomp.h"
#include "boot/initrd.h"

/* One newc archive: a file NAME with DATA, then the trailer. */
static size_t cpio(uint8_t *out, const char *name, const char *data)
{
	size_t pos = 0;
	const char *names[2] = { name, "TRAILER!!!" };
	const char *datas[2] = { data, "" };

	for (int i = 0; i < 2; i++) {
		size_t nl = strlen(names[i]) + 1, dl = strlen(datas[i]);

		pos += (size_t)sprintf((char *)out + pos,
				       "070701%08x%08x%08x%08x%08x%08x%08zx%08x%08x%08x%08x%08zx%08x", i,
				       0100644, 0, 0, 1, 0, dl, 0, 0, 0, 0, nl, 0);
		memcpy(out + pos, names[i], nl);
		pos += nl;
		while (pos % 4)
			out[pos++] = 0;
		memcpy(out + pos, datas[i], dl);
		pos += dl;
		while (pos % 4)
			out[pos++] = 0;
	}
	return pos;
}

static size_t gz(uint8_t *out, const uint8_t *in, size_t len)
{
	z_stream z = { 0 };

	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = 65536;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return z.total_out;
}

static uint8_t a[4096], b[4096], in[16384];

static void a_plain_cpio_is_left_alone(void **state)
{
	uint8_t *out;
	size_t outlen, n = cpio(a, "kernel/x86/microcode/AuthenticAMD.bin", "ucode");
	const char *why;

	(void)state;
	assert_int_equal(initrd_unpack(a, n, 1 << 20, &out, &outlen, &why), INITRD_PLAIN);
	assert_null(out);
}

static void microcode_then_compressed_parts_are_unpacked_in_order(void **state)
{
	uint8_t *out;
	size_t outlen, na = cpio(a, "kernel/x86/microcode/AuthenticAMD.bin", "ucode"),
		       nb = cpio(b, "init", "#!/bin/sh\necho hi\n"), pos;
	const char *why;

	(void)state;
	memcpy(in, a, na);
	pos = na;
	memset(in + pos, 0, 512);         /* padding, as cpio's blocks leave */
	pos += 512;
	pos += gz(in + pos, b, nb);
	memset(in + pos, 0, 3);
	pos += 3;
	size_t z = ZSTD_compress(in + pos, sizeof(in) - pos, b, nb, 3);
	assert_false(ZSTD_isError(z));
	pos += z;
	assert_int_equal(initrd_unpack(in, pos, 1 << 20, &out, &outlen, &why), INITRD_UNPACKED);
	assert_int_equal(outlen, na + 2 * nb);
	assert_memory_equal(out, a, na);
	assert_memory_equal(out + na, b, nb);
	assert_memory_equal(out + na + nb, b, nb);
	free(out);
	/* What decides caching: the first compressed part, past the microcode. */
	assert_int_equal(initrd_first_format(in, pos), DC_GZIP);
	assert_int_equal(initrd_first_format(a, na), DC_NONE);
	assert_false(dc_worth_caching(DC_GZIP));
	assert_true(dc_worth_caching(DC_XZ));
	/* Above the limit it is handed over as it is. */
	assert_int_equal(initrd_unpack(in, pos, na + nb, &out, &outlen, &why), INITRD_CANNOT);
	assert_null(out);
	assert_non_null(why);
}

static void what_the_host_cannot_read_goes_to_the_kernel(void **state)
{
	uint8_t *out;
	size_t outlen, nb = cpio(b, "init", "x"), n;
	const char *why;

	(void)state;
	n = gz(in, b, nb);
	/* Truncated gzip. */
	assert_int_equal(initrd_unpack(in, n - 6, 1 << 20, &out, &outlen, &why), INITRD_CANNOT);
	assert_non_null(strstr(why, "truncated"));
	/* bzip2 */
	memcpy(in, "BZh91AY&SY", 10);
	assert_int_equal(initrd_unpack(in, 10, 1 << 20, &out, &outlen, &why), INITRD_CANNOT);
	/* An old binary cpio (070707) and plain garbage. */
	memcpy(in, "070707", 6);
	assert_int_equal(initrd_unpack(in, 200, 1 << 20, &out, &outlen, &why), INITRD_CANNOT);
	memcpy(in, "garbage", 7);
	assert_int_equal(initrd_unpack(in, 7, 1 << 20, &out, &outlen, &why), INITRD_CANNOT);
	/* A cpio whose file runs past the end. */
	n = cpio(b, "init", "0123456789");
	assert_int_equal(initrd_unpack(b, 120, 1 << 20, &out, &outlen, &why), INITRD_CANNOT);
	(void)n;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_plain_cpio_is_left_alone),
		cmocka_unit_test(microcode_then_compressed_parts_are_unpacked_in_order),
		cmocka_unit_test(what_the_host_cannot_read_goes_to_the_kernel),
	};
	return cmocka_run_group_tests_name("initrd", tests, NULL, NULL);
}
