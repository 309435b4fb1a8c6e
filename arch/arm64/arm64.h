/* Private to arch/arm64. The board description (device tree, GIC choice)
 * is pure code, so the unit tests build it on any host. */
#ifndef AIRLOCK_ARM64_H
#define AIRLOCK_ARM64_H

#include <stddef.h>
#include <stdint.h>

enum arm64_gic { ARM64_GIC_NONE = 0, ARM64_GIC_V2 = 2, ARM64_GIC_V3 = 3 };
enum arm64_msi { ARM64_MSI_NONE, ARM64_MSI_ITS, ARM64_MSI_V2M };

/* Tries to create the vGIC of one version: 0, or a negative errno. */
typedef int (*arm64_gic_try_fn)(void *opaque, enum arm64_gic v);

/* GICv3 first, then v2 (v2 only for at most 8 vCPUs). Returns the version
 * created, or ARM64_GIC_NONE; *err is the v3 attempt's result. */
enum arm64_gic arm64_gic_choose(unsigned ncpus, arm64_gic_try_fn try, void *opaque, int *err);

struct arm64_board {
	unsigned ncpus;
	uint64_t ram_base, ram_size;
	const char *cmdline;
	uint64_t initrd_start, initrd_size;   /* size 0: none */
	enum arm64_gic gic;
	enum arm64_msi msi;
	unsigned pci_slots;                   /* interrupt-map entries for slots 0..n-1 */
};

/* Builds the device tree into buf. Returns 0, or a negative libfdt error
 * (fdt_strerror names it). */
int arm64_fdt_build(void *buf, size_t size, const struct arm64_board *b);

/* MPIDR KVM gives vCPU i (Aff0 = i % 16, Aff1 = i / 16). */
uint64_t arm64_mpidr(unsigned i);

struct vcpu;
int arm64_vcpu_create(struct vcpu *v);

struct arch_vm {
	enum arm64_gic gic;
	enum arm64_msi msi;
	int gic_fd, its_fd;
	uint64_t entry, dtb;
	uint32_t preferred_target;
};

#endif
