/* The x86 boot protocol: setup header parsing and the zero page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot/bzimage.h"

#define IMG_LEN (18 * 512)

static uint8_t img[IMG_LEN];

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* A minimal image that satisfies protocol 2.15 with a 64-bit entry. */
static int make_image(void **state)
{
	(void)state;
	memset(img, 0, sizeof(img));
	img[0x1f1] = 1;
	img[0x1fe] = 0x55;
	img[0x1ff] = 0xaa;
	img[0x200] = 0xeb;
	img[0x201] = 0x66;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;
	img[0x207] = 0x02;
	img[0x211] = 0x01;
	put32(img + 0x22c, 0x7fffffff);
	put32(img + 0x230, 0x200000);
	img[0x236] = 0x01;
	put32(img + 0x238, 2047);
	put32(img + 0x258, 0x1000000);
	put32(img + 0x260, 0x100000);
	return 0;
}

static void a_valid_image_parses_with_its_sizes(void **state)
{
	struct bzimage_info info;

	(void)state;
	assert_int_equal(bzimage_parse(img, IMG_LEN, &info), BZ_OK);
	assert_int_equal(info.version, 0x020f);
	assert_int_equal(info.setup_size, 1024);
	assert_int_equal(info.kernel_size, IMG_LEN - 1024);
	assert_int_equal(info.init_size, 0x100000);
	assert_int_equal(info.cmdline_size, 2047);
	assert_int_equal(info.initrd_addr_max, 0x7fffffff);
	assert_int_equal(info.pref_address, 0x1000000);
	assert_int_equal(info.hdr_end, 0x268);
}

static void setup_sects_zero_means_four(void **state)
{
	struct bzimage_info info;

	(void)state;
	img[0x1f1] = 0;
	assert_int_equal(bzimage_parse(img, IMG_LEN, &info), BZ_OK);
	assert_int_equal(info.setup_size, 5 * 512);
}

static void a_truncated_image_is_refused(void **state)
{
	struct bzimage_info info;

	(void)state;
	assert_int_equal(bzimage_parse(img, 600, &info), BZ_TRUNCATED);
	/* Header intact but no payload after the setup sectors. */
	assert_int_equal(bzimage_parse(img, 1024, &info), BZ_TRUNCATED);
}

static void a_file_too_short_for_the_header_is_not_a_bzimage(void **state)
{
	struct bzimage_info info;

	(void)state;
	assert_int_equal(bzimage_parse(img, 0x100, &info), BZ_BAD_MAGIC);
	assert_int_equal(bzimage_parse(img, 0, &info), BZ_BAD_MAGIC);
}

static void a_wrong_magic_is_refused(void **state)
{
	struct bzimage_info info;

	(void)state;
	img[0x202] = 'X';
	assert_int_equal(bzimage_parse(img, IMG_LEN, &info), BZ_BAD_MAGIC);
	make_image(NULL);
	img[0x1fe] = 0;
	assert_int_equal(bzimage_parse(img, IMG_LEN, &info), BZ_BAD_MAGIC);
}

static void a_protocol_older_than_2_12_is_refused(void **state)
{
	struct bzimage_info info;
	char buf[128];

	(void)state;
	img[0x206] = 0x0b;
	assert_int_equal(bzimage_parse(img, IMG_LEN, &info), BZ_OLD_PROTOCOL);
	assert_non_null(strstr(bz_strerror(BZ_OLD_PROTOCOL, &info, buf, sizeof(buf)), "2.11"));
	img[0x206] = 0x0c;
	assert_int_equal(bzimage_parse(img, IMG_LEN, &info), BZ_OK);
}

static void a_zimage_is_refused(void **state)
{
	struct bzimage_info info;

	(void)state;
	img[0x211] = 0;
	assert_int_equal(bzimage_parse(img, IMG_LEN, &info), BZ_NOT_BZIMAGE);
}

static void a_kernel_without_a_64_bit_entry_is_refused(void **state)
{
	struct bzimage_info info;

	(void)state;
	img[0x236] = 0;
	assert_int_equal(bzimage_parse(img, IMG_LEN, &info), BZ_NO_64BIT);
}

static void an_oversized_setup_is_refused(void **state)
{
	struct bzimage_info info;

	(void)state;
	img[0x1f1] = BZ_MAX_SETUP_SECTS + 1;
	assert_int_equal(bzimage_parse(img, IMG_LEN, &info), BZ_BAD_SETUP);
	/* Setup larger than the file. */
	img[0x1f1] = 20;
	assert_int_equal(bzimage_parse(img, IMG_LEN, &info), BZ_TRUNCATED);
}

static void a_header_jump_past_the_setup_header_is_clamped(void **state)
{
	struct bzimage_info info;

	(void)state;
	img[0x201] = 0xff;
	assert_int_equal(bzimage_parse(img, IMG_LEN, &info), BZ_OK);
	assert_int_equal(info.hdr_end, 0x290);
}

static void an_init_size_below_the_payload_is_raised_to_it(void **state)
{
	struct bzimage_info info;

	(void)state;
	put32(img + 0x260, 16);
	assert_int_equal(bzimage_parse(img, IMG_LEN, &info), BZ_OK);
	assert_int_equal(info.init_size, info.kernel_size);
}

/* A preferred address whose end (+ init_size) wraps 2^64 is refused. */
static void a_preferred_address_that_wraps_is_refused(void **state)
{
	struct bzimage_info info;
	uint64_t pref = UINT64_MAX - 0x1000;

	(void)state;
	memcpy(img + 0x258, &pref, 8);
	assert_int_equal(bzimage_parse(img, IMG_LEN, &info), BZ_BAD_PREF);
	pref = 0x1000000;
	memcpy(img + 0x258, &pref, 8);
	assert_int_equal(bzimage_parse(img, IMG_LEN, &info), BZ_OK);
}

static void the_zero_page_carries_header_cmdline_initrd_e820_and_rsdp(void **state)
{
	static uint8_t zp[BZ_ZERO_PAGE_SIZE];
	struct e820_entry e[2] = { { 0, 0x9fc00, E820_RAM }, { 0x100000, 0x7f00000, E820_RAM } };
	struct bzimage_boot b = {
		.cmdline_addr = 0x20000, .initrd_addr = 0x7000000, .initrd_size = 0x123456,
		.rsdp_addr = 0xe0000, .e820 = e, .nr_e820 = 2,
	};
	struct bzimage_info info;

	(void)state;
	assert_int_equal(bzimage_parse(img, IMG_LEN, &info), BZ_OK);
	memset(zp, 0xaa, sizeof(zp));
	bzimage_fill_zero_page(zp, img, &info, &b);
	assert_memory_equal(zp + 0x202, "HdrS", 4);
	assert_int_equal(zp[0x210], 0xff);                  /* type_of_loader */
	assert_int_equal(zp[0x211], 0x81);                  /* LOADED_HIGH | CAN_USE_HEAP */
	assert_int_equal(get32(zp + 0x228), 0x20000);
	assert_int_equal(get32(zp + 0x218), 0x7000000);
	assert_int_equal(get32(zp + 0x21c), 0x123456);
	assert_int_equal(get64(zp + 0x070), 0xe0000);
	assert_int_equal(zp[0x1e8], 2);
	assert_int_equal(get64(zp + 0x2d0 + 20), 0x100000);
	assert_int_equal(get64(zp + 0x2d0 + 28), 0x7f00000);
	assert_int_equal(get32(zp + 0x2d0 + 36), E820_RAM);
	assert_int_equal(zp[0], 0);                         /* the rest is zeroed */
	assert_int_equal(zp[0x2d0 + 40], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(a_valid_image_parses_with_its_sizes, make_image),
		cmocka_unit_test_setup(setup_sects_zero_means_four, make_image),
		cmocka_unit_test_setup(a_truncated_image_is_refused, make_image),
		cmocka_unit_test_setup(a_file_too_short_for_the_header_is_not_a_bzimage, make_image),
		cmocka_unit_test_setup(a_wrong_magic_is_refused, make_image),
		cmocka_unit_test_setup(a_protocol_older_than_2_12_is_refused, make_image),
		cmocka_unit_test_setup(a_zimage_is_refused, make_image),
		cmocka_unit_test_setup(a_kernel_without_a_64_bit_entry_is_refused, make_image),
		cmocka_unit_test_setup(an_oversized_setup_is_refused, make_image),
		cmocka_unit_test_setup(a_header_jump_past_the_setup_header_is_clamped, make_image),
		cmocka_unit_test_setup(an_init_size_below_the_payload_is_raised_to_it, make_image),
		cmocka_unit_test_setup(a_preferred_address_that_wraps_is_refused, make_image),
		cmocka_unit_test_setup(the_zero_page_carries_header_cmdline_initrd_e820_and_rsdp,
				       make_image),
	};
	return cmocka_run_group_tests_name("bzimage", tests, NULL, NULL);
}
