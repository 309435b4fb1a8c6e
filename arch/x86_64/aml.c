#include "aml.h"

#include <string.h>

void aml_bytes(struct aml *a, const void *data, size_t n)
{
	if (a->len + n > a->cap) {
		a->overflow = 1;
		return;
	}
	memcpy(a->p + a->len, data, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

void aml_int(struct aml *a, uint64_t v)
{
	uint8_t b[9];
	unsigned n;

	if (v == 0 || v == 1) {
		aml_byte(a, (uint8_t)v);              /* ZeroOp, OneOp */
		return;
	}
	if (v <= 0xff) {
		b[0] = 0x0a;
		n = 1;
	} else if (v <= 0xffff) {
		b[0] = 0x0b;
		n = 2;
	} else if (v <= 0xffffffffULL) {
		b[0] = 0x0c;
		n = 4;
	} else {
		b[0] = 0x0e;
		n = 8;
	}
	for (unsigned i = 0; i < n; i++)
		b[1 + i] = (uint8_t)(v >> (8 * i));
	aml_bytes(a, b, n + 1);
}

void aml_name(struct aml *a, const char *seg)
{
	aml_byte(a, 0x08);
	aml_bytes(a, seg, 4);
}

size_t aml_open(struct aml *a)
{
	size_t at = a->len;

	aml_bytes(a, "\0\0\0\0", 4);
	return at;
}

void aml_close(struct aml *a, size_t at)
{
	size_t n = a->len - at;          /* includes the 4 length bytes */

	if (a->overflow)
		return;
	a->p[at] = (uint8_t)(0xc0 | (n & 0x0f));
	a->p[at + 1] = (uint8_t)(n >> 4);
	a->p[at + 2] = (uint8_t)(n >> 12);
	a->p[at + 3] = (uint8_t)(n >> 20);
}

uint32_t aml_eisaid(const char *id)
{
	uint32_t v = ((uint32_t)(id[0] - 0x40) << 26) | ((uint32_t)(id[1] - 0x40) << 21) |
		     ((uint32_t)(id[2] - 0x40) << 16);
	unsigned hex = 0;

	for (int i = 3; i < 7; i++) {
		char c = id[i];

		hex = hex << 4 | (unsigned)(c <= '9' ? c - '0' : c - 'A' + 10);
	}
	v |= hex;
	/* Stored big-endian in a little-endian dword. */
	return __builtin_bswap32(v);
}
