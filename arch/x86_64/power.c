/* How an x86 guest ends the VM: the ACPI PM1a control register (power-off
 * through \_S5) and the i8042 reset line (reboot=k, and the FADT's reset
 * register, which points at the same port). */
#include "x86.h"
#include "acpi.h"
#include "layout.h"

#include "../../lib/log.h"
#include "../../vmm/vm.h"

#include <string.h>

/* PM1a: event block (status, enable: 2 bytes each) then control (2 bytes).
 * No fixed event is ever raised, so status reads as zero; enable keeps what
 * the guest writes (ACPICA reads it back); control reports ACPI mode and
 * powers off on SLP_EN with our \_S5 sleep type. */
static void acpi_pm_io(void *opaque, uint64_t off, uint8_t *data, unsigned len, bool is_write)
{
	struct acpi_pm *pm = opaque;
	uint16_t v;

	if (!is_write) {
		memcpy(data, pm->regs + off, len);
		return;
	}
	if (off >= 2 && off + len <= 4)
		memcpy(pm->regs + off, data, len);     /* PM1_EN */
	if (off != 4 || len < 2)
		return;
	memcpy(&v, data, 2);
	if ((v & ACPI_PM1_SLP_EN) && ACPI_PM1_SLP_TYP(v) == ACPI_SLP_TYP_S5)
		vm_request_exit(pm->vm, 0, "guest powered off");
}

/* Status (0x64) and data (0x60) read as zero: buffers empty, nothing to
 * read. The only command honoured is 0xfe on 0x64, pulse the reset line. */
static void i8042_io(void *opaque, uint64_t off, uint8_t *data, unsigned len, bool is_write)
{
	struct vm *vm = opaque;

	(void)off;
	if (!is_write)
		memset(data, 0, len);
	else if (data[0] == 0xfe)
		vm_guest_reboot(vm);
}

static void i8042_data_io(void *opaque, uint64_t off, uint8_t *data, unsigned len, bool is_write)
{
	(void)opaque;
	(void)off;
	if (!is_write)
		memset(data, 0, len);
}

int x86_power_init(struct vm *vm)
{
	struct acpi_pm *pm = &vm->arch->acpi_pm;

	pm->vm = vm;
	pm->regs[4] = ACPI_PM1_SCI_EN;  /* in ACPI mode from the start */
	if (iobus_register(&vm->bus, IO_PIO, X86_ACPI_PM_PORT, 6, acpi_pm_io, pm, "acpi-pm") < 0 ||
	    iobus_register(&vm->bus, IO_PIO, X86_I8042_DATA, 1, i8042_data_io, vm, "i8042-data") < 0 ||
	    iobus_register(&vm->bus, IO_PIO, X86_I8042_CMD, 1, i8042_io, vm, "i8042-cmd") < 0) {
		pr_err("cannot register the power devices");
		return -1;
	}
	return 0;
}
