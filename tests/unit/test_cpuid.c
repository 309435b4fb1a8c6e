/* CPUID as each vCPU sees it: APIC IDs, topology, hypervisor signature. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/kvm.h>
#include <cmocka.h>

#include "arch/x86_64/x86.h"

static struct kvm_cpuid_entry2 e[8];
#define BIT_FMA   (1u << 12)
#define BIT_XSAVE (1u << 26)
#define BIT_AVX   (1u << 28)

static int host_like(void **state)
{
	(void)state;
	memset(e, 0, sizeof(e));
	e[0].function = 1;
	e[0].ebx = 0x00ff0800;          /* host: 255 logical CPUs, clflush 8 */
	e[0].edx = 1u << 28;
	e[1].function = 0xb;
	e[1].index = 0;
	e[2].function = 0xb;
	e[2].index = 1;
	e[3].function = 0xb;
	e[3].index = 2;
	e[4].function = 0x40000000;
	e[5].function = 0x80000008;
	e[5].ecx = 0x0000703f;
	e[6].function = 0x8000001e;
	e[6].ebx = 0x0100;
	e[7].function = 4;
	e[7].eax = 0xfc000121;
	return 0;
}

static void each_vcpu_gets_its_own_apic_id(void **state)
{
	(void)state;
	x86_cpuid_patch(e, 8, 3, 4);
	assert_int_equal(e[0].ebx >> 24, 3);
	assert_int_equal(e[1].edx, 3);
	assert_int_equal(e[2].edx, 3);
	assert_int_equal(e[6].eax, 3);
	assert_int_equal(e[0].ebx & 0xff00, 0x0800);   /* clflush size kept */
}

static void the_topology_is_one_thread_per_core_ncpus_cores(void **state)
{
	(void)state;
	x86_cpuid_patch(e, 8, 0, 6);
	assert_int_equal((e[0].ebx >> 16) & 0xff, 8);  /* rounded up to a power of two */
	assert_true(e[0].edx & (1u << 28));
	assert_int_equal(e[1].ebx, 1);                 /* SMT level: 1 thread */
	assert_int_equal(e[1].ecx, 1u << 8);
	assert_int_equal(e[2].ebx, 6);                 /* core level: 6 */
	assert_int_equal(e[2].eax, 3);                 /* APIC ID shift */
	assert_int_equal(e[2].ecx, (2u << 8) | 1);
	assert_int_equal(e[3].ebx, 0);                 /* no further level */
	assert_int_equal(e[5].ecx & 0xff, 5);          /* AMD: cores - 1 */
	assert_int_equal((e[5].ecx >> 12) & 0xf, 3);
	assert_int_equal(e[7].eax >> 26, 7);           /* Intel: cores - 1 (pow2) */
	assert_int_equal(e[7].eax & 0x03ffffff, 0x121);
}

static void a_single_vcpu_does_not_claim_hyperthreading(void **state)
{
	(void)state;
	x86_cpuid_patch(e, 8, 0, 1);
	assert_false(e[0].edx & (1u << 28));
	assert_int_equal((e[0].ebx >> 16) & 0xff, 1);
	assert_int_equal(e[5].ecx & 0xff, 0);
}

static void the_guest_sees_a_kvm_hypervisor(void **state)
{
	char sig[13] = { 0 };

	(void)state;
	x86_cpuid_patch(e, 8, 0, 1);
	assert_true(e[0].ecx & (1u << 31));
	assert_int_equal(e[4].eax, 0x40000001);
	memcpy(sig, &e[4].ebx, 4);
	memcpy(sig + 4, &e[4].ecx, 4);
	memcpy(sig + 8, &e[4].edx, 4);
	assert_string_equal(sig, "KVMKVMKVM");
}

/* No XSAVE: nothing that needs the XSAVE state is offered (AVX would #UD). */
static void without_xsave_no_avx_is_offered(void **state)
{
	struct kvm_cpuid_entry2 c[4] = {
		{ .function = 1, .ecx = BIT_AVX | BIT_FMA | 1u },
		{ .function = 7, .index = 0, .ebx = (1u << 5) | (1u << 16) | (1u << 3), .ecx = 1u << 9 },
		{ .function = 0xd, .index = 0, .eax = 7, .ebx = 0x340 },
		{ .function = 0x80000001, .ecx = (1u << 16) | 1u },
	};

	(void)state;
	x86_cpuid_patch(c, 4, 0, 1);
	assert_int_equal(c[0].ecx & (BIT_AVX | BIT_FMA), 0);
	assert_int_equal(c[0].ecx & 1u, 1u);                  /* SSE3 kept */
	assert_int_equal(c[1].ebx, 1u << 3);                  /* AVX2, AVX-512F gone; BMI1 kept */
	assert_int_equal(c[1].ecx, 0);                        /* VAES gone */
	assert_int_equal(c[2].eax | c[2].ebx, 0);
	assert_int_equal(c[3].ecx, 1u);                       /* FMA4 gone */
}

/* With XSAVE the host's AVX set is passed on untouched. */
static void with_xsave_avx_is_kept(void **state)
{
	struct kvm_cpuid_entry2 c[2] = {
		{ .function = 1, .ecx = BIT_XSAVE | BIT_AVX | BIT_FMA },
		{ .function = 7, .index = 0, .ebx = 1u << 5 },
	};

	(void)state;
	x86_cpuid_patch(c, 2, 0, 1);
	assert_int_equal(c[0].ecx & (BIT_XSAVE | BIT_AVX | BIT_FMA), BIT_XSAVE | BIT_AVX | BIT_FMA);
	assert_int_equal(c[1].ebx, 1u << 5);
}

/* The TSC-deadline bit goes on leaf 1 alone. */
static void the_tsc_deadline_timer_is_offered_on_leaf_1(void **state)
{
	struct kvm_cpuid_entry2 c[2] = { { .function = 1, .ecx = 1u }, { .function = 7, .ecx = 0 } };

	(void)state;
	x86_cpuid_tsc_deadline(c, 2);
	assert_int_equal(c[0].ecx, 1u | (1u << 24));
	assert_int_equal(c[1].ecx, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(each_vcpu_gets_its_own_apic_id, host_like),
		cmocka_unit_test(the_tsc_deadline_timer_is_offered_on_leaf_1),
		cmocka_unit_test_setup(the_topology_is_one_thread_per_core_ncpus_cores, host_like),
		cmocka_unit_test_setup(a_single_vcpu_does_not_claim_hyperthreading, host_like),
		cmocka_unit_test_setup(the_guest_sees_a_kvm_hypervisor, host_like),
		cmocka_unit_test(without_xsave_no_avx_is_offered),
		cmocka_unit_test(with_xsave_avx_is_kept),
	};
	return cmocka_run_group_tests_name("cpuid", tests, NULL, NULL);
}
