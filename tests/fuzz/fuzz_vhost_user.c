/* libFuzzer: a vhost-user backend's replies as the frontend reads them.
 * Byte 0 picks the message (and byte 1 a size or queue), the rest is what
 * the backend sent, queued on a socketpair before the call; the deadline
 * is 0, so a short reply fails at once. Nothing may crash, read or write
 * out of bounds, or leak a descriptor; a failure must say why. */
#include "devices/vhost_user.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vhu_region r = { 1ull << 36, 1 << 20, 0x7f0000000000ull, 0 };
	struct vhu_conn c = { .timeout_ms = 0 };
	uint8_t cfg[VHU_MAX_CONFIG];
	uint64_t v;
	uint32_t num;
	int sv[2], rc = 0;

	if (size < 2 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 0;
	c.fd = sv[0];
	c.reply_ack = data[0] & 0x80;
	if (size > 2 && write(sv[1], data + 2, size - 2) != (ssize_t)(size - 2))
		goto out;
	switch (data[0] & 0x7) {
	case 0: rc = vhu_get_u64(&c, VHU_GET_FEATURES, &v); break;
	case 1: rc = vhu_set_u64(&c, VHU_SET_FEATURES, 1ull << 32); break;
	case 2: rc = vhu_get_vring_base(&c, data[1], &num); break;
	case 3: rc = vhu_get_config(&c, 0, data[1], cfg); break;
	case 4: rc = vhu_set_mem_table(&c, &r, &sv[1], 1); break;
	case 5: rc = vhu_set_vring_fd(&c, VHU_SET_VRING_CALL, data[1], -1); break;
	case 6: rc = vhu_set_state(&c, VHU_SET_VRING_NUM, data[1], 256); break;
	default: rc = vhu_set_owner(&c); break;
	}
	if (rc < 0 && !c.err[0])
		abort();        /* every failure says why */
out:
	close(sv[0]);
	close(sv[1]);
	return 0;
}
