/* The device process's seccomp filter, installed in a forked child: socket
 * I/O works on the two sockets to airlock and on nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/jail.h"

/* Runs fn(ctl, evt, other) in a child under the filter; its wait status. */
static int in_child(void (*fn)(int, int, int))
{
	int ctl[2], evt[2], other = socket(AF_INET, SOCK_DGRAM, 0);
	int st;
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, ctl), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, evt), 0);
	assert_true(other >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (jail_seccomp(ctl[0], evt[0]) < 0)
			_exit(99);
		fn(ctl[0], evt[0], other);
		syscall(SYS_exit_group, 0);     /* not _exit: ASan's wraps more syscalls */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	close(ctl[0]); close(ctl[1]); close(evt[0]); close(evt[1]); close(other);
	return st;
}

static void talk_to_airlock(int ctl, int evt, int other)
{
	char b;

	(void)other;
	if (send(ctl, "q", 1, 0) != 1 || send(evt, "e", 1, 0) != 1)
		syscall(SYS_exit_group, 1);
	(void)recv(ctl, &b, 1, MSG_DONTWAIT);   /* nothing there: EAGAIN, allowed */
}

static void send_a_datagram(int ctl, int evt, int other)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	(void)ctl; (void)evt;
	sendto(other, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
}

static void open_a_socket(int ctl, int evt, int other)
{
	(void)ctl; (void)evt; (void)other;
	socket(AF_INET, SOCK_DGRAM, 0);
}

static void the_control_sockets_work(void **state)
{
	int st;

	(void)state;
	st = in_child(talk_to_airlock);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void a_datagram_on_any_other_socket_kills_the_process(void **state)
{
	int st;

	(void)state;
	st = in_child(send_a_datagram);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void opening_a_socket_kills_the_process(void **state)
{
	int st;

	(void)state;
	st = in_child(open_a_socket);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_control_sockets_work),
		cmocka_unit_test(a_datagram_on_any_other_socket_kills_the_process),
		cmocka_unit_test(opening_a_socket_kills_the_process),
	};
	return cmocka_run_group_tests_name("jail", tests, NULL, NULL);
}
