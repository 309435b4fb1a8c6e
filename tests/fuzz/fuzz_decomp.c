/* libFuzzer: the host-side decompressors' wrappers and the initrd walker.
 * Byte 0 picks the format (or detection, or the initrd walker), byte 1 the
 * output limit; the rest is the stream. Nothing may be written past the
 * limit, and what is returned must be what was claimed. */
#include "boot/decomp.h"
#include "boot/initrd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dc_fmt fmts[] = { DC_GZIP, DC_XZ, DC_LZMA, DC_ZSTD, DC_LZ4 };
	const uint8_t *in = data + 2;
	size_t len, limit, outlen, used;
	uint8_t *out;
	const char *why;

	if (size < 2)
		return 0;
	len = size - 2;
	limit = (size_t)1 << (10 + data[1] % 13);         /* 1 KiB .. 4 MiB */
	if (data[0] % 7 == 6) {
		enum initrd_res r = initrd_unpack(in, len, limit, &out, &outlen, &why);

		if (r == INITRD_UNPACKED) {
			if (outlen > limit || outlen % 4)
				abort();
			memset(out, 0, outlen);          /* ASan: it is all there */
			free(out);
		} else if (out) {
			abort();
		}
		return 0;
	}
	enum dc_fmt f = data[0] % 7 == 5 ? dc_detect(in, len) : fmts[data[0] % 7 % 5];
	enum dc_err e = dc_inflate(f, in, len, limit, data[1] & 0x80 ? 4096 : 0, &out, &outlen, &used);

	if (e == DC_OK) {
		if (outlen > limit || used > len || used == 0)
			abort();
		memset(out, 0, outlen);
		free(out);
	} else if (out || outlen) {
		abort();
	}
	(void)dc_strerror(e);
	(void)dc_name(f);
	return 0;
}
