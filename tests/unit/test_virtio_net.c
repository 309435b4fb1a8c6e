/* virtio-net transmit over a DMA window, to a socket standing in for the tap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "devices/virtio_net.h"
#include "lib/log.h"

#define GPA 0x100000ULL
static uint8_t mem[0x4000];
static struct dma_window win;
static struct virtio_net *net;
static struct virtq_chain c;
static int peer;

static uint8_t *at(uint64_t gpa) { return mem + (gpa - GPA); }

static int setup(void **state)
{
	int sv[2];

	(void)state;
	log_level = LOG_ERROR;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	net = (struct virtio_net *)virtio_net_create_fd(sv[0], "test0", NULL);
	assert_non_null(net);
	peer = sv[1];
	dma_window_init(&win);
	dma_window_add(&win, GPA, sizeof(mem), mem);
	memset(&c, 0, sizeof(c));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	net->dev.destroy(&net->dev);
	free(net);
	close(peer);
	dma_window_destroy(&win);
	return 0;
}

static void add(uint64_t gpa, uint32_t len)
{
	c.buf[c.n++] = (struct virtq_buf){ gpa, len, false };
	c.nread = c.n;
}

/* A guest asking for checksum and GSO offloads we never offered: the tap
 * gets a header that asks for nothing, and the frame unchanged. */
static void the_guests_offload_fields_never_reach_the_tap(void **state)
{
	uint8_t got[64];
	static const uint8_t zero[VIRTIO_NET_HDR_LEN];

	(void)state;
	memset(at(GPA), 0xab, VIRTIO_NET_HDR_LEN);      /* flags, gso_type, sizes, csum: all set */
	memcpy(at(GPA + 0x100), "frame-data", 10);
	add(GPA, VIRTIO_NET_HDR_LEN);
	add(GPA + 0x100, 10);
	virtio_net_send(net, &win, &c);
	assert_int_equal(recv(peer, got, sizeof(got), 0), VIRTIO_NET_HDR_LEN + 10);
	assert_memory_equal(got, zero, VIRTIO_NET_HDR_LEN);
	assert_memory_equal(got + VIRTIO_NET_HDR_LEN, "frame-data", 10);
	assert_int_equal(net->tx_frames, 1);
}

/* The header split over buffers, and sharing one with the frame. */
static void a_header_split_across_buffers_is_replaced_whole(void **state)
{
	uint8_t got[64];
	static const uint8_t zero[VIRTIO_NET_HDR_LEN];

	(void)state;
	memset(at(GPA), 0xcd, 5);
	memset(at(GPA + 0x200), 0xcd, 7);
	memcpy(at(GPA + 0x200 + 7), "payload", 7);
	add(GPA, 5);
	add(GPA + 0x200, 14);
	virtio_net_send(net, &win, &c);
	assert_int_equal(recv(peer, got, sizeof(got), 0), VIRTIO_NET_HDR_LEN + 7);
	assert_memory_equal(got, zero, VIRTIO_NET_HDR_LEN);
	assert_memory_equal(got + VIRTIO_NET_HDR_LEN, "payload", 7);
}

/* Shorter than a header: nothing sent, counted. */
static void a_chain_shorter_than_its_header_is_dropped(void **state)
{
	uint8_t got[64];

	(void)state;
	add(GPA, 6);
	virtio_net_send(net, &win, &c);
	assert_int_equal(recv(peer, got, sizeof(got), MSG_DONTWAIT), -1);
	assert_int_equal(net->tx_errors, 1);
	assert_int_equal(net->tx_frames, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(the_guests_offload_fields_never_reach_the_tap, setup, teardown),
		cmocka_unit_test_setup_teardown(a_header_split_across_buffers_is_replaced_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(a_chain_shorter_than_its_header_is_dropped, setup, teardown),
	};
	return cmocka_run_group_tests_name("virtio_net", tests, NULL, NULL);
}
