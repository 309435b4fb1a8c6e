/* arm64 vCPUs: PSCI 0.2 in the kernel, the boot CPU entering the Image with
 * x0 = the device tree, the others powered off until PSCI CPU_ON. */
#include "arm64.h"

#include "../arch.h"
#include "../../lib/log.h"
#include "../../vmm/vm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#define CORE_REG(name) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
			(offsetof(struct kvm_regs, name) / sizeof(uint32_t)))
/* EL1h with D, A, I and F masked, as booting.rst asks. */
#define PSTATE_EL1H_MASKED 0x3c5

static int set_reg(struct vcpu *v, uint64_t id, uint64_t val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&val };

	return ioctl(v->fd, KVM_SET_ONE_REG, &r);
}

static int get_reg(struct vcpu *v, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	return ioctl(v->fd, KVM_GET_ONE_REG, &r);
}

/* Before the vGIC is initialised: PSCI 0.2; all but the boot vCPU start
 * powered off and wait for PSCI CPU_ON. */
int arm64_vcpu_create(struct vcpu *v)
{
	struct kvm_vcpu_init init = { .target = v->vm->arch->preferred_target };

	init.features[0] = 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (v->id)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	if (ioctl(v->fd, KVM_ARM_VCPU_INIT, &init) < 0) {
		pr_err("vcpu%u: KVM_ARM_VCPU_INIT: %s", v->id, strerror(errno));
		return -1;
	}
	return 0;
}

int arch_vcpu_init(struct vcpu *v)
{
	struct arch_vm *a = v->vm->arch;

	if (v->id)
		return 0;
	if (set_reg(v, CORE_REG(regs.pstate), PSTATE_EL1H_MASKED) < 0 ||
	    set_reg(v, CORE_REG(regs.regs[0]), a->dtb) < 0 ||
	    set_reg(v, CORE_REG(regs.regs[1]), 0) < 0 || set_reg(v, CORE_REG(regs.regs[2]), 0) < 0 ||
	    set_reg(v, CORE_REG(regs.regs[3]), 0) < 0 || set_reg(v, CORE_REG(regs.pc), a->entry) < 0) {
		pr_err("vcpu0: KVM_SET_ONE_REG: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void arch_vcpu_describe(struct vcpu *v, char *buf, unsigned len)
{
	uint64_t pc = 0, pstate = 0, lr = 0, sp = 0;

	get_reg(v, CORE_REG(regs.pc), &pc);
	get_reg(v, CORE_REG(regs.pstate), &pstate);
	get_reg(v, CORE_REG(regs.regs[30]), &lr);
	get_reg(v, CORE_REG(sp_el1), &sp);
	snprintf(buf, len, "pc=%#llx pstate=%#llx lr=%#llx sp_el1=%#llx", (unsigned long long)pc,
		 (unsigned long long)pstate, (unsigned long long)lr, (unsigned long long)sp);
}
