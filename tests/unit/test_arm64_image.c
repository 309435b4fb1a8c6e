#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot/arm64_image.h"

static uint8_t img[4096];

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int setup(void **state)
{
	(void)state;
	memset(img, 0, sizeof(img));
	put64(img + 8, 0);                 /* text_offset */
	put64(img + 16, 0x2000000);        /* image_size: 32 MiB */
	put64(img + 24, 0xa);              /* LE, 4K pages, anywhere */
	put64(img + 56, ARM64_IMAGE_MAGIC);
	return 0;
}

static void a_valid_header_parses(void **state)
{
	struct arm64_image_info info;

	(void)state;
	assert_int_equal(arm64_image_parse(img, sizeof(img), &info), ARM64_IMAGE_OK);
	assert_int_equal(info.text_offset, 0);
	assert_int_equal(info.image_size, 0x2000000);
	assert_int_equal(info.flags, 0xa);
	put64(img + 8, 0x80000);
	assert_int_equal(arm64_image_parse(img, sizeof(img), &info), ARM64_IMAGE_OK);
	assert_int_equal(info.text_offset, 0x80000);
}

static void a_truncated_image_is_refused(void **state)
{
	struct arm64_image_info info;

	(void)state;
	assert_int_equal(arm64_image_parse(img, 63, &info), ARM64_IMAGE_TRUNCATED);
	assert_int_equal(arm64_image_parse(img, 0, &info), ARM64_IMAGE_TRUNCATED);
	assert_int_equal(arm64_image_parse(img, 64, &info), ARM64_IMAGE_OK);
}

static void a_bad_magic_is_refused(void **state)
{
	struct arm64_image_info info;

	(void)state;
	img[59] = 0x65;
	assert_int_equal(arm64_image_parse(img, sizeof(img), &info), ARM64_IMAGE_BAD_MAGIC);
	/* A bzImage is not an Image either. */
	memset(img, 0, 64);
	memcpy(img + 0x202, "HdrS", 4);
	assert_int_equal(arm64_image_parse(img, sizeof(img), &info), ARM64_IMAGE_BAD_MAGIC);
}

static void a_gzip_image_is_named_as_such(void **state)
{
	struct arm64_image_info info;

	(void)state;
	img[0] = 0x1f;
	img[1] = 0x8b;
	assert_int_equal(arm64_image_parse(img, sizeof(img), &info), ARM64_IMAGE_COMPRESSED);
	assert_non_null(strstr(arm64_image_strerror(ARM64_IMAGE_COMPRESSED), "gzip"));
}

static void big_endian_and_inconsistent_headers_are_refused(void **state)
{
	struct arm64_image_info info;

	(void)state;
	put64(img + 24, 0xb);
	assert_int_equal(arm64_image_parse(img, sizeof(img), &info), ARM64_IMAGE_BIG_ENDIAN);
	setup(NULL);
	put64(img + 16, 100);              /* smaller than the file */
	assert_int_equal(arm64_image_parse(img, sizeof(img), &info), ARM64_IMAGE_BAD_SIZE);
	setup(NULL);
	put64(img + 8, 2ULL << 20);        /* text_offset beyond the 2 MiB base */
	assert_int_equal(arm64_image_parse(img, sizeof(img), &info), ARM64_IMAGE_BAD_SIZE);
	setup(NULL);
	put64(img + 8, 0x123);
	assert_int_equal(arm64_image_parse(img, sizeof(img), &info), ARM64_IMAGE_BAD_SIZE);
}

static void a_pre_3_17_image_gets_the_legacy_offset(void **state)
{
	struct arm64_image_info info;

	(void)state;
	put64(img + 8, 0xdeadbeef);
	put64(img + 16, 0);
	assert_int_equal(arm64_image_parse(img, sizeof(img), &info), ARM64_IMAGE_OK);
	assert_int_equal(info.text_offset, ARM64_LEGACY_TEXT_OFFSET);
	assert_int_equal(info.image_size, sizeof(img));
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(a_valid_header_parses),
		T(a_truncated_image_is_refused),
		T(a_bad_magic_is_refused),
		T(a_gzip_image_is_named_as_such),
		T(big_endian_and_inconsistent_headers_are_refused),
		T(a_pre_3_17_image_gets_the_legacy_offset),
	};
	return cmocka_run_group_tests_name("arm64_image", tests, NULL, NULL);
}
