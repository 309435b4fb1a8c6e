#include "vm.h"

#include "console.h"
#include "irq.h"
#include "pvpanic.h"
#include "virtio_host.h"
#include "../lib/clock.h"
#include "../lib/log.h"
#include "../arch/arch.h"

#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define VCPU_KICK_SIGNAL SIGUSR1

static int kvm_open(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
		pr_err("/dev/kvm: not available (is KVM enabled on this host, kvm module loaded?)");
	else if (errno == EACCES || errno == EPERM)
		pr_err("/dev/kvm: permission denied (add your user to the 'kvm' group)");
	else
		pr_err("/dev/kvm: %s", strerror(errno));
	return -1;
}

static int kvm_check(struct vm *vm)
{
	static const struct { int cap; const char *name; } caps[] = {
		{ KVM_CAP_USER_MEMORY, "USER_MEMORY" },
		{ KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT" },
		{ KVM_CAP_IOEVENTFD, "IOEVENTFD" },
		{ KVM_CAP_IRQFD, "IRQFD" },
	};
	int api = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0), max;

	if (api != KVM_API_VERSION) {
		pr_err("/dev/kvm speaks KVM API %d; airlock needs %d", api, KVM_API_VERSION);
		return -1;
	}
	for (unsigned i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, caps[i].cap) <= 0) {
			pr_err("KVM lacks KVM_CAP_%s, which airlock needs", caps[i].name);
			return -1;
		}
	}
	max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max <= 0)
		max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max > 0 && vm->cfg->cpus > (unsigned)max) {
		pr_err("--cpus %u: this host's KVM allows at most %d vCPUs", vm->cfg->cpus, max);
		return -1;
	}
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size <= 0) {
		pr_err("KVM_GET_VCPU_MMAP_SIZE failed: %s", strerror(errno));
		return -1;
	}
	return arch_check_kvm(vm->kvm_fd);
}

static int setup_memory(struct vm *vm)
{
	struct mem_layout layout;
	int ret;

	arch_ram_layout(vm->cfg->mem_size, &layout);
	ret = guest_mem_create(&vm->mem, &layout);
	if (ret < 0) {
		pr_err("cannot allocate %llu MiB of guest RAM: %s",
		       (unsigned long long)(vm->cfg->mem_size >> 20), strerror(-ret));
		return -1;
	}
	for (unsigned i = 0; i < vm->mem.layout.nr; i++) {
		const struct mem_region *r = &vm->mem.layout.r[i];
		struct kvm_userspace_memory_region slot = {
			.slot = i,
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (uint64_t)(uintptr_t)(vm->mem.host + r->offset),
		};

		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
			pr_err("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int create_vcpus(struct vm *vm)
{
	vm->vcpus = calloc(vm->cfg->cpus, sizeof(*vm->vcpus));
	vm->vcpu_stats = calloc(vm->cfg->cpus, sizeof(*vm->vcpu_stats));
	vm->drop = calloc(vm->cfg->cpus + 1, sizeof(*vm->drop));
	if (!vm->vcpus || !vm->vcpu_stats || !vm->drop) {
		pr_err("out of memory");
		return -1;
	}
	for (unsigned i = 0; i < vm->cfg->cpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->vm = vm;
		v->id = i;
		v->st = &vm->vcpu_stats[i];
		v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
		if (v->fd < 0) {
			pr_err("KVM_CREATE_VCPU %u: %s", i, strerror(errno));
			return -1;
		}
		vm->nr_vcpus++;
		v->run = mmap(NULL, (size_t)vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED) {
			v->run = NULL;
			pr_err("mmap of vCPU %u state: %s", i, strerror(errno));
			return -1;
		}
		vm->drop[1 + i] = (struct host_mapping){ v->run, (size_t)vm->run_size };
	}
	vm->drop[0] = (struct host_mapping){ vm->mem.host, vm->mem.size };
	return 0;
}

static int create_devices(struct vm *vm)
{
	struct virtio_host_env env = {
		.cfg = vm->cfg, .vm_fd = vm->vm_fd, .bus = &vm->bus, .pci = &vm->pci,
		.win = &vm->pciwin, .irq = vm->irq, .console = vm->console, .mem = &vm->mem,
		.sandbox = { .died = vm_exit_latch(vm), .drop = vm->drop, .ndrop = 1 + vm->nr_vcpus },
	};

	console_watch_panics(vm->console, vm->cfg->console_panic);
	console_set_mark(vm->console, vm->cfg->mark);
	if (console_set_log(vm->console, vm->cfg->console_log, vm->cfg->console_log_time) < 0)
		return -1;
	vm->virtio = virtio_host_init(&env);
	if (!vm->virtio)
		return -1;
	/* After the virtio devices: their slots do not move. */
	if (vm->cfg->pvpanic)
		vm->pvpanic = pvpanic_add(&vm->pci, &vm->pciwin, &vm->bus, vm_exit_latch(vm));
	return 0;
}

int vm_create(struct vm *vm, const struct vm_config *cfg)
{
	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->kvm_fd = vm->vm_fd = vm->exit_efd = -1;
	vm->mem.fd = -1;
	pthread_mutex_init(&vm->exit_lock, NULL);
	iobus_init(&vm->bus);
	pci_bus_init(&vm->pci);
	pci_bus_add_host_bridge(&vm->pci, &vm->host_bridge);

	vm->exit_efd = eventfd(0, EFD_CLOEXEC);
	if (vm->exit_efd < 0) {
		pr_err("eventfd: %s", strerror(errno));
		return -1;
	}
	vm->kvm_fd = kvm_open();
	if (vm->kvm_fd < 0 || kvm_check(vm) < 0)
		return -1;
	do
		vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0) {
		pr_err("KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	/* The irqchip comes before any vCPU (x86), the vCPUs before the
	 * irqchip is initialised (arm64), which comes before the devices bind
	 * their irqfds; the guest is loaded before the boot vCPU's registers
	 * point into it. */
	if (setup_memory(vm) < 0 || arch_vm_init(vm) < 0 || create_vcpus(vm) < 0 ||
	    arch_vm_finish(vm) < 0 || create_devices(vm) < 0 || arch_load_guest(vm) < 0)
		return -1;
	/* The loader's buffers (a decompressed kernel, an initrd) are freed:
	 * give their memory back rather than keep it in the heap. */
	malloc_trim(0);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (arch_vcpu_init(&vm->vcpus[i]) < 0)
			return -1;
	return 0;
}

void vm_request_exit(struct vm *vm, int status, const char *why)
{
	uint64_t one = 1;

	pthread_mutex_lock(&vm->exit_lock);
	if (!vm->stopping) {
		vm->exit_status = status;
		snprintf(vm->exit_why, sizeof(vm->exit_why), "%s", why);
		__atomic_store_n(&vm->stopping, true, __ATOMIC_RELEASE);
		if (status)
			pr_err("%s", why);
		else
			pr_info("%s", why);
		while (write(vm->exit_efd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
	}
	pthread_mutex_unlock(&vm->exit_lock);
}

void vm_guest_reboot(struct vm *vm)
{
	if (console_saw_panic(vm->console))
		vm_request_exit(vm, EXIT_GUEST_CRASH,
				"guest panicked (its console says \"Kernel panic\", then it rebooted)");
	else if (vm->cfg->reboot_code)
		vm_request_exit(vm, EXIT_GUEST_REBOOT, "guest rebooted (--on-reboot exit-code)");
	else
		vm_request_exit(vm, 0, "guest rebooted");
}

static void exit_request(void *vm, int status, const char *why)
{
	vm_request_exit(vm, status, why);
}

struct exit_latch vm_exit_latch(struct vm *vm)
{
	return (struct exit_latch){ exit_request, vm };
}

struct irq_lines vm_irq_lines(struct vm *vm)
{
	return (struct irq_lines){ irq_line, vm->irq };
}

void vm_summary(const struct vm *vm, struct run_summary *s)
{
	*s = (struct run_summary){
		.exit_status = vm->exit_status, .exit_why = vm->exit_why, .strict = vm->cfg->strict,
		.vcpus = vm->vcpu_stats, .nr_vcpus = vm->nr_vcpus, .virtio = vm->virtio,
		.json_path = vm->cfg->stats_json, .mark = vm->cfg->mark,
	};
	console_times(vm->console, &s->first_console_ms, &s->mark_ms);
	s->start_us = vm->start_us;
}

static void handle_pio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *p = (uint8_t *)run + run->io.data_offset;

	v->st->exits_io++;
	for (uint32_t i = 0; i < run->io.count; i++, p += run->io.size)
		iobus_dispatch(&v->vm->bus, IO_PIO, run->io.port, p, run->io.size,
			       run->io.direction == KVM_EXIT_IO_OUT);
}

static void handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	unsigned len = run->mmio.len <= 8 ? run->mmio.len : 8;

	v->st->exits_mmio++;
	iobus_dispatch(&v->vm->bus, IO_MMIO, run->mmio.phys_addr, run->mmio.data, len,
		       run->mmio.is_write);
}

static void handle_system_event(struct vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_exit(v->vm, 0, "guest powered off");
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_guest_reboot(v->vm);
		break;
	default:
		vm_request_exit(v->vm, EXIT_GUEST_CRASH, "guest crashed (KVM system event)");
		break;
	}
}

/* Returns true while the vCPU should keep running. */
static bool handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	char why[160];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_pio(v);
		return true;
	case KVM_EXIT_MMIO:
		handle_mmio(v);
		return true;
	case KVM_EXIT_INTR:
		v->st->exits_intr++;
		return true;
	case KVM_EXIT_SYSTEM_EVENT:
		handle_system_event(v);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(why, sizeof(why), "vcpu%u: KVM entry failed (hardware reason %#llx)", v->id,
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(why, sizeof(why), "vcpu%u: KVM internal error %u", v->id,
			 run->internal.suberror);
		break;
	default:
		v->st->exits_other++;
		switch (arch_handle_exit(v)) {
		case 0:
			return true;
		case 1:
			return false;
		}
		snprintf(why, sizeof(why), "vcpu%u: unexpected KVM exit %u", v->id, run->exit_reason);
		break;
	}
	vm_request_exit(v->vm, 1, why);
	return false;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	if (v->id == 0 && clock_start_us) {
		vm->start_us = mono_us() - clock_start_us;
		pr_debug("airlock started in %.2f ms (main() to vCPU 0's first KVM_RUN)",
			 vm->start_us / 1000.0);
	}
	while (!__atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			char why[96];

			snprintf(why, sizeof(why), "vcpu%u: KVM_RUN: %s", v->id, strerror(errno));
			vm_request_exit(vm, 1, why);
			break;
		}
		if (!handle_exit(v))
			break;
	}
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;
}

/* Stops every vCPU: immediate_exit covers a vCPU about to enter KVM_RUN, the
 * signal one already inside it. */
static void stop_vcpus(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (!v->started)
			continue;
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
		pthread_kill(v->thread, VCPU_KICK_SIGNAL);
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->started) {
			pthread_join(v->thread, NULL);
			v->started = false;
		}
	}
}

int vm_run(struct vm *vm)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	long long deadline;
	sigset_t term, kick, old;
	struct pollfd p[2];
	int sfd;

	sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Threads inherit this mask: termination signals reach only the
	 * signalfd below, the kick signal only the vCPU threads. */
	sigemptyset(&term);
	sigaddset(&term, SIGINT);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGHUP);
	sigaddset(&term, SIGCHLD);     /* a device process ended */
	kick = term;
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &kick, &old);
	sfd = signalfd(-1, &term, SFD_CLOEXEC);

	/* Device processes fork before any other thread exists. */
	if (virtio_host_start(vm->virtio) < 0 || console_start(vm->console) < 0) {
		vm_request_exit(vm, 1, "cannot start the console or a device");
		goto out;
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (pthread_create(&v->thread, NULL, vcpu_thread, v) != 0) {
			vm_request_exit(vm, 1, "cannot start a vCPU thread");
			break;
		}
		v->started = true;
	}

	p[0] = (struct pollfd){ vm->exit_efd, POLLIN, 0 };
	p[1] = (struct pollfd){ sfd, POLLIN, 0 };
	deadline = vm->cfg->timeout_s ? mono_ms() + 1000LL * vm->cfg->timeout_s : -1;
	while (!__atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE)) {
		long long left = deadline < 0 ? -1 : deadline - mono_ms();
		int n;

		if (deadline >= 0 && left <= 0) {
			char why[80];

			snprintf(why, sizeof(why), "--timeout: the guest was still running after %u s; stopped",
				 vm->cfg->timeout_s);
			vm_request_exit(vm, EXIT_TIMEOUT, why);
			break;
		}
		n = poll(p, sfd >= 0 ? 2 : 1, left < 0 ? -1 : left > INT_MAX ? INT_MAX : (int)left);
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		if (sfd >= 0 && (p[1].revents & POLLIN)) {
			struct signalfd_siginfo si = { 0 };
			char why[64];

			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si) &&
			    si.ssi_signo == SIGCHLD) {
				pid_t pid;
				int st;

				while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
					virtio_host_reap(vm->virtio, pid, st);
			} else if (si.ssi_signo) {
				snprintf(why, sizeof(why), "stopped by signal %s", strsignal((int)si.ssi_signo));
				vm_request_exit(vm, 1, why);
			}
		}
	}
out:
	stop_vcpus(vm);
	console_stop(vm->console);
	virtio_host_sync_stats(vm->virtio);
	if (vm->exit_status || log_level >= LOG_DEBUG) {
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			char st[384];

			arch_vcpu_describe(&vm->vcpus[i], st, sizeof(st));
			log_msg(vm->exit_status ? LOG_ERROR : LOG_DEBUG, "vcpu%u: %s", i, st);
		}
	}
	/* The guest crashed, panicked or ran out of time: what it said last. */
	if (vm->exit_status == EXIT_GUEST_CRASH || vm->exit_status == EXIT_TIMEOUT)
		console_print_tail(vm->console, 12);
	if (sfd >= 0)
		close(sfd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return vm->exit_status;
}

void vm_destroy(struct vm *vm)
{
	stop_vcpus(vm);
	console_destroy(vm->console);
	vm->console = NULL;
	virtio_host_destroy(vm->virtio);
	pvpanic_destroy(vm->pvpanic);
	vm->virtio = NULL;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, (size_t)vm->run_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	free(vm->vcpus);
	vm->vcpus = NULL;
	free(vm->vcpu_stats);
	vm->vcpu_stats = NULL;
	free(vm->drop);
	vm->drop = NULL;
	vm->nr_vcpus = 0;
	arch_vm_destroy(vm);
	irq_destroy(vm->irq);
	vm->irq = NULL;
	guest_mem_destroy(&vm->mem);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->exit_efd >= 0)
		close(vm->exit_efd);
	iobus_destroy(&vm->bus);
	pthread_mutex_destroy(&vm->pci.lock);
	pthread_mutex_destroy(&vm->exit_lock);
}
