/* Just enough AML (ACPI Machine Language) to describe our DSDT: names,
 * integers, packages, buffers, scopes and devices. */
#ifndef AIRLOCK_X86_AML_H
#define AIRLOCK_X86_AML_H

#include <stddef.h>
#include <stdint.h>

struct aml {
	uint8_t *p;
	size_t len, cap;
	int overflow;
};

void aml_bytes(struct aml *a, const void *data, size_t n);
void aml_byte(struct aml *a, uint8_t b);
/* Integer constant, shortest encoding. */
void aml_int(struct aml *a, uint64_t v);
/* NameOp + 4-character name segment ("_HID", "PCI0"). */
void aml_name(struct aml *a, const char *seg);
/* Opens a PkgLength-prefixed construct after its opcode; returns a token
 * for aml_close. The length is always encoded in 4 bytes. */
size_t aml_open(struct aml *a);
void aml_close(struct aml *a, size_t token);

#define AML_SCOPE_OP    0x10
#define AML_PACKAGE_OP  0x12
#define AML_BUFFER_OP   0x11

/* EISA ID ("PNP0A03") as the 32-bit integer ACPI wants. */
uint32_t aml_eisaid(const char *id);

#endif
