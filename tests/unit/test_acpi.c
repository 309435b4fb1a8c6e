/* The x86 ACPI tables: checksums, pointers, the MADT and the power-off and
 * reset plumbing the guest relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/layout.h"

#define BASE 0xe0000ULL

static uint8_t buf[0x20000];

static const struct x86_acpi_cfg *cfg(unsigned ncpus)
{
	static struct x86_acpi_cfg c;

	c = (struct x86_acpi_cfg){ ncpus, 0xc0000000, 0x3ec00000, 0x1000000000ULL, 64ULL << 30 };
	return &c;
}

static uint32_t r32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t r64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint8_t *at(uint64_t gpa) { return buf + (gpa - BASE); }

/* Finds a table through RSDP -> XSDT. */
static uint8_t *find(const char *sig)
{
	uint8_t *xsdt = at(r64(buf + 24));
	unsigned n = (r32(xsdt + 4) - 36) / 8;

	for (unsigned i = 0; i < n; i++) {
		uint8_t *t = at(r64(xsdt + 36 + i * 8));

		if (!memcmp(t, sig, 4))
			return t;
	}
	return NULL;
}

static void the_rsdp_is_version_2_with_valid_checksums(void **state)
{
	(void)state;
	assert_true(x86_acpi_build(buf, sizeof(buf), BASE, cfg(1)) > 0);
	assert_memory_equal(buf, "RSD PTR ", 8);
	assert_int_equal(buf[15], 2);
	assert_int_equal(acpi_sum(buf, 20), 0);
	assert_int_equal(acpi_sum(buf, 36), 0);
}

static void every_table_has_a_valid_checksum(void **state)
{
	const char *sigs[] = { "XSDT", "FACP", "APIC" };

	(void)state;
	assert_true(x86_acpi_build(buf, sizeof(buf), BASE, cfg(4)) > 0);
	assert_int_equal(acpi_sum(at(r64(buf + 24)), r32(at(r64(buf + 24)) + 4)), 0);
	for (unsigned i = 0; i < 3; i++) {
		uint8_t *t = i == 0 ? at(r64(buf + 24)) : find(sigs[i]);

		assert_non_null(t);
		assert_int_equal(acpi_sum(t, r32(t + 4)), 0);
	}
	uint8_t *dsdt = at(r64(find("FACP") + 140));
	assert_memory_equal(dsdt, "DSDT", 4);
	assert_int_equal(acpi_sum(dsdt, r32(dsdt + 4)), 0);
}

static void the_madt_lists_one_enabled_lapic_per_cpu_and_the_ioapic(void **state)
{
	unsigned lapics = 0, ioapics = 0;
	uint8_t *madt, *e, *end;

	(void)state;
	assert_true(x86_acpi_build(buf, sizeof(buf), BASE, cfg(8)) > 0);
	madt = find("APIC");
	assert_non_null(madt);
	assert_int_equal(r32(madt + 36), X86_LAPIC_ADDR);
	end = madt + r32(madt + 4);
	for (e = madt + 44; e < end; e += e[1]) {
		assert_true(e[1] >= 2);
		if (e[0] == 0) {
			assert_int_equal(e[3], lapics);            /* APIC ID = CPU index */
			assert_int_equal(r32(e + 4) & 1, 1);       /* enabled */
			lapics++;
		} else if (e[0] == 1) {
			assert_int_equal(r32(e + 4), X86_IOAPIC_ADDR);
			ioapics++;
		}
	}
	assert_ptr_equal(e, end);
	assert_int_equal(lapics, 8);
	assert_int_equal(ioapics, 1);
}

static void irq0_is_overridden_to_gsi2(void **state)
{
	uint8_t *madt, *e;
	int found = 0;

	(void)state;
	assert_true(x86_acpi_build(buf, sizeof(buf), BASE, cfg(1)) > 0);
	madt = find("APIC");
	for (e = madt + 44; e < madt + r32(madt + 4); e += e[1])
		if (e[0] == 2 && e[3] == 0 && r32(e + 4) == 2)
			found = 1;
	assert_true(found);
}

static void the_fadt_names_the_pm1_block_sci_and_reset_register(void **state)
{
	uint8_t *f;

	(void)state;
	assert_true(x86_acpi_build(buf, sizeof(buf), BASE, cfg(1)) > 0);
	f = find("FACP");
	assert_non_null(f);
	assert_int_equal(r32(f + 4), 276);
	assert_int_equal(r32(f + 56), X86_ACPI_PM_PORT);          /* PM1a_EVT_BLK */
	assert_int_equal(r32(f + 64), X86_ACPI_PM_PORT + 4);      /* PM1a_CNT_BLK */
	assert_int_equal(f[88], 4);
	assert_int_equal(f[89], 2);
	assert_int_equal(f[46], X86_ACPI_SCI_IRQ);
	assert_true(r32(f + 112) & (1u << 10));                   /* RESET_REG_SUP */
	assert_int_equal(f[116], 1);                              /* I/O space */
	assert_int_equal(r64(f + 120), X86_I8042_CMD);
	assert_int_equal(f[128], 0xfe);
	assert_memory_equal(at(r32(f + 36)), "FACS", 4);
	assert_int_equal(r32(f + 36) % 64, 0);
}

static void the_dsdt_defines_s5_with_our_sleep_type(void **state)
{
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12 };
	uint8_t *dsdt;

	(void)state;
	assert_true(x86_acpi_build(buf, sizeof(buf), BASE, cfg(1)) > 0);
	dsdt = at(r64(find("FACP") + 140));
	assert_memory_equal(dsdt + 36, s5, sizeof(s5));
	/* PkgLength (4 bytes), element count 4, then BytePrefix 5. */
	assert_int_equal(dsdt[36 + 10], 4);
	assert_int_equal(dsdt[36 + 11], 0x0a);
	assert_int_equal(dsdt[36 + 12], ACPI_SLP_TYP_S5);
}

static const uint8_t *memfind(const uint8_t *h, size_t hl, const void *n, size_t nl)
{
	for (size_t i = 0; i + nl <= hl; i++)
		if (!memcmp(h + i, n, nl))
			return h + i;
	return NULL;
}

static void the_dsdt_describes_the_pci_host_bridge_and_its_windows(void **state)
{
	static const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
	static const uint8_t qword[] = { 0x8a, 43, 0, 0, 0x0c, 0x07 };
	const uint8_t *dsdt, *q;
	uint32_t len;

	(void)state;
	assert_true(x86_acpi_build(buf, sizeof(buf), BASE, cfg(1)) > 0);
	dsdt = at(r64(find("FACP") + 140));
	len = r32(dsdt + 4);
	assert_non_null(memfind(dsdt, len, "\\_SB_", 5));
	assert_non_null(memfind(dsdt, len, "\x5b\x82", 2));
	assert_non_null(memfind(dsdt, len, "PCI0", 4));
	assert_non_null(memfind(dsdt, len, hid, sizeof(hid)));     /* PNP0A03 */
	assert_non_null(memfind(dsdt, len, "_CRS", 4));
	assert_non_null(memfind(dsdt, len, "_PRT", 4));
	q = memfind(dsdt, len, qword, sizeof(qword));               /* 64-bit window */
	assert_non_null(q);
	assert_int_equal(r64(q + 14), 0x1000000000ULL);
	assert_int_equal(r64(q + 38), 64ULL << 30);
}

static void tables_that_do_not_fit_are_refused(void **state)
{
	(void)state;
	assert_int_equal(x86_acpi_build(buf, 100, BASE, cfg(1)), -1);
	assert_true(x86_acpi_build(buf, sizeof(buf), BASE, cfg(64)) < (long)(X86_ACPI_END - X86_ACPI_BASE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_rsdp_is_version_2_with_valid_checksums),
		cmocka_unit_test(every_table_has_a_valid_checksum),
		cmocka_unit_test(the_madt_lists_one_enabled_lapic_per_cpu_and_the_ioapic),
		cmocka_unit_test(irq0_is_overridden_to_gsi2),
		cmocka_unit_test(the_fadt_names_the_pm1_block_sci_and_reset_register),
		cmocka_unit_test(the_dsdt_defines_s5_with_our_sleep_type),
		cmocka_unit_test(the_dsdt_describes_the_pci_host_bridge_and_its_windows),
		cmocka_unit_test(tables_that_do_not_fit_are_refused),
	};
	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
