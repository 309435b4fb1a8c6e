/* The x86_64 platform around the vCPUs: in-kernel PIC/IOAPIC/LAPIC and PIT,
 * COM1, the power devices, and the exits only x86 has. */
#include "x86.h"
#include "layout.h"
#include "memmap.h"

#include "../arch.h"
#include "../../vmm/console.h"
#include "../../vmm/irq.h"
#include "../../lib/log.h"
#include "../../vmm/vm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

int arch_check_kvm(int kvm_fd)
{
	static const struct { int cap; const char *name; } caps[] = {
		{ KVM_CAP_IRQCHIP, "IRQCHIP" },
		{ KVM_CAP_PIT2, "PIT2" },
		{ KVM_CAP_EXT_CPUID, "EXT_CPUID" },
		{ KVM_CAP_SET_TSS_ADDR, "SET_TSS_ADDR" },
		{ KVM_CAP_IRQ_ROUTING, "IRQ_ROUTING" },
	};

	for (unsigned i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, caps[i].cap) <= 0) {
			pr_err("KVM lacks KVM_CAP_%s, which airlock needs on x86_64", caps[i].name);
			return -1;
		}
	}
	return 0;
}

void arch_ram_layout(uint64_t ram_size, struct mem_layout *out)
{
	x86_ram_layout(ram_size, out);
}

static struct kvm_cpuid2 *get_supported_cpuid(int kvm_fd)
{
	for (unsigned n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			return NULL;
		c->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG)
			return NULL;
	}
	return NULL;
}

/* The PC wiring: ISA IRQs 0-15 reach the 8259s, IRQs 1-23 reach the same
 * I/O APIC pin, and IRQ 0 (the PIT) reaches pin 2, as the MADT's interrupt
 * source override says. KVM's default routing sends GSI 0 to pin 0, which
 * would leave the guest without timer ticks once it masks the 8259. */
const unsigned arch_first_msi_gsi = 24;

unsigned arch_irq_routes(struct kvm_irq_routing_entry *e, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 16 && n < max; i++) {
		if (i == 2)
			continue;   /* the cascade */
		e[n].gsi = i;
		e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		e[n].u.irqchip.irqchip = i < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
		e[n].u.irqchip.pin = i % 8;
		n++;
	}
	for (unsigned i = 0; i < 24 && n < max; i++) {
		if (i == 2)
			continue;
		e[n].gsi = i;
		e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		e[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e[n].u.irqchip.pin = i == 0 ? 2 : i;
		n++;
	}
	return n;
}

void arch_msi_route(const struct arch_vm *a, struct kvm_irq_routing_entry *e, uint64_t addr, uint32_t data,
		    uint32_t devid)
{
	(void)a;
	(void)devid;
	e->type = KVM_IRQ_ROUTING_MSI;
	e->flags = 0;
	e->u.msi.address_lo = (uint32_t)addr;
	e->u.msi.address_hi = (uint32_t)(addr >> 32);
	e->u.msi.data = data;
}

/* As the DSDT's _PRT says: INTA of slot s is GSI 16 + s % 8. */
unsigned arch_pci_intx_gsi(unsigned slot)
{
	return X86_PCI_INTX_GSI + slot % 8;
}

uint32_t arch_irq_line_id(unsigned gsi)
{
	return gsi;
}

int arch_vm_finish(struct vm *vm)
{
	(void)vm;
	return 0;
}

int arch_vm_init(struct vm *vm)
{
	/* Port 0x61 (speaker, NMI reason) in KVM too: unhandled it reads
	 * 0xff, which Linux takes for SERR and IOCHK on an unknown NMI. */
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	const char *step;

	vm->arch = calloc(1, sizeof(*vm->arch));
	if (!vm->arch) {
		pr_err("out of memory");
		return -1;
	}
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)X86_TSS_ADDR) < 0) {
		step = "KVM_SET_TSS_ADDR";
	} else if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &(uint64_t){ X86_IDENTITY_MAP }) < 0) {
		step = "KVM_SET_IDENTITY_MAP_ADDR";
	} else if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP) < 0) {
		step = "KVM_CREATE_IRQCHIP";
	} else if (!(vm->irq = irq_init(vm->vm_fd, vm->arch))) {
		step = "KVM_SET_GSI_ROUTING";
	} else if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		step = "KVM_CREATE_PIT2";

	} else if (!(vm->arch->cpuid = get_supported_cpuid(vm->kvm_fd))) {
		step = "KVM_GET_SUPPORTED_CPUID";
	} else {
		vm->arch->tsc_deadline = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
		pci_windows_set(&vm->pciwin, X86_PCI_MMIO32, X86_PCI_MMIO32_SIZE,
				x86_pci_mmio64_base(&vm->mem.layout), X86_PCI_MMIO64_SIZE);
		vm->console = console_add_serial(&vm->bus, IO_PIO, X86_COM1_PORT, X86_COM1_IRQ,
						 vm_irq_lines(vm), vm_exit_latch(vm));
		if (!vm->console || x86_power_init(vm) < 0)
			return -1;
		if (iobus_register(&vm->bus, IO_PIO, X86_PCI_CONF1_PORT, 8, pci_conf1_io, &vm->pci,
				   "pci-conf1") < 0) {
			pr_err("cannot register the PCI configuration ports");
			return -1;
		}
		return 0;
	}
	pr_err("%s failed: %s", step, strerror(errno));
	return -1;
}

int arch_handle_exit(struct vcpu *vcpu)
{
	switch (vcpu->run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		vm_request_exit(vcpu->vm, EXIT_GUEST_CRASH, "guest triple fault (vCPU shutdown)");
		return 1;
	default:
		return -1;
	}
}

void arch_vm_destroy(struct vm *vm)
{
	if (vm->arch)
		free(vm->arch->cpuid);
	free(vm->arch);
	vm->arch = NULL;
}
