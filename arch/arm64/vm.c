/* The arm64 platform around the vCPUs: the vGIC (v3 with an ITS, or v2
 * with a v2m MSI frame), the MMIO UART, ECAM and the interrupt plumbing. */
#include "arm64.h"
#include "layout.h"

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
#include <unistd.h>

const unsigned arch_first_msi_gsi = ARM64_NR_IRQS;

int arch_check_kvm(int kvm_fd)
{
	static const struct { int cap; const char *name; } caps[] = {
		{ KVM_CAP_ARM_PSCI_0_2, "ARM_PSCI_0_2" },
		{ KVM_CAP_DEVICE_CTRL, "DEVICE_CTRL" },
		{ KVM_CAP_ONE_REG, "ONE_REG" },
		{ KVM_CAP_IRQ_ROUTING, "IRQ_ROUTING" },
	};

	for (unsigned i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, caps[i].cap) <= 0) {
			pr_err("KVM lacks KVM_CAP_%s, which airlock needs on arm64", caps[i].name);
			return -1;
		}
	}
	return 0;
}

void arch_ram_layout(uint64_t ram_size, struct mem_layout *out)
{
	memset(out, 0, sizeof(*out));
	out->nr = 1;
	out->r[0].gpa = ARM64_RAM_BASE;
	out->r[0].size = ram_size;
}

/* No fixed routes: the UART and INTx lines are raised with KVM_IRQ_LINE,
 * which on arm64 names the SPI itself. */
unsigned arch_irq_routes(struct kvm_irq_routing_entry *e, unsigned max)
{
	(void)e;
	(void)max;
	return 0;
}

uint32_t arch_irq_line_id(unsigned gsi)
{
	return (uint32_t)KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT | (32 + gsi);
}

unsigned arch_pci_intx_gsi(unsigned slot)
{
	return ARM64_PCI_INTX_SPI + slot;
}

/* ITS: KVM translates the MSI itself, given the requester ID. v2m: the
 * guest wrote the SPI number as data to the frame's SETSPI register, which
 * is a plain irqchip route. Anything else goes nowhere. */
void arch_msi_route(const struct arch_vm *a, struct kvm_irq_routing_entry *e, uint64_t addr, uint32_t data,
		    uint32_t devid)
{
	if (a->msi == ARM64_MSI_V2M) {
		if (addr == ARM64_GIC_V2M + 0x40 && data >= 32 + ARM64_V2M_SPI_BASE &&
		    data < 32 + ARM64_V2M_SPI_BASE + ARM64_V2M_SPI_COUNT) {
			e->type = KVM_IRQ_ROUTING_IRQCHIP;
			e->flags = 0;
			e->u.irqchip.irqchip = 0;
			e->u.irqchip.pin = data - 32;
			return;
		}
		pr_debug("MSI %#llx/%#x is not the v2m frame's; dropped", (unsigned long long)addr,
			 data);
		addr = 0;
	}
	e->type = KVM_IRQ_ROUTING_MSI;
	e->flags = a->msi == ARM64_MSI_ITS ? KVM_MSI_VALID_DEVID : 0;
	e->u.msi.address_lo = (uint32_t)addr;
	e->u.msi.address_hi = (uint32_t)(addr >> 32);
	e->u.msi.data = data;
	e->u.msi.devid = devid;
}

static int set_attr(int fd, uint32_t group, uint64_t attr, void *val)
{
	struct kvm_device_attr a = { .group = group, .attr = attr,
				     .addr = (uint64_t)(uintptr_t)val };

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

static int create_device(struct vm *vm, uint32_t type, bool test)
{
	struct kvm_create_device cd = { .type = type, .flags = test ? KVM_CREATE_DEVICE_TEST : 0 };

	if (ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &cd) < 0)
		return -errno;
	return test ? 0 : (int)cd.fd;
}

static int gic_try(void *opaque, enum arm64_gic v)
{
	struct vm *vm = opaque;
	uint64_t dist = ARM64_GIC_DIST, second;
	uint32_t nr_irqs = ARM64_NR_IRQS;
	int fd, ret;

	fd = create_device(vm, v == ARM64_GIC_V3 ? KVM_DEV_TYPE_ARM_VGIC_V3 : KVM_DEV_TYPE_ARM_VGIC_V2,
			   false);
	if (fd < 0)
		return fd;
	if (v == ARM64_GIC_V3) {
		second = ARM64_GIC_REDIST;
		ret = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &dist);
		if (!ret)
			ret = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST,
				       &second);
	} else {
		second = ARM64_GIC_CPU;
		ret = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_DIST, &dist);
		if (!ret)
			ret = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_CPU, &second);
	}
	if (!ret)
		ret = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs);
	if (ret) {
		close(fd);
		return ret;
	}
	vm->arch->gic_fd = fd;
	return 0;
}

/* The v2m frame: MSI_TYPER says which SPIs are ours; a write of an SPI
 * number to MSI_SETSPI_NS raises it (only reached if the guest writes the
 * doorbell itself; device MSIs go through routes). */
static void v2m_io(void *opaque, uint64_t off, uint8_t *data, unsigned len, bool is_write)
{
	struct vm *vm = opaque;
	uint32_t v = 0;

	if (is_write) {
		if (off == 0x40 && len == 4) {
			memcpy(&v, data, 4);
			if (v >= 32 + ARM64_V2M_SPI_BASE &&
			    v < 32 + ARM64_V2M_SPI_BASE + ARM64_V2M_SPI_COUNT) {
				irq_line(vm->irq, v - 32, 1);
				irq_line(vm->irq, v - 32, 0);
			}
		}
		return;
	}
	if (off == 0x8)
		v = (32 + ARM64_V2M_SPI_BASE) << 16 | ARM64_V2M_SPI_COUNT;
	memset(data, 0, len);
	memcpy(data, &v, len < 4 ? len : 4);
}

int arch_vm_init(struct vm *vm)
{
	struct kvm_vcpu_init pref;
	int err = 0;

	vm->arch = calloc(1, sizeof(*vm->arch));
	if (!vm->arch) {
		pr_err("out of memory");
		return -1;
	}
	vm->arch->gic_fd = vm->arch->its_fd = -1;
	if (vm->cfg->mem_size > ARM64_MAX_RAM) {
		pr_err("--mem: at most %llu GiB on arm64", (unsigned long long)(ARM64_MAX_RAM >> 30));
		return -1;
	}
	if (ioctl(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &pref) < 0) {
		pr_err("KVM_ARM_PREFERRED_TARGET failed: %s", strerror(errno));
		return -1;
	}
	vm->arch->preferred_target = pref.target;

	vm->arch->gic = arm64_gic_choose(vm->cfg->cpus, gic_try, vm, &err);
	switch (vm->arch->gic) {
	case ARM64_GIC_V3:
		/* (KVM_CAP_MSI_DEVID reads true only once an ITS exists.) */
		if (create_device(vm, KVM_DEV_TYPE_ARM_VGIC_ITS, true) == 0)
			vm->arch->msi = ARM64_MSI_ITS;
		else
			pr_info("no vITS on this host: PCI devices use INTx");
		break;
	case ARM64_GIC_V2:
		pr_info("GICv3 unavailable (%s): using GICv2 with a v2m MSI frame", strerror(-err));
		vm->arch->msi = ARM64_MSI_V2M;
		break;
	case ARM64_GIC_NONE:
		pr_err("cannot create a virtual GIC: v3: %s%s", strerror(-err),
		       vm->cfg->cpus > 8 ? "; v2 allows at most 8 vCPUs" : "; v2 failed too");
		return -1;
	}
	vm->irq = irq_init(vm->vm_fd, vm->arch);
	if (!vm->irq) {
		pr_err("KVM_SET_GSI_ROUTING failed: %s", strerror(errno));
		return -1;
	}
	pci_windows_set(&vm->pciwin, ARM64_PCI_MMIO32, ARM64_PCI_MMIO32_SIZE, ARM64_PCI_MMIO64,
			ARM64_PCI_MMIO64_SIZE);
	vm->console = console_add_serial(&vm->bus, IO_MMIO, ARM64_UART, ARM64_UART_SPI, vm_irq_lines(vm),
					 vm_exit_latch(vm));
	if (!vm->console)
		return -1;
	if (iobus_register(&vm->bus, IO_MMIO, ARM64_PCI_ECAM, PCI_ECAM_SIZE, pci_ecam_io, &vm->pci,
			   "pci-ecam") < 0 ||
	    (vm->arch->msi == ARM64_MSI_V2M &&
	     iobus_register(&vm->bus, IO_MMIO, ARM64_GIC_V2M, ARM64_GIC_V2M_SIZE, v2m_io, vm,
			    "gic-v2m") < 0)) {
		pr_err("cannot register the PCI configuration space");
		return -1;
	}
	return 0;
}

/* The vGIC can be initialised only once every vCPU exists; the ITS after
 * it. Initialising installs KVM's default routes, so ours go back in. */
int arch_vm_finish(struct vm *vm)
{
	uint64_t its = ARM64_GIC_ITS;
	int ret, fd;

	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (arm64_vcpu_create(&vm->vcpus[i]) < 0)
			return -1;
	ret = set_attr(vm->arch->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	if (ret) {
		pr_err("vGIC initialisation failed: %s", strerror(-ret));
		return -1;
	}
	if (vm->arch->msi == ARM64_MSI_ITS) {
		fd = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_ITS, false);
		ret = fd < 0 ? fd : set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE, &its);
		if (!ret)
			ret = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
		if (ret) {
			pr_err("vITS initialisation failed: %s", strerror(-ret));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		vm->arch->its_fd = fd;
	}
	if (irq_reload(vm->irq) < 0) {
		pr_err("KVM_SET_GSI_ROUTING failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int arch_handle_exit(struct vcpu *vcpu)
{
	(void)vcpu;
	return -1;
}

void arch_vm_destroy(struct vm *vm)
{
	if (!vm->arch)
		return;
	if (vm->arch->its_fd >= 0)
		close(vm->arch->its_fd);
	if (vm->arch->gic_fd >= 0)
		close(vm->arch->gic_fd);
	free(vm->arch);
	vm->arch = NULL;
}
