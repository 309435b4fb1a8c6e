#include "initrd.h"

#include "decomp.h"

#include <stdlib.h>
#include <string.h>

#define CPIO_HDR 110

static int hex8(const uint8_t *p, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];
		unsigned d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			   : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 16;
		if (d == 16)
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

static size_t pad4(size_t v) { return (v + 3) & ~(size_t)3; }

/* The length of the newc archive at in (through its TRAILER!!! entry), or
 * 0 if it is not one that ends inside len. */
static size_t cpio_len(const uint8_t *in, size_t len)
{
	size_t pos = 0;

	for (;;) {
		uint32_t namesize, filesize;
		size_t name, data;

		if (len - pos < CPIO_HDR || memcmp(in + pos, "07070", 5) ||
		    (in[pos + 5] != '1' && in[pos + 5] != '2') ||
		    hex8(in + pos + 54, &filesize) < 0 || hex8(in + pos + 94, &namesize) < 0)
			return 0;
		name = pos + CPIO_HDR;
		if (namesize == 0 || namesize > len - name)
			return 0;
		data = pad4(name + namesize);
		if (data > len || filesize > len - data)
			return 0;
		if (namesize == 11 && !memcmp(in + name, "TRAILER!!!", 11))
			return pad4(data + filesize) <= len ? pad4(data + filesize) : len;
		pos = pad4(data + filesize);
		if (pos > len)
			return 0;
	}
}

static int append(uint8_t **o, size_t *olen, size_t *ocap, const uint8_t *p, size_t n)
{
	size_t need = pad4(*olen + n);

	if (n == 0)
		return 0;
	if (need > *ocap) {
		size_t cap = *ocap ? *ocap : 1 << 20;
		uint8_t *q;

		while (cap < need)
			cap *= 2;
		if (!(q = realloc(*o, cap)))
			return -1;
		*o = q;
		*ocap = cap;
	}
	memcpy(*o + *olen, p, n);
	memset(*o + *olen + n, 0, need - *olen - n);
	*olen = need;
	return 0;
}

enum initrd_res initrd_unpack(const uint8_t *in, size_t len, size_t limit, uint8_t **out,
			      size_t *outlen, const char **why)
{
	uint8_t *o = NULL;
	size_t olen = 0, ocap = 0, pos = 0;
	int compressed = 0;

	*out = NULL;
	*outlen = 0;
	*why = NULL;
	while (pos < len) {
		const uint8_t *p = in + pos;
		size_t left = len - pos, n, used;
		enum dc_fmt f;
		uint8_t *d;

		if (!*p) {
			pos++;
			continue;
		}
		if (*p == '0') {
			if ((n = cpio_len(p, left)) == 0) {
				*why = "not a newc cpio archive";
				goto cannot;
			}
			if (olen + n > limit || append(&o, &olen, &ocap, p, n) < 0) {
				*why = "larger than guest RAM allows";
				goto cannot;
			}
			pos += n;
			continue;
		}
		f = dc_detect(p, left);
		if (f == DC_NONE) {
			*why = "neither a cpio archive nor a compressed one";
			goto cannot;
		}
		enum dc_err e = dc_inflate(f, p, left, limit - olen, 0, &d, &n, &used);
		if (e != DC_OK) {
			*why = dc_strerror(e);
			goto cannot;
		}
		if (used == 0 || append(&o, &olen, &ocap, d, n) < 0 || olen > limit) {
			free(d);
			*why = used ? "out of memory" : "empty stream";
			goto cannot;
		}
		free(d);
		compressed = 1;
		pos += used;
	}
	if (!compressed) {
		free(o);
		return INITRD_PLAIN;
	}
	if (olen == 0) {
		*why = "decompresses to nothing";
		goto cannot;
	}
	*out = o;
	*outlen = olen;
	return INITRD_UNPACKED;
cannot:
	free(o);
	return INITRD_CANNOT;
}

int initrd_first_format(const uint8_t *in, size_t len)
{
	size_t pos = 0, n;

	while (pos < len) {
		if (!in[pos]) {
			pos++;
		} else if (in[pos] == '0') {
			if ((n = cpio_len(in + pos, len - pos)) == 0)
				return DC_NONE;
			pos += n;
		} else {
			return dc_detect(in + pos, len - pos);
		}
	}
	return DC_NONE;
}
