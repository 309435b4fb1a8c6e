#include "acpi.h"
#include "aml.h"
#include "layout.h"

#include <string.h>

#define SDT_HDR_LEN   36
#define FADT_LEN      276     /* revision 6 */
#define FACS_LEN      64
#define MADT_LAPIC    0
#define MADT_IOAPIC   1
#define MADT_ISO      2
#define MADT_LAPIC_NMI 4


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

/* Address space descriptors for _CRS (ACPI 6.4 §6.4.3.5): producer, fixed
 * minimum and maximum. type: 0 memory, 1 I/O, 2 bus numbers. */
static void crs_word(struct aml *a, uint8_t type, uint8_t tflags, uint16_t min, uint16_t max)
{
	uint8_t d[16] = { 0x88, 13, 0, type, 0x0c, tflags };

	put16(d + 8, min);
	put16(d + 10, max);
	put16(d + 14, (uint16_t)(max - min + 1));
	aml_bytes(a, d, sizeof(d));
}

static void crs_dword_mem(struct aml *a, uint8_t tflags, uint32_t min, uint32_t len)
{
	uint8_t d[26] = { 0x87, 23, 0, 0, 0x0c, tflags };

	put32(d + 10, min);
	put32(d + 14, min + len - 1);
	put32(d + 22, len);
	aml_bytes(a, d, sizeof(d));
}

static void crs_qword_mem(struct aml *a, uint8_t tflags, uint64_t min, uint64_t len)
{
	uint8_t d[46] = { 0x8a, 43, 0, 0, 0x0c, tflags };

	put64(d + 14, min);
	put64(d + 22, min + len - 1);
	put64(d + 38, len);
	aml_bytes(a, d, sizeof(d));
}

/* \_SB.PCI0: the host bridge, its windows, and where INTx lines go. */
static void dsdt_pci0(struct aml *a, const struct x86_acpi_cfg *c)
{
	static const uint8_t cf8_ports[8] = { 0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08 };
	size_t scope, dev, buf, len_at, prt;

	aml_byte(a, AML_SCOPE_OP);
	scope = aml_open(a);
	aml_bytes(a, "\\_SB_", 5);
	aml_bytes(a, "\x5b\x82", 2);                   /* DeviceOp */
	dev = aml_open(a);
	aml_bytes(a, "PCI0", 4);
	aml_name(a, "_HID");
	aml_int(a, aml_eisaid("PNP0A03"));
	aml_name(a, "_UID");
	aml_int(a, 0);
	aml_name(a, "_SEG");
	aml_int(a, 0);
	aml_name(a, "_BBN");
	aml_int(a, 0);

	aml_name(a, "_CRS");
	aml_byte(a, AML_BUFFER_OP);
	buf = aml_open(a);
	aml_byte(a, 0x0b);                             /* WordConst: buffer size */
	len_at = a->len;
	aml_bytes(a, "\0\0", 2);
	crs_word(a, 2, 0, 0, 0);                       /* bus 0 */
	aml_bytes(a, cf8_ports, sizeof(cf8_ports));    /* the config ports */
	crs_word(a, 1, 3, 0x0000, 0x0cf7);
	crs_word(a, 1, 3, 0x0d00, 0xffff);
	crs_dword_mem(a, 1, (uint32_t)c->mmio32_base, (uint32_t)c->mmio32_size);
	crs_qword_mem(a, 3 << 1 | 1, c->mmio64_base, c->mmio64_size);
	aml_bytes(a, "\x79\x00", 2);                   /* end tag */
	if (!a->overflow)
		put16(a->p + len_at, (uint16_t)(a->len - len_at - 2));
	aml_close(a, buf);

	/* _PRT: slot s, pin p (INTA..INTD) -> GSI 16 + (s + p) % 8. */
	aml_name(a, "_PRT");
	aml_byte(a, AML_PACKAGE_OP);
	prt = aml_open(a);
	aml_byte(a, 0x80);                             /* 128 entries */
	for (unsigned s = 0; s < 32; s++) {
		for (unsigned p = 0; p < 4; p++) {
			size_t e;

			aml_byte(a, AML_PACKAGE_OP);
			e = aml_open(a);
			aml_byte(a, 4);
			aml_int(a, (uint64_t)s << 16 | 0xffff);
			aml_int(a, p);
			aml_int(a, 0);
			aml_int(a, X86_PCI_INTX_GSI + (s + p) % 8);
			aml_close(a, e);
		}
	}
	aml_close(a, prt);
	aml_close(a, dev);
	aml_close(a, scope);
}

static size_t build_dsdt(struct acpi_buf *b, const struct x86_acpi_cfg *c)
{
	static uint8_t aml_buf[16384];
	struct aml a = { .p = aml_buf, .cap = sizeof(aml_buf) };
	size_t off, pkg;

	/* Name (_S5_, Package (4) { 5, 0, 0, 0 }): our sleep type for S5. */
	aml_name(&a, "_S5_");
	aml_byte(&a, AML_PACKAGE_OP);
	pkg = aml_open(&a);
	aml_byte(&a, 4);
	aml_int(&a, ACPI_SLP_TYP_S5);
	aml_int(&a, 0);
	aml_int(&a, 0);
	aml_int(&a, 0);
	aml_close(&a, pkg);
	dsdt_pci0(&a, c);
	if (a.overflow) {
		b->overflow = 1;
		return 0;
	}
	off = take(b, SDT_HDR_LEN + a.len, 8);
	if (b->overflow)
		return 0;
	sdt_header(b->buf + off, "DSDT", (uint32_t)(SDT_HDR_LEN + a.len), 2);
	memcpy(b->buf + off + SDT_HDR_LEN, aml_buf, a.len);
	sdt_finish(b->buf + off, (uint32_t)(SDT_HDR_LEN + a.len));
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

long x86_acpi_build(uint8_t *buf, size_t room, uint64_t gpa, const struct x86_acpi_cfg *c)
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

	dsdt = build_dsdt(&b, c);
	fadt = build_fadt(&b, facs, dsdt);
	madt = build_madt(&b, c->ncpus);
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
