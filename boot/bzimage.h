/* The x86 Linux boot protocol (Documentation/arch/x86/boot.rst): parsing a
 * bzImage's setup header and filling the zero page (struct boot_params). */
#ifndef AIRLOCK_BZIMAGE_H
#define AIRLOCK_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>

#define BZ_ZERO_PAGE_SIZE   4096
#define BZ_MIN_VERSION      0x020c   /* 2.12: xloadflags, the 64-bit entry */
#define BZ_MAX_SETUP_SECTS  64       /* real-mode setup is at most 32 KiB */
#define BZ_E820_MAX         128

#define E820_RAM       1
#define E820_RESERVED  2
#define E820_ACPI      3

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
};

struct bzimage_info {
	uint16_t version;
	uint32_t setup_size;       /* bytes of real-mode code, boot sector included */
	uint32_t kernel_size;      /* protected-mode payload that follows it */
	uint32_t init_size;        /* memory the kernel needs from where it runs */
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;     /* longest command line, NUL excluded */
	uint32_t kernel_alignment;
	uint64_t pref_address;
	uint16_t xloadflags;
	uint8_t relocatable;
	uint32_t hdr_end;          /* end offset of the setup header in the image */
	uint32_t payload_offset;   /* the compressed kernel, from the protected-mode part's start */
	uint32_t payload_length;
};

#define BZ_SYNTH_HDR_SIZE 1024

/* A setup header for a kernel that has none (an ELF vmlinux entered at its
 * 64-bit entry): what bzimage_fill_zero_page needs, in img and info. */
void bzimage_synth_header(uint8_t img[BZ_SYNTH_HDR_SIZE], struct bzimage_info *info);

/* Tells the kernel its placement was randomized (loadflags KASLR_FLAG),
 * as its own decompressor does. */
void bzimage_zero_page_set_kaslr(uint8_t zp[]);

enum bz_err {
	BZ_OK = 0,
	BZ_TRUNCATED,
	BZ_BAD_MAGIC,
	BZ_OLD_PROTOCOL,
	BZ_NOT_BZIMAGE,
	BZ_NO_64BIT,
	BZ_BAD_SETUP,
	BZ_BAD_PREF,            /* pref_address + init_size past 2^64 */
};

/* Parses an in-memory image. Pure. */
enum bz_err bzimage_parse(const uint8_t *img, size_t len, struct bzimage_info *info);

/* One line describing err, for "airlock: error: KERNEL: <line>". */
const char *bz_strerror(enum bz_err err, const struct bzimage_info *info, char *buf, size_t len);

struct bzimage_boot {
	uint32_t cmdline_addr;
	uint64_t initrd_addr, initrd_size;
	uint64_t rsdp_addr;
	const struct e820_entry *e820;
	unsigned nr_e820;
};

/* Fills the zero page: the image's setup header, then what the loader tells
 * the kernel (loader type, command line, initrd, memory map, RSDP). */
void bzimage_fill_zero_page(uint8_t zp[BZ_ZERO_PAGE_SIZE], const uint8_t *img,
			    const struct bzimage_info *info, const struct bzimage_boot *b);

#endif
