/* virtio-blk request handling over a DMA window and a real image file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "devices/virtio_blk.h"
#include "lib/log.h"

#define GPA 0x100000ULL
#define HDR (GPA + 0x000)
#define DAT (GPA + 0x1000)
#define STS (GPA + 0x3000)

static char path[] = "/tmp/airlock-blk-XXXXXX";
static uint8_t mem[0x4000];
static struct dma_window win;
static struct virtio_blk *blk;
static struct virtq_chain c;

static uint8_t *at(uint64_t gpa) { return mem + (gpa - GPA); }

static int setup(void **state)
{
	uint8_t sector[512];
	int fd = mkstemp(path);

	(void)state;
	log_level = LOG_ERROR;
	for (int s = 0; s < 16; s++) {              /* 16 sectors, each filled with its number */
		memset(sector, s, sizeof(sector));
		assert_int_equal(write(fd, sector, sizeof(sector)), 512);
	}
	assert_int_equal(write(fd, "tail", 4), 4); /* a partial sector at the end */
	close(fd);
	blk = (struct virtio_blk *)virtio_blk_create(path, false);
	assert_non_null(blk);
	memset(mem, 0xee, sizeof(mem));
	dma_window_init(&win);
	dma_window_add(&win, GPA, sizeof(mem), mem);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	blk->dev.destroy(&blk->dev);
	free(blk);
	unlink(path);
	strcpy(path, "/tmp/airlock-blk-XXXXXX");
	dma_window_destroy(&win);
	return 0;
}

/* header, one data buffer, status */
static void request(uint32_t type, uint64_t sector, uint32_t len, bool data_write)
{
	struct { uint32_t type, reserved; uint64_t sector; } h = { type, 0, sector };

	memcpy(at(HDR), &h, sizeof(h));
	memset(&c, 0, sizeof(c));
	c.buf[0] = (struct virtq_buf){ HDR, 16, false };
	c.n = 1;
	c.nread = 1;
	if (len) {
		c.buf[c.n++] = (struct virtq_buf){ DAT, len, data_write };
		if (!data_write)
			c.nread++;
	}
	c.buf[c.n++] = (struct virtq_buf){ STS, 1, true };
}

static void the_image_size_is_whole_sectors(void **state)
{
	(void)state;
	assert_int_equal(blk->sectors, 16);
}

static void a_read_returns_the_sectors_and_ok(void **state)
{
	(void)state;
	request(VIRTIO_BLK_T_IN, 3, 1024, true);
	assert_int_equal(virtio_blk_handle(blk, &win, &c), 1025);
	assert_int_equal(*at(STS), VIRTIO_BLK_S_OK);
	assert_int_equal(at(DAT)[0], 3);
	assert_int_equal(at(DAT)[1023], 4);
}

static void a_write_lands_in_the_image(void **state)
{
	(void)state;
	memset(at(DAT), 0xab, 512);
	request(VIRTIO_BLK_T_OUT, 5, 512, false);
	assert_int_equal(virtio_blk_handle(blk, &win, &c), 1);
	assert_int_equal(*at(STS), VIRTIO_BLK_S_OK);
	request(VIRTIO_BLK_T_IN, 5, 512, true);
	memset(at(DAT), 0, 512);
	virtio_blk_handle(blk, &win, &c);
	assert_int_equal(at(DAT)[100], 0xab);
}

static void data_that_is_not_whole_sectors_fails_with_ioerr(void **state)
{
	(void)state;
	request(VIRTIO_BLK_T_IN, 0, 100, true);
	assert_int_equal(virtio_blk_handle(blk, &win, &c), 1);
	assert_int_equal(*at(STS), VIRTIO_BLK_S_IOERR);
	request(VIRTIO_BLK_T_OUT, 0, 513, false);
	assert_int_equal(virtio_blk_handle(blk, &win, &c), 1);
	assert_int_equal(*at(STS), VIRTIO_BLK_S_IOERR);
}

static void a_request_past_the_end_fails_with_ioerr(void **state)
{
	(void)state;
	request(VIRTIO_BLK_T_IN, 15, 1024, true);
	assert_int_equal(virtio_blk_handle(blk, &win, &c), 1);
	assert_int_equal(*at(STS), VIRTIO_BLK_S_IOERR);
	request(VIRTIO_BLK_T_IN, 16, 512, true);        /* the partial sector */
	virtio_blk_handle(blk, &win, &c);
	assert_int_equal(*at(STS), VIRTIO_BLK_S_IOERR);
	request(VIRTIO_BLK_T_OUT, UINT64_MAX / 256, 512, false);  /* offset overflows */
	virtio_blk_handle(blk, &win, &c);
	assert_int_equal(*at(STS), VIRTIO_BLK_S_IOERR);
	assert_int_equal(blk->errors, 3);
}

static void a_read_only_disk_refuses_writes(void **state)
{
	(void)state;
	blk->ro = true;
	request(VIRTIO_BLK_T_OUT, 0, 512, false);
	virtio_blk_handle(blk, &win, &c);
	assert_int_equal(*at(STS), VIRTIO_BLK_S_IOERR);
	request(VIRTIO_BLK_T_IN, 0, 512, true);
	virtio_blk_handle(blk, &win, &c);
	assert_int_equal(*at(STS), VIRTIO_BLK_S_OK);
}

static void flush_and_get_id_succeed(void **state)
{
	(void)state;
	request(VIRTIO_BLK_T_FLUSH, 0, 0, false);
	assert_int_equal(virtio_blk_handle(blk, &win, &c), 1);
	assert_int_equal(*at(STS), VIRTIO_BLK_S_OK);
	request(VIRTIO_BLK_T_GET_ID, 0, 20, true);
	assert_int_equal(virtio_blk_handle(blk, &win, &c), 21);
	assert_memory_equal(at(DAT), "airlock-blk-", 12);
}

static void an_unknown_request_type_is_unsupported(void **state)
{
	(void)state;
	request(77, 0, 0, false);
	virtio_blk_handle(blk, &win, &c);
	assert_int_equal(*at(STS), VIRTIO_BLK_S_UNSUPP);
}

static void a_data_buffer_outside_the_window_fails_and_is_counted(void **state)
{
	uint64_t denied = dma_denied(&win);

	(void)state;
	request(VIRTIO_BLK_T_IN, 0, 512, true);
	c.buf[1].addr = 0x1000;
	virtio_blk_handle(blk, &win, &c);
	assert_int_equal(*at(STS), VIRTIO_BLK_S_IOERR);
	assert_true(dma_denied(&win) > denied);
}

static void a_chain_without_a_status_byte_gets_nothing_written(void **state)
{
	(void)state;
	request(VIRTIO_BLK_T_IN, 0, 512, false);
	c.n = 2;                                  /* drop the status buffer */
	assert_int_equal(virtio_blk_handle(blk, &win, &c), 0);
	assert_int_equal(*at(STS), 0xee);
}

static void a_short_header_fails(void **state)
{
	(void)state;
	request(VIRTIO_BLK_T_IN, 0, 512, true);
	c.buf[0].len = 8;
	virtio_blk_handle(blk, &win, &c);
	assert_int_equal(*at(STS), VIRTIO_BLK_S_IOERR);
}

static uint32_t cfg32(unsigned off)
{
	uint32_t v;

	blk->dev.config_read(&blk->dev, off, &v, 4);
	return v;
}

static void requests_are_sized_to_fit_the_bounce_region(void **state)
{
	(void)state;
	assert_int_equal(cfg32(8), 256 << 10);          /* size_max, no limit */
	assert_int_equal(cfg32(12), 126);               /* seg_max */
	blk->dev.dma_limit = 64 << 10;                  /* a 64 KiB bounce region */
	assert_int_equal(cfg32(8), 16 << 10);
	assert_int_equal(cfg32(12), 2);                 /* 2 x 16 KiB = half of it */
	blk->dev.dma_limit = 64 << 20;
	assert_int_equal(cfg32(8), 256 << 10);
	assert_int_equal(cfg32(12), 126);
	blk->dev.dma_limit = 8 << 10;
	assert_int_equal(cfg32(12), 2);
	assert_true(cfg32(8) * cfg32(12) <= (8 << 10) / 2);
}

static void a_second_writer_of_the_image_is_refused(void **state)
{
	(void)state;
	assert_null(virtio_blk_create(path, false));
	assert_null(virtio_blk_create(path, true));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(the_image_size_is_whole_sectors),
		T(a_read_returns_the_sectors_and_ok),
		T(a_write_lands_in_the_image),
		T(a_request_past_the_end_fails_with_ioerr),
		T(data_that_is_not_whole_sectors_fails_with_ioerr),
		T(a_read_only_disk_refuses_writes),
		T(flush_and_get_id_succeed),
		T(an_unknown_request_type_is_unsupported),
		T(a_data_buffer_outside_the_window_fails_and_is_counted),
		T(a_chain_without_a_status_byte_gets_nothing_written),
		T(a_short_header_fails),
		T(requests_are_sized_to_fit_the_bounce_region),
		T(a_second_writer_of_the_image_is_refused),
	};
	return cmocka_run_group_tests_name("virtio_blk", tests, NULL, NULL);
}
