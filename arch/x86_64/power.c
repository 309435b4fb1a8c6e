/* How an x86 guest ends the VM: the ACPI PM1a control register (power-off
 * through \_S5) and the i8042 reset line (reboot=k, and the FADT's reset
 * register, which points at the same port). */
#include "x86.h"
#include "acpi.h"
#include "layout.h"

#include "../../vmm/log.h"
#include "../../vmm/vm.h"

#include <string.h>

/* PM1a: event block (status, enable: 2 bytes each) then control (2 bytes).
 * Status and enable read as zero: no fixed events are ever raised. */
static void acpi_pm_io(void *opaque, uint64_t off, uint8_t *data, unsigned len, bool is_write)
{
	struct vm *vm = opaque;
	uint16_t v = 0;

	if (!is_write) {
		memset(data, 0, len);
		if (off == 4)
			data[0] = ACPI_PM1_SCI_EN;     /* ACPI mode, no SMI transition */
		return;
	}
	if (off != 4 || len < 2)
		return;
	memcpy(&v, data, 2);
	if ((v & ACPI_PM1_SLP_EN) && ACPI_PM1_SLP_TYP(v) == ACPI_SLP_TYP_S5)
		vm_request_exit(vm, 0, "guest powered off");
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
		vm_request_exit(vm, 0, "guest rebooted");
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
	if (iobus_register(&vm->bus, IO_PIO, X86_ACPI_PM_PORT, 6, acpi_pm_io, vm, "acpi-pm") < 0 ||
	    iobus_register(&vm->bus, IO_PIO, X86_I8042_DATA, 1, i8042_data_io, vm, "i8042-data") < 0 ||
	    iobus_register(&vm->bus, IO_PIO, X86_I8042_CMD, 1, i8042_io, vm, "i8042-cmd") < 0) {
		pr_err("cannot register the power devices");
		return -1;
	}
	return 0;
}
