#include "bzimage.h"

#include "../lib/le.h"

#include <stdio.h>
#include <string.h>

/* Offsets in the image and in the zero page (they share the setup header). */
#define OFF_ACPI_RSDP      0x070
#define OFF_EXT_RD_IMAGE   0x0c0
#define OFF_EXT_RD_SIZE    0x0c4
#define OFF_EXT_CMDLINE    0x0c8
#define OFF_E820_ENTRIES   0x1e8
#define OFF_SETUP_SECTS    0x1f1
#define OFF_BOOT_FLAG      0x1fe
#define OFF_JUMP           0x200
#define OFF_HEADER         0x202
#define OFF_VERSION        0x206
#define OFF_LOADER_TYPE    0x210
#define OFF_LOADFLAGS      0x211
#define OFF_RD_IMAGE       0x218
#define OFF_RD_SIZE        0x21c
#define OFF_HEAP_END       0x224
#define OFF_CMDLINE_PTR    0x228
#define OFF_INITRD_MAX     0x22c
#define OFF_KERNEL_ALIGN   0x230
#define OFF_RELOCATABLE    0x234
#define OFF_XLOADFLAGS     0x236
#define OFF_CMDLINE_SIZE   0x238
#define OFF_PAYLOAD_OFF    0x248
#define OFF_PAYLOAD_LEN    0x24c
#define OFF_PREF_ADDRESS   0x258
#define OFF_INIT_SIZE      0x260
#define OFF_E820_TABLE     0x2d0
#define HDR_MIN_END        0x264    /* through init_size */
#define HDR_MAX_END        0x290    /* boot_params fields follow the header */

#define LOADED_HIGH   0x01
#define KASLR_FLAG    0x02
#define CAN_USE_HEAP  0x80
#define XLF_KERNEL_64 0x01
#define HDRS_MAGIC    0x53726448u   /* "HdrS" */

static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, (uint16_t)v); wr16(p + 2, (uint16_t)(v >> 16)); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

enum bz_err bzimage_parse(const uint8_t *img, size_t len, struct bzimage_info *info)
{
	unsigned sects;

	memset(info, 0, sizeof(*info));
	if (len < OFF_HEADER + 4 || le16(img + OFF_BOOT_FLAG) != 0xaa55 ||
	    le32(img + OFF_HEADER) != HDRS_MAGIC)
		return BZ_BAD_MAGIC;
	if (len < 1024)
		return BZ_TRUNCATED;
	info->version = le16(img + OFF_VERSION);
	if (info->version < BZ_MIN_VERSION)
		return BZ_OLD_PROTOCOL;
	if (!(img[OFF_LOADFLAGS] & LOADED_HIGH))
		return BZ_NOT_BZIMAGE;
	info->xloadflags = le16(img + OFF_XLOADFLAGS);
	if (!(info->xloadflags & XLF_KERNEL_64))
		return BZ_NO_64BIT;

	sects = img[OFF_SETUP_SECTS] ? img[OFF_SETUP_SECTS] : 4;
	if (sects > BZ_MAX_SETUP_SECTS)
		return BZ_BAD_SETUP;
	info->setup_size = (sects + 1) * 512;
	if (info->setup_size >= len)
		return BZ_TRUNCATED;
	info->kernel_size = (uint32_t)(len - info->setup_size);
	if (len - info->setup_size != info->kernel_size)
		return BZ_BAD_SETUP;

	/* The header ends where the jump at 0x200 lands. */
	info->hdr_end = OFF_HEADER + img[OFF_JUMP + 1];
	if (info->hdr_end < HDR_MIN_END)
		info->hdr_end = HDR_MIN_END;
	if (info->hdr_end > HDR_MAX_END)
		info->hdr_end = HDR_MAX_END;
	if (info->hdr_end > info->setup_size)
		return BZ_BAD_SETUP;

	info->initrd_addr_max = le32(img + OFF_INITRD_MAX);
	info->kernel_alignment = le32(img + OFF_KERNEL_ALIGN);
	info->relocatable = img[OFF_RELOCATABLE];
	info->cmdline_size = le32(img + OFF_CMDLINE_SIZE);
	info->pref_address = le64(img + OFF_PREF_ADDRESS);
	info->init_size = le32(img + OFF_INIT_SIZE);
	info->payload_offset = le32(img + OFF_PAYLOAD_OFF);
	info->payload_length = le32(img + OFF_PAYLOAD_LEN);
	if (info->init_size < info->kernel_size)
		info->init_size = info->kernel_size;
	/* Where the kernel runs ends at pref_address + init_size. */
	if (info->pref_address > UINT64_MAX - info->init_size)
		return BZ_BAD_PREF;
	return BZ_OK;
}

const char *bz_strerror(enum bz_err err, const struct bzimage_info *info, char *buf, size_t len)
{
	switch (err) {
	case BZ_OK:
		snprintf(buf, len, "ok");
		break;
	case BZ_TRUNCATED:
		snprintf(buf, len, "truncated kernel image");
		break;
	case BZ_BAD_MAGIC:
		snprintf(buf, len, "not a bzImage (no Linux boot header)");
		break;
	case BZ_OLD_PROTOCOL:
		snprintf(buf, len, "boot protocol %u.%02u is too old (need 2.12 or later)",
			 info->version >> 8, info->version & 0xff);
		break;
	case BZ_NOT_BZIMAGE:
		snprintf(buf, len, "not a bzImage (a zImage that loads low)");
		break;
	case BZ_NO_64BIT:
		snprintf(buf, len, "kernel has no 64-bit entry point (not an x86_64 kernel?)");
		break;
	case BZ_BAD_SETUP:
		snprintf(buf, len, "corrupt setup header (setup size out of range)");
		break;
	case BZ_BAD_PREF:
		snprintf(buf, len, "corrupt setup header (preferred load address %#llx out of range)",
			 (unsigned long long)info->pref_address);
		break;
	}
	return buf;
}

void bzimage_fill_zero_page(uint8_t zp[BZ_ZERO_PAGE_SIZE], const uint8_t *img,
			    const struct bzimage_info *info, const struct bzimage_boot *b)
{
	unsigned n = b->nr_e820 < BZ_E820_MAX ? b->nr_e820 : BZ_E820_MAX;

	memset(zp, 0, BZ_ZERO_PAGE_SIZE);
	memcpy(zp + OFF_SETUP_SECTS, img + OFF_SETUP_SECTS, info->hdr_end - OFF_SETUP_SECTS);

	zp[OFF_LOADER_TYPE] = 0xff;                     /* undefined loader */
	zp[OFF_LOADFLAGS] |= CAN_USE_HEAP;
	wr16(zp + OFF_HEAP_END, 0xfe00);
	wr32(zp + OFF_CMDLINE_PTR, b->cmdline_addr);
	wr32(zp + OFF_EXT_CMDLINE, 0);
	wr32(zp + OFF_RD_IMAGE, (uint32_t)b->initrd_addr);
	wr32(zp + OFF_RD_SIZE, (uint32_t)b->initrd_size);
	wr32(zp + OFF_EXT_RD_IMAGE, (uint32_t)(b->initrd_addr >> 32));
	wr32(zp + OFF_EXT_RD_SIZE, (uint32_t)(b->initrd_size >> 32));
	wr64(zp + OFF_ACPI_RSDP, b->rsdp_addr);

	zp[OFF_E820_ENTRIES] = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = zp + OFF_E820_TABLE + i * 20;

		wr64(e, b->e820[i].addr);
		wr64(e + 8, b->e820[i].size);
		wr32(e + 16, b->e820[i].type);
	}
}

void bzimage_synth_header(uint8_t img[BZ_SYNTH_HDR_SIZE], struct bzimage_info *info)
{
	memset(img, 0, BZ_SYNTH_HDR_SIZE);
	memset(info, 0, sizeof(*info));
	img[OFF_SETUP_SECTS] = 1;
	wr16(img + OFF_BOOT_FLAG, 0xaa55);
	img[OFF_JUMP + 1] = HDR_MIN_END - OFF_HEADER;
	wr32(img + OFF_HEADER, HDRS_MAGIC);
	wr16(img + OFF_VERSION, BZ_MIN_VERSION);
	img[OFF_LOADFLAGS] = LOADED_HIGH;
	wr32(img + OFF_INITRD_MAX, 0x7fffffff);
	wr32(img + OFF_KERNEL_ALIGN, 0x200000);
	wr16(img + OFF_XLOADFLAGS, XLF_KERNEL_64);
	wr32(img + OFF_CMDLINE_SIZE, 2047);           /* COMMAND_LINE_SIZE - 1 */
	info->version = BZ_MIN_VERSION;
	info->setup_size = 1024;
	info->initrd_addr_max = 0x7fffffff;
	info->cmdline_size = 2047;
	info->kernel_alignment = 0x200000;
	info->xloadflags = XLF_KERNEL_64;
	info->hdr_end = HDR_MIN_END;
}

void bzimage_zero_page_set_kaslr(uint8_t zp[])
{
	zp[OFF_LOADFLAGS] |= KASLR_FLAG;
}
