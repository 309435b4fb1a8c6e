/* The jail of a device process (vmm/sandbox.c forks it): only its own
 * fds, uid nobody, no new privileges, and a seccomp allowlist. */
#include "jail.h"

#include <errno.h>
#include <grp.h>
#include <net/if.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int jail_keep_fds(int *keep, unsigned n)
{
	unsigned lo = 0;

	qsort(keep, n, sizeof(*keep), cmp_int);
	for (unsigned i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < lo)
			continue;
		if ((unsigned)keep[i] > lo && syscall(SYS_close_range, lo, keep[i] - 1, 0) < 0)
			return -1;
		lo = (unsigned)keep[i] + 1;
	}
	return (int)syscall(SYS_close_range, lo, ~0u, 0);
}

int jail_seccomp(int ctl, int evt)
{
	static const char *const allow[] = {
		"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
		"preadv2", "pwritev2", "fdatasync", "fsync", "epoll_wait", "epoll_pwait",
		"epoll_pwait2", "close", "exit",
		"exit_group", "rt_sigreturn", "rt_sigprocmask", "futex", "brk", "munmap",
		"madvise", "mremap", "getrandom", "clock_gettime", "clock_nanosleep", "nanosleep",
		"getpid", "gettid", "fstat", "newfstatat", "lseek", "restart_syscall", "sched_yield",
	};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int ret = ctx ? 0 : -ENOMEM;

	for (unsigned i = 0; !ret && i < sizeof(allow) / sizeof(allow[0]); i++) {
		int nr = seccomp_syscall_resolve_name(allow[i]);

		if (nr != __NR_SCMP_ERROR)
			ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	static const char *const sock[] = { "recvmsg", "sendmsg", "recvfrom", "sendto" };

	for (unsigned i = 0; !ret && i < sizeof(sock) / sizeof(sock[0]); i++) {
		int nr = seccomp_syscall_resolve_name(sock[i]);

		if (nr == __NR_SCMP_ERROR)
			continue;
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)ctl));
		if (!ret)
			ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)evt));
	}
	/* Memory, never executable; the link-state query of virtio-net. */
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_EQ, SIOCGIFFLAGS));
	if (!ret)
		ret = seccomp_load(ctx);
	seccomp_release(ctx);
	return ret;
}

int jail_drop_privileges(void)
{
	if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setresgid(JAIL_NOBODY, JAIL_NOBODY, JAIL_NOBODY) < 0 ||
			       setresuid(JAIL_NOBODY, JAIL_NOBODY, JAIL_NOBODY) < 0))
		return -1;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -1 : 0;
}
