#include "decomp.h"

#include "../lib/le.h"

#include <lz4.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define LZ4_LEGACY_MAGIC 0x184c2102u
#define LZ4_LEGACY_BLOCK (8u << 20)   /* each legacy block inflates to at most 8 MiB */
/* The decoders' own memory: a stream's header names its dictionary or
 * window, which must not make us allocate what it likes (xz -9 and zstd
 * --ultra -22 need 64 and 128 MiB). */
#define LZMA_MEMLIMIT    (256u << 20)
#define ZSTD_WINDOW_LOG  27

enum dc_fmt dc_detect(const uint8_t *p, size_t len)
{
	static const struct {
		enum dc_fmt f;
		uint8_t n;
		uint8_t m[6];
	} magic[] = {
		{ DC_GZIP, 2, { 0x1f, 0x8b } },
		{ DC_XZ, 6, { 0xfd, '7', 'z', 'X', 'Z', 0 } },
		{ DC_LZMA, 3, { 0x5d, 0, 0 } },
		{ DC_ZSTD, 4, { 0x28, 0xb5, 0x2f, 0xfd } },
		{ DC_LZ4, 4, { 0x02, 0x21, 0x4c, 0x18 } },
		{ DC_BZIP2, 3, { 'B', 'Z', 'h' } },
		{ DC_LZO, 4, { 0x89, 'L', 'Z', 'O' } },
	};

	for (unsigned i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
		if (len >= magic[i].n && !memcmp(p, magic[i].m, magic[i].n))
			return magic[i].f;
	return DC_NONE;
}

const char *dc_name(enum dc_fmt f)
{
	static const char *const names[] = { "uncompressed", "gzip", "xz", "lzma", "zstd",
					     "lz4", "bzip2", "lzo" };

	return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "unknown";
}

const char *dc_strerror(enum dc_err e)
{
	switch (e) {
	case DC_OK: return "ok";
	case DC_UNSUPPORTED: return "compression not supported on the host";
	case DC_CORRUPT: return "corrupt compressed data";
	case DC_TRUNCATED: return "truncated compressed data";
	case DC_TOO_BIG: return "decompresses to more than guest RAM";
	case DC_NOMEM: return "out of memory";
	}
	return "?";
}

int dc_worth_caching(enum dc_fmt f)
{
	return f == DC_XZ || f == DC_LZMA;
}

/* The output buffer: grows by doubling up to the limit. */
struct obuf {
	uint8_t *p;
	size_t len, cap, limit;
};

static enum dc_err obuf_init(struct obuf *o, size_t limit, size_t hint, size_t inlen)
{
	size_t cap = hint ? hint : (inlen > SIZE_MAX / 4 ? SIZE_MAX : inlen * 4);

	if (cap < 4096)
		cap = 4096;
	if (cap > limit)
		cap = limit ? limit : 1;
	o->p = malloc(cap);
	o->len = 0;
	o->cap = cap;
	o->limit = limit;
	return o->p ? DC_OK : DC_NOMEM;
}

/* Room for more output: DC_TOO_BIG once the buffer is at the limit. */
static enum dc_err obuf_grow(struct obuf *o)
{
	size_t cap = o->cap > o->limit / 2 ? o->limit : o->cap * 2;
	uint8_t *p;

	if (o->cap >= o->limit)
		return DC_TOO_BIG;
	p = realloc(o->p, cap);
	if (!p)
		return DC_NOMEM;
	o->p = p;
	o->cap = cap;
	return DC_OK;
}

static enum dc_err do_gzip(const uint8_t *in, size_t len, struct obuf *o, size_t *used)
{
	z_stream z = { 0 };
	enum dc_err e = DC_OK;
	int ret;

	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return DC_NOMEM;
	z.next_in = (Bytef *)in;
	for (;;) {
		/* zlib counts in uInt: feed and drain at most 1 GiB at a time. */
		if (z.avail_in == 0 && (size_t)(z.next_in - in) < len) {
			size_t left = len - (size_t)(z.next_in - in);
			z.avail_in = left > (1u << 30) ? 1u << 30 : (uInt)left;
		}
		if (o->len == o->cap && (e = obuf_grow(o)) != DC_OK)
			break;
		size_t room = o->cap - o->len;
		z.next_out = o->p + o->len;
		z.avail_out = room > (1u << 30) ? 1u << 30 : (uInt)room;
		uInt before = z.avail_out;
		ret = inflate(&z, Z_NO_FLUSH);
		o->len += before - z.avail_out;
		if (ret == Z_STREAM_END)
			break;
		if (ret == Z_BUF_ERROR && z.avail_in == 0 && (size_t)(z.next_in - in) == len) {
			e = DC_TRUNCATED;
			break;
		}
		if (ret != Z_OK && ret != Z_BUF_ERROR) {
			e = ret == Z_MEM_ERROR ? DC_NOMEM : DC_CORRUPT;
			break;
		}
	}
	*used = (size_t)(z.next_in - in);
	inflateEnd(&z);
	return e;
}

static enum dc_err do_lzma(enum dc_fmt f, const uint8_t *in, size_t len, struct obuf *o,
			   size_t *used)
{
	lzma_stream s = LZMA_STREAM_INIT;
	enum dc_err e = DC_OK;
	lzma_ret ret;

	/* No LZMA_CONCATENATED: the kernel's payload is followed by its size. */
	ret = f == DC_XZ ? lzma_stream_decoder(&s, LZMA_MEMLIMIT, 0)
			  : lzma_alone_decoder(&s, LZMA_MEMLIMIT);
	if (ret != LZMA_OK)
		return DC_NOMEM;
	s.next_in = in;
	s.avail_in = len;
	for (;;) {
		if (o->len == o->cap && (e = obuf_grow(o)) != DC_OK)
			break;
		s.next_out = o->p + o->len;
		s.avail_out = o->cap - o->len;
		ret = lzma_code(&s, s.avail_in ? LZMA_RUN : LZMA_FINISH);
		o->len = o->cap - s.avail_out;
		if (ret == LZMA_STREAM_END)
			break;
		if (ret == LZMA_OK)
			continue;
		if (ret == LZMA_BUF_ERROR && s.avail_out)
			e = DC_TRUNCATED;
		else
			e = ret == LZMA_MEM_ERROR ? DC_NOMEM : ret == LZMA_MEMLIMIT_ERROR ? DC_TOO_BIG : DC_CORRUPT;
		break;
	}
	*used = len - s.avail_in;
	lzma_end(&s);
	return e;
}

static enum dc_err do_zstd(const uint8_t *in, size_t len, struct obuf *o, size_t *used)
{
	size_t csize = ZSTD_findFrameCompressedSize(in, len);
	ZSTD_inBuffer ib = { in, 0, 0 };
	enum dc_err e = DC_OK;
	ZSTD_DCtx *d;

	if (ZSTD_isError(csize))
		return ZSTD_getErrorCode(csize) == ZSTD_error_srcSize_wrong ? DC_TRUNCATED : DC_CORRUPT;
	ib.size = csize;
	d = ZSTD_createDCtx();
	if (!d)
		return DC_NOMEM;
	ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG);
	for (;;) {
		if (o->len == o->cap && (e = obuf_grow(o)) != DC_OK)
			break;
		ZSTD_outBuffer ob = { o->p, o->cap, o->len };
		size_t ret = ZSTD_decompressStream(d, &ob, &ib);
		o->len = ob.pos;
		if (ZSTD_isError(ret)) {
			e = DC_CORRUPT;
			break;
		}
		if (ret == 0)
			break;
		if (ib.pos == ib.size && ob.pos < ob.size) {
			e = DC_TRUNCATED;
			break;
		}
	}
	*used = ib.pos;
	ZSTD_freeDCtx(d);
	return e;
}


/* lz4's legacy format (lz4 -l), which the kernel uses: the magic, then
 * blocks of [u32 compressed size][data]. It has no end mark: the stream
 * ends at the input's end, another magic, or a size the input cannot hold
 * (the kernel's payload ends in its 4-byte length). */
static enum dc_err do_lz4(const uint8_t *in, size_t len, struct obuf *o, size_t *used)
{
	size_t pos = 4;
	enum dc_err e = DC_OK;

	if (len < 4 || le32(in) != LZ4_LEGACY_MAGIC) {
		*used = 0;
		return len < 4 ? DC_TRUNCATED : DC_CORRUPT;
	}
	while (len - pos >= 4) {
		uint32_t csize = le32(in + pos);

		if (csize == LZ4_LEGACY_MAGIC || csize > len - pos - 4 || csize == 0)
			break;
		if (csize > (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK)) {
			e = DC_CORRUPT;       /* no 8 MiB block compresses to more */
			break;
		}
		while (o->cap - o->len < LZ4_LEGACY_BLOCK && o->cap < o->limit)
			if ((e = obuf_grow(o)) != DC_OK)
				goto out;
		size_t room = o->cap - o->len;
		int n = LZ4_decompress_safe((const char *)in + pos + 4, (char *)o->p + o->len, (int)csize,
					    room > LZ4_LEGACY_BLOCK ? (int)LZ4_LEGACY_BLOCK : (int)room);
		if (n < 0) {
			/* Short of room only when the limit cut the block. */
			e = room < LZ4_LEGACY_BLOCK ? DC_TOO_BIG : DC_CORRUPT;
			break;
		}
		o->len += (size_t)n;
		pos += 4 + (size_t)csize;
	}
	if (e == DC_OK && pos == 4)
		e = DC_TRUNCATED;
out:
	*used = pos;
	return e;
}

enum dc_err dc_inflate(enum dc_fmt f, const uint8_t *in, size_t len, size_t limit, size_t hint,
		       uint8_t **out, size_t *outlen, size_t *used)
{
	struct obuf o;
	enum dc_err e;
	size_t u = 0;

	*out = NULL;
	*outlen = 0;
	*used = 0;
	if (f == DC_BZIP2 || f == DC_LZO || f == DC_NONE)
		return DC_UNSUPPORTED;
	if (limit == 0)
		return DC_TOO_BIG;
	if ((e = obuf_init(&o, limit, hint, len)) != DC_OK)
		return e;
	switch (f) {
	case DC_GZIP: e = do_gzip(in, len, &o, &u); break;
	case DC_XZ:
	case DC_LZMA: e = do_lzma(f, in, len, &o, &u); break;
	case DC_ZSTD: e = do_zstd(in, len, &o, &u); break;
	default: e = do_lz4(in, len, &o, &u); break;
	}
	if (e != DC_OK) {
		free(o.p);
		return e;
	}
	*out = o.p;
	*outlen = o.len;
	*used = u;
	return DC_OK;
}
