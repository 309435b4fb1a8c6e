#include "virtiofsd.h"

#include "../lib/log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define VIRTIOFSD_DEFAULT "/usr/lib/qemu/virtiofsd"
#define VIRTIOFSD_WAIT_MS 10000

/* The last non-empty line of its log, or "". */
static void last_line(const struct virtiofsd *d, char *buf, unsigned len)
{
	char line[256];
	FILE *f = fopen(d->log, "re");

	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			snprintf(buf, len, "%s", line);
	}
	fclose(f);
}

/* Its socket exists (not connected to: that would take virtiofsd's one
 * connection; the frontend's connect retries a socket not yet listening). */
static bool listening(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void child(const struct virtiofsd *d, const char *bin, const char *share)
{
	char sockopt[128], source[4200];
	int log = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	/* Its own process group: the terminal's ^C is airlock's to handle;
	 * and it ends with airlock, however airlock ends. */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (log < 0 || null < 0 || dup2(null, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0)
		_exit(127);
	/* Nothing of airlock's: no guest RAM, no KVM, no other device. */
	if (syscall(SYS_close_range, 3U, ~0U, 0) < 0)
		for (int fd = 3; fd < 65536; fd++)
			close(fd);
	snprintf(sockopt, sizeof(sockopt), "--socket-path=%s", d->sock);
	snprintf(source, sizeof(source), "source=%s", share);
	execl(bin, bin, "-f", sockopt, "-o", source, "-o", "cache=auto", "-o", "sandbox=namespace",
	      (char *)NULL);
	fprintf(stderr, "cannot run %s: %s\n", bin, strerror(errno));
	_exit(127);
}

static void cleanup(struct virtiofsd *d)
{
	unlink(d->sock);
	unlink(d->log);
	rmdir(d->dir);
	free(d);
}

struct virtiofsd *virtiofsd_start(const char *share)
{
	const char *bin = getenv("AIRLOCK_VIRTIOFSD") ? getenv("AIRLOCK_VIRTIOFSD") : VIRTIOFSD_DEFAULT;
	const char *tmp = getenv("TMPDIR") && strlen(getenv("TMPDIR")) < 40 ? getenv("TMPDIR") : "/tmp";
	struct virtiofsd *d = calloc(1, sizeof(*d));
	char why[256];

	if (!d) {
		pr_err("--fs dir=%s: out of memory", share);
		return NULL;
	}
	if (geteuid() != 0) {
		pr_err("--fs dir=%s: virtiofsd needs root (run airlock as root, or start a backend "
		       "yourself and give socket=PATH)", share);
		free(d);
		return NULL;
	}
	if (access(bin, X_OK) < 0) {
		pr_err("--fs dir=%s: %s: %s (Debian: apt install qemu-system-common)", share, bin,
		       strerror(errno));
		free(d);
		return NULL;
	}
	snprintf(d->dir, sizeof(d->dir), "%s/airlock-fs.XXXXXX", tmp);
	if (!mkdtemp(d->dir)) {
		pr_err("--fs dir=%s: cannot make a directory in %s: %s", share, tmp, strerror(errno));
		free(d);
		return NULL;
	}
	snprintf(d->sock, sizeof(d->sock), "%s/virtiofsd.sock", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/virtiofsd.log", d->dir);
	d->pid = fork();
	if (d->pid < 0) {
		pr_err("--fs dir=%s: fork: %s", share, strerror(errno));
		cleanup(d);
		return NULL;
	}
	if (d->pid == 0)
		child(d, bin, share);
	for (int ms = 0; ms < VIRTIOFSD_WAIT_MS; ms += 10) {
		if (listening(d->sock)) {
			pr_info("--fs dir=%s: virtiofsd %d on %s", share, (int)d->pid, d->sock);
			return d;
		}
		if (child_ended_within(d->pid, 0)) {
			d->pid = -1;
			last_line(d, why, sizeof(why));
			pr_err("--fs dir=%s: virtiofsd exited: %s", share, why[0] ? why : "(no message)");
			cleanup(d);
			return NULL;
		}
		usleep(10000);
	}
	last_line(d, why, sizeof(why));
	pr_err("--fs dir=%s: virtiofsd made no socket in %d s%s%s", share, VIRTIOFSD_WAIT_MS / 1000,
	       why[0] ? ": " : "", why);
	virtiofsd_stop(d);
	return NULL;
}

void virtiofsd_stop(void *arg)
{
	struct virtiofsd *d = arg;

	if (!d)
		return;
	if (d->pid > 0 && !child_ended_within(d->pid, 0)) {
		kill(d->pid, SIGTERM);
		if (!child_ended_within(d->pid, 1000)) {
			kill(d->pid, SIGKILL);
			if (!child_ended_within(d->pid, 2000))
				pr_warn("virtiofsd %d has not ended 2 s after SIGKILL; not waiting for it",
					(int)d->pid);
		}
	}
	cleanup(d);
}

void virtiofsd_describe(void *arg, char *buf, unsigned len)
{
	struct virtiofsd *d = arg;
	char line[200];

	buf[0] = '\0';
	if (d->pid > 0 && kill(d->pid, 0) == 0 && !child_ended_within(d->pid, 0))
		return;
	last_line(d, line, sizeof(line));
	snprintf(buf, len, "virtiofsd exited%s%s", line[0] ? ": " : "", line);
}
