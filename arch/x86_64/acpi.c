#include "acpi.h"
#include "layout.h"

#include <string.h>

#define SDT_HDR_LEN   36
#define FADT_LEN      276     /* revision 6 */
#define FACS_LEN      64
#define MADT_LAPIC    0
#define MADT_IOAPIC   1
#define MADT_ISO      2
#define MADT_LAPIC_NMI 4

static const uint8_t dsdt_aml[] = {
	/* Name (_S5_, Package (4) { 5, 0, 0, 0 }) */
	0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x04, 0x0a, ACPI_SLP_TYP_S5, 0x00, 0x00, 0x00,
};

struct acpi_buf {
	uint8_t *buf;
	size_t room, used;
	uint64_t gpa;
	int overflow;
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

uint8_t acpi_sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* Zeroed space for a table; returns its offset in the buffer. */
static size_t take(struct acpi_buf *b, size_t len, size_t align)
{
	size_t off = (b->used + align - 1) & ~(align - 1);

	if (off + len > b->room) {
		b->overflow = 1;
		return 0;
	}
	memset(b->buf + off, 0, len);
	b->used = off + len;
	return off;
}

static void sdt_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "AIRLCK", 6);
	memcpy(t + 16, "AIRLOCK ", 8);
	put32(t + 24, 1);
	memcpy(t + 28, "ALCK", 4);
	put32(t + 32, 1);
}

static void sdt_finish(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = (uint8_t)(0x100 - acpi_sum(t, len));
}

/* Generic address structure: an I/O port register. */
static void gas_io(uint8_t *p, uint8_t bits, uint64_t port)
{
	p[0] = 1;        /* system I/O space */
	p[1] = bits;
	p[2] = 0;
	p[3] = 1;        /* byte access */
	put64(p + 4, port);
}

static size_t build_dsdt(struct acpi_buf *b)
{
	size_t off = take(b, SDT_HDR_LEN + sizeof(dsdt_aml), 8);

	if (b->overflow)
		return 0;
	sdt_header(b->buf + off, "DSDT", SDT_HDR_LEN + sizeof(dsdt_aml), 2);
	memcpy(b->buf + off + SDT_HDR_LEN, dsdt_aml, sizeof(dsdt_aml));
	sdt_finish(b->buf + off, SDT_HDR_LEN + sizeof(dsdt_aml));
	return off;
}

static size_t build_fadt(struct acpi_buf *b, size_t facs, size_t dsdt)
{
	size_t off = take(b, FADT_LEN, 8);
	uint8_t *t = b->buf + off;

	if (b->overflow)
		return 0;
	sdt_header(t, "FACP", FADT_LEN, 6);
	put32(t + 36, (uint32_t)(b->gpa + facs));      /* FIRMWARE_CTRL */
	put32(t + 40, (uint32_t)(b->gpa + dsdt));      /* DSDT */
	put16(t + 46, X86_ACPI_SCI_IRQ);               /* SCI_INT */
	put32(t + 48, 0);                              /* SMI_CMD: always in ACPI mode */
	put32(t + 56, X86_ACPI_PM_PORT);               /* PM1a_EVT_BLK */
	put32(t + 64, X86_ACPI_PM_PORT + 4);           /* PM1a_CNT_BLK */
	t[88] = 4;                                     /* PM1_EVT_LEN */
	t[89] = 2;                                     /* PM1_CNT_LEN */
	/* IAPC_BOOT_ARCH: legacy ISA devices (COM1), no VGA, no CMOS RTC,
	 * and no 8042 (the reset port is all there is of it). */
	put16(t + 109, 0x0001 | 0x0004 | 0x0020);
	/* Flags: WBINVD, C1, power and sleep buttons absent as fixed
	 * features, reset register supported. */
	put32(t + 112, (1u << 0) | (1u << 2) | (1u << 4) | (1u << 5) | (1u << 10));
	gas_io(t + 116, 8, X86_I8042_CMD);             /* RESET_REG */
	t[128] = 0xfe;                                 /* RESET_VALUE: pulse reset */
	put64(t + 140, b->gpa + dsdt);                 /* X_DSDT */
	sdt_finish(t, FADT_LEN);
	return off;
}

static size_t build_madt(struct acpi_buf *b, unsigned ncpus)
{
	uint32_t len = 44 + ncpus * 8 + 12 + 2 * 10 + 6;
	size_t off = take(b, len, 8);
	uint8_t *t = b->buf + off, *e;

	if (b->overflow)
		return 0;
	sdt_header(t, "APIC", len, 4);
	put32(t + 36, (uint32_t)X86_LAPIC_ADDR);
	put32(t + 40, 1);                              /* PCAT_COMPAT: 8259s present */
	e = t + 44;
	for (unsigned i = 0; i < ncpus; i++, e += 8) {
		e[0] = MADT_LAPIC;
		e[1] = 8;
		e[2] = (uint8_t)i;                     /* ACPI processor UID */
		e[3] = (uint8_t)i;                     /* APIC ID */
		put32(e + 4, 1);                       /* enabled */
	}
	e[0] = MADT_IOAPIC;
	e[1] = 12;
	e[2] = 0;                                      /* I/O APIC ID */
	put32(e + 4, (uint32_t)X86_IOAPIC_ADDR);
	put32(e + 8, 0);                               /* GSI base */
	e += 12;
	/* ISA IRQ 0 (PIT) arrives on GSI 2, as on every PC. */
	e[0] = MADT_ISO;
	e[1] = 10;
	e[3] = 0;
	put32(e + 4, 2);
	put16(e + 8, 0);
	e += 10;
	/* The SCI: level-triggered, active high. */
	e[0] = MADT_ISO;
	e[1] = 10;
	e[3] = X86_ACPI_SCI_IRQ;
	put32(e + 4, X86_ACPI_SCI_IRQ);
	put16(e + 8, 0x000d);
	e += 10;
	/* LINT1 of every local APIC is NMI. */
	e[0] = MADT_LAPIC_NMI;
	e[1] = 6;
	e[2] = 0xff;
	put16(e + 3, 0);
	e[5] = 1;
	sdt_finish(t, len);
	return off;
}

long x86_acpi_build(uint8_t *buf, size_t room, uint64_t gpa, unsigned ncpus)
{
	struct acpi_buf b = { .buf = buf, .room = room, .gpa = gpa };
	size_t rsdp, facs, dsdt, fadt, madt, xsdt;
	uint8_t *p;

	rsdp = take(&b, 36, 16);
	facs = take(&b, FACS_LEN, 64);
	if (b.overflow)
		return -1;
	memcpy(buf + facs, "FACS", 4);
	put32(buf + facs + 4, FACS_LEN);
	buf[facs + 32] = 2;                            /* version */

	dsdt = build_dsdt(&b);
	fadt = build_fadt(&b, facs, dsdt);
	madt = build_madt(&b, ncpus);
	xsdt = take(&b, SDT_HDR_LEN + 2 * 8, 8);
	if (b.overflow)
		return -1;
	sdt_header(buf + xsdt, "XSDT", SDT_HDR_LEN + 2 * 8, 1);
	put64(buf + xsdt + SDT_HDR_LEN, gpa + fadt);
	put64(buf + xsdt + SDT_HDR_LEN + 8, gpa + madt);
	sdt_finish(buf + xsdt, SDT_HDR_LEN + 2 * 8);

	p = buf + rsdp;
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "AIRLCK", 6);
	p[15] = 2;                                     /* ACPI 2.0+: use the XSDT */
	put32(p + 20, 36);
	put64(p + 24, gpa + xsdt);
	p[8] = (uint8_t)(0x100 - acpi_sum(p, 20));
	p[32] = (uint8_t)(0x100 - acpi_sum(p, 36));
	return (long)b.used;
}
