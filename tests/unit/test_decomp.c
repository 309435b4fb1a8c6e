/* Host-side decompression: every format the kernel's payload or an initrd
 * may use, made here with the same libraries' encoders (lz4's legacy
 * framing by hand), then truncated, corrupted and limited. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "boot/decomp.h"

#define PLAIN_LEN (3u << 20)
static uint8_t *plain;

static int setup(void **state)
{
	(void)state;
	plain = malloc(PLAIN_LEN);
	/* Compressible but not trivial: text-like runs with a counter. */
	for (size_t i = 0; i < PLAIN_LEN; i++)
		plain[i] = (uint8_t)("airlock kernel payload "[i % 23] ^ (i >> 12));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(plain);
	return 0;
}

/* The compressed stream followed by 4 trailing bytes (as a payload's size). */
static size_t pack(enum dc_fmt f, uint8_t **out)
{
	size_t cap = PLAIN_LEN + (1 << 20), n = 0;
	uint8_t *o = malloc(cap + 4);

	switch (f) {
	case DC_GZIP: {
		z_stream z = { 0 };
		assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
		z.next_in = plain;
		z.avail_in = PLAIN_LEN;
		z.next_out = o;
		z.avail_out = (uInt)cap;
		assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
		n = z.total_out;
		deflateEnd(&z);
		break;
	}
	case DC_XZ:
		assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, plain, PLAIN_LEN, o,
							 &n, cap), LZMA_OK);
		break;
	case DC_LZMA: {
		lzma_stream s = LZMA_STREAM_INIT;
		lzma_options_lzma opt;
		lzma_lzma_preset(&opt, 6);
		assert_int_equal(lzma_alone_encoder(&s, &opt), LZMA_OK);
		s.next_in = plain;
		s.avail_in = PLAIN_LEN;
		s.next_out = o;
		s.avail_out = cap;
		assert_int_equal(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
		n = cap - s.avail_out;
		lzma_end(&s);
		break;
	}
	case DC_ZSTD:
		n = ZSTD_compress(o, cap, plain, PLAIN_LEN, 3);
		assert_false(ZSTD_isError(n));
		break;
	case DC_LZ4: {
		/* Legacy frame: magic, then [u32 size][block] per 8 MiB. */
		uint32_t magic = 0x184c2102;
		memcpy(o, &magic, 4);
		int c = LZ4_compress_default((const char *)plain, (char *)o + 8, PLAIN_LEN, (int)cap - 8);
		assert_true(c > 0);
		uint32_t cs = (uint32_t)c;
		memcpy(o + 4, &cs, 4);
		n = 8 + (size_t)c;
		break;
	}
	default:
		fail();
	}
	uint32_t sz = PLAIN_LEN;
	memcpy(o + n, &sz, 4);
	*out = o;
	return n + 4;
}

static const enum dc_fmt fmts[] = { DC_GZIP, DC_XZ, DC_LZMA, DC_ZSTD, DC_LZ4 };

static void every_format_round_trips_and_leaves_the_trailer(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		uint8_t *c, *out;
		size_t len = pack(fmts[i], &c), outlen, used;

		assert_int_equal(dc_detect(c, len), fmts[i]);
		assert_int_equal(dc_inflate(fmts[i], c, len, 64 << 20, 0, &out, &outlen, &used), DC_OK);
		assert_int_equal(outlen, PLAIN_LEN);
		assert_memory_equal(out, plain, PLAIN_LEN);
		assert_int_equal(used, len - 4);       /* the size trailer is not the stream's */
		free(out);
		/* A right-sized first guess changes nothing. */
		assert_int_equal(dc_inflate(fmts[i], c, len, 64 << 20, PLAIN_LEN, &out, &outlen, &used),
				 DC_OK);
		assert_int_equal(outlen, PLAIN_LEN);
		free(out);
		free(c);
	}
}

static void truncated_streams_are_refused(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		uint8_t *c, *out = (uint8_t *)1;
		size_t len = pack(fmts[i], &c), outlen, used;
		enum dc_err e = dc_inflate(fmts[i], c, len / 2, 64 << 20, 0, &out, &outlen, &used);

		/* lz4 legacy has no end mark: half a stream is a short block. */
		assert_true(e == DC_TRUNCATED || e == DC_CORRUPT);
		assert_null(out);
		free(c);
	}
}

static void corrupt_streams_are_refused(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		uint8_t *c, *out;
		size_t len = pack(fmts[i], &c), outlen, used;

		for (size_t j = 16; j < len - 8; j += 97)
			c[j] ^= 0x5a;
		enum dc_err e = dc_inflate(fmts[i], c, len, 64 << 20, 0, &out, &outlen, &used);
		if (e == DC_OK) {
			/* gzip, xz and zstd check their data; lzma-alone and lz4
			 * cannot always tell, but never return the original. */
			assert_true(fmts[i] == DC_LZMA || fmts[i] == DC_LZ4);
			assert_true(outlen != PLAIN_LEN || memcmp(out, plain, PLAIN_LEN));
			free(out);
		} else {
			assert_true(e == DC_CORRUPT || e == DC_TRUNCATED);
		}
		free(c);
	}
}

static void output_past_the_limit_is_a_bomb(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		uint8_t *c, *out = (uint8_t *)1;
		size_t len = pack(fmts[i], &c), outlen, used;

		/* Even when the stream claims a small size. */
		assert_int_equal(dc_inflate(fmts[i], c, len, PLAIN_LEN - 1, 4096, &out, &outlen, &used),
				 DC_TOO_BIG);
		assert_null(out);
		assert_int_equal(dc_inflate(fmts[i], c, len, PLAIN_LEN, 0, &out, &outlen, &used), DC_OK);
		free(out);
		free(c);
	}
}

static void unknown_and_unsupported_formats_are_named(void **state)
{
	static const uint8_t bz[] = "BZh91AY&SY", lzo[] = "\x89LZO\0", text[] = "hello";
	uint8_t *out;
	size_t outlen, used;

	(void)state;
	assert_int_equal(dc_detect(bz, sizeof(bz)), DC_BZIP2);
	assert_int_equal(dc_detect(lzo, sizeof(lzo)), DC_LZO);
	assert_int_equal(dc_detect(text, sizeof(text)), DC_NONE);
	assert_int_equal(dc_detect(text, 0), DC_NONE);
	assert_string_equal(dc_name(DC_BZIP2), "bzip2");
	assert_int_equal(dc_inflate(DC_BZIP2, bz, sizeof(bz), 1 << 20, 0, &out, &outlen, &used),
			 DC_UNSUPPORTED);
	assert_int_equal(dc_inflate(DC_NONE, text, sizeof(text), 1 << 20, 0, &out, &outlen, &used),
			 DC_UNSUPPORTED);
	assert_non_null(strstr(dc_strerror(DC_TOO_BIG), "guest RAM"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_format_round_trips_and_leaves_the_trailer),
		cmocka_unit_test(truncated_streams_are_refused),
		cmocka_unit_test(corrupt_streams_are_refused),
		cmocka_unit_test(output_past_the_limit_is_a_bomb),
		cmocka_unit_test(unknown_and_unsupported_formats_are_named),
	};
	return cmocka_run_group_tests_name("decomp", tests, setup, teardown);
}
