/* Decompressing a kernel payload, an Image.gz or an initrd on the host, by
 * the stream's magic, with Debian's libraries (zlib, liblzma, libzstd,
 * liblz4). Pure: memory in, memory out. */
#ifndef AIRLOCK_DECOMP_H
#define AIRLOCK_DECOMP_H

#include <stddef.h>
#include <stdint.h>

enum dc_fmt { DC_NONE, DC_GZIP, DC_XZ, DC_LZMA, DC_ZSTD, DC_LZ4, DC_BZIP2, DC_LZO };

enum dc_err {
	DC_OK = 0,
	DC_UNSUPPORTED,   /* a format we recognise but do not decompress (bzip2, lzo) */
	DC_CORRUPT,       /* the library refused the data */
	DC_TRUNCATED,     /* the input ended inside the stream */
	DC_TOO_BIG,       /* the output would pass the caller's limit */
	DC_NOMEM,
};

/* The format whose magic starts p (DC_NONE for none we know). */
enum dc_fmt dc_detect(const uint8_t *p, size_t len);
const char *dc_name(enum dc_fmt f);
const char *dc_strerror(enum dc_err e);

/* Slow enough to decompress that keeping the result pays: xz and lzma
 * (about 100 MB/s of output on this machine; gzip, zstd and lz4 inflate
 * faster than a cache entry is hashed, read and checked). */
int dc_worth_caching(enum dc_fmt f);

/* Decompresses the one stream at the start of in (trailing bytes are left:
 * *used says how many were the stream's) into a new malloc'd buffer of at
 * most limit bytes. hint, if not 0, is the expected output size (a first
 * allocation, never trusted beyond limit). */
enum dc_err dc_inflate(enum dc_fmt f, const uint8_t *in, size_t len, size_t limit, size_t hint,
		       uint8_t **out, size_t *outlen, size_t *used);

#endif
