/* Minimal ACPI for x86_64 guests: RSDP, XSDT, FADT (+FACS), DSDT and MADT.
 * The MADT gives the guest its CPUs and I/O APIC; the FADT's PM1 control
 * block and the DSDT's \_S5 give it a way to power off, its reset register
 * a way to reboot. Pure: builds into a buffer. */
#ifndef AIRLOCK_X86_ACPI_H
#define AIRLOCK_X86_ACPI_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_SLP_TYP_S5   5           /* the value our \_S5 names */
#define ACPI_PM1_SLP_EN   (1u << 13)
#define ACPI_PM1_SLP_TYP(v) (((v) >> 10) & 7)
#define ACPI_PM1_SCI_EN   1u

struct x86_acpi_cfg {
	unsigned ncpus;
	uint64_t mmio32_base, mmio32_size;    /* PCI memory windows */
	uint64_t mmio64_base, mmio64_size;
};

/* Builds the tables into buf, which the guest sees at gpa. Returns the bytes
 * used (the RSDP is at gpa), or -1 if room is too small. */
long x86_acpi_build(uint8_t *buf, size_t room, uint64_t gpa, const struct x86_acpi_cfg *c);

/* Sum of len bytes, mod 256: 0 for a table with a correct checksum. */
uint8_t acpi_sum(const uint8_t *p, size_t len);

#endif
