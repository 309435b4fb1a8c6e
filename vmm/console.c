#include "console.h"

#include "../lib/clock.h"
#include "../lib/fdio.h"
#include "../lib/log.h"
#include "../devices/uart.h"
#include "config.h"
#include "outlog.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>

struct console {
	struct irq_lines irq;
	struct exit_latch quit;
	struct uart uart;
	unsigned gsi;
	pthread_t thread;
	int thread_started;
	int wake[2];              /* pipe: wakes the input thread to stop */
	int stopping;
	/* What the guest printed: its last lines, and whether it panicked. */
	struct outlog out;
	bool watch_panics;
	/* --console-log: a copy in a file, lines stamped with seconds since t0_ms. */
	int log_fd;
	bool log_time, at_line_start;
	long long t0_ms;
	long long first_ms, mark_ms;      /* -1 until then */
	/* Where typed input goes: the UART unless a virtio console took it. */
	size_t (*sink)(void *opaque, const uint8_t *buf, size_t n);
	void *sink_opaque;
};

static size_t uart_sink(void *opaque, const uint8_t *buf, size_t n)
{
	return uart_receive(opaque, buf, n);
}

void console_set_input(struct console *c, size_t (*sink)(void *, const uint8_t *, size_t),
		       void *opaque)
{
	if (c) {
		c->sink = sink;
		c->sink_opaque = opaque;
	}
}

/* Terminal state is process-wide: restored from atexit as well. */
static struct termios saved_tio;
static int tio_saved;

static void term_restore(void)
{
	if (tio_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
		tio_saved = 0;
	}
}

static void term_raw(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) < 0)
		return;
	t = saved_tio;
	cfmakeraw(&t);
	/* Keep output post-processing so our own log lines stay readable. */
	t.c_oflag |= OPOST | ONLCR;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) {
		tio_saved = 1;
		atexit(term_restore);
	}
}

/* One byte the guest sent; the UART's lock is held: one writer. */
static void serial_tx(void *opaque, uint8_t byte)
{
	struct console *c = opaque;
	unsigned hit;

	fd_write_all(STDOUT_FILENO, &byte, 1);
	if (c->first_ms < 0)
		c->first_ms = mono_ms() - c->t0_ms;
	if (c->log_fd >= 0) {
		if (c->log_time && c->at_line_start && byte != '\n') {
			char stamp[32];
			long long ms = mono_ms() - c->t0_ms;
			int n = snprintf(stamp, sizeof(stamp), "+%lld.%03lld ", ms / 1000, ms % 1000);

			fd_write_all(c->log_fd, stamp, (size_t)n);
		}
		fd_write_all(c->log_fd, &byte, 1);
		c->at_line_start = byte == '\n';
	}
	hit = outlog_feed(&c->out, byte);
	if ((hit & OUTLOG_HIT_MARK) && c->mark_ms < 0)
		c->mark_ms = mono_ms() - c->t0_ms;
	if ((hit & OUTLOG_HIT_PANIC) && c->watch_panics && c->out.panic == OUTLOG_PANIC_ENDED)
		exit_latch_fire(&c->quit, EXIT_GUEST_CRASH,
				"guest panicked (its console says \"Kernel panic\", and the kernel stopped there)");
}

int console_set_log(struct console *c, const char *path, bool stamp)
{
	if (!c || !path)
		return 0;
	c->log_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (c->log_fd < 0) {
		pr_err("--console-log %s: %s", path, strerror(errno));
		return -1;
	}
	c->log_time = stamp;
	return 0;
}

void console_set_mark(struct console *c, const char *mark)
{
	if (c && mark)
		outlog_set_mark(&c->out, mark);
}

void console_times(const struct console *c, long long *first_ms, long long *mark_ms)
{
	*first_ms = c ? c->first_ms : -1;
	*mark_ms = c ? c->mark_ms : -1;
}

void console_watch_panics(struct console *c, bool on)
{
	if (c)
		c->watch_panics = on;
}

bool console_saw_panic(const struct console *c)
{
	return c && c->watch_panics && c->out.panic != OUTLOG_NO_PANIC;
}

void console_print_tail(const struct console *c, unsigned lines)
{
	char buf[2048], *p, *nl;

	if (!c)
		return;
	/* The panic's own line first: its stack dump may have pushed it out
	 * of the last lines. */
	if (outlog_panic_line(&c->out, buf, sizeof(buf)))
		pr_err("the guest's panic: %s", buf);
	if (!outlog_tail(&c->out, lines, buf, sizeof(buf)))
		return;
	pr_err("the guest's last console lines:");
	for (p = buf; (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		pr_err("  | %s", p);
	}
}

static void serial_irq(void *opaque, int level)
{
	struct console *c = opaque;

	irq_lines_set(&c->irq, c->gsi, level);
}

struct console *console_add_serial(struct iobus *bus, enum io_space sp, uint64_t base, unsigned gsi,
				   struct irq_lines irq, struct exit_latch quit)
{
	struct console *c = calloc(1, sizeof(*c));

	if (!c) {
		pr_err("out of memory");
		return NULL;
	}
	c->irq = irq;
	c->quit = quit;
	c->gsi = gsi;
	c->wake[0] = c->wake[1] = -1;
	c->log_fd = -1;
	c->at_line_start = true;
	c->first_ms = c->mark_ms = -1;
	c->t0_ms = mono_ms();
	outlog_init(&c->out);
	uart_init(&c->uart, serial_tx, serial_irq, c);
	c->sink = uart_sink;
	c->sink_opaque = &c->uart;
	if (iobus_register(bus, sp, base, 8, uart_io, &c->uart, "uart") < 0) {
		pr_err("cannot register the UART at %#llx", (unsigned long long)base);
		uart_destroy(&c->uart);
		free(c);
		return NULL;
	}
	return c;
}

unsigned console_escape(int *state, uint8_t in, uint8_t out[2], int *quit)
{
	*quit = 0;
	if (!*state) {
		if (in == CONSOLE_ESCAPE) {
			*state = 1;
			return 0;
		}
		out[0] = in;
		return 1;
	}
	*state = 0;
	if (in == 'x' || in == 'X') {
		*quit = 1;
		return 0;
	}
	if (in == CONSOLE_ESCAPE) {
		out[0] = in;
		return 1;
	}
	out[0] = CONSOLE_ESCAPE;
	out[1] = in;
	return 2;
}

/* Waits for FIFO room rather than dropping typed or pasted input. */
static void deliver(struct console *c, const uint8_t *b, unsigned n)
{
	while (n && !__atomic_load_n(&c->stopping, __ATOMIC_ACQUIRE)) {
		size_t took = c->sink(c->sink_opaque, b, n);

		b += took;
		n -= (unsigned)took;
		if (n)
			usleep(1000);
	}
}

static void *input_thread(void *arg)
{
	struct console *c = arg;
	int state = 0;

	for (;;) {
		struct pollfd p[2] = { { STDIN_FILENO, POLLIN, 0 }, { c->wake[0], POLLIN, 0 } };
		uint8_t buf[256], out[2];
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;  /* end of input: the guest keeps running */
		for (ssize_t i = 0; i < n; i++) {
			int quit;
			unsigned k = console_escape(&state, buf[i], out, &quit);

			if (quit) {
				exit_latch_fire(&c->quit, 0, "quit (Ctrl-A x)");
				return NULL;
			}
			deliver(c, out, k);
		}
	}
	return NULL;
}

int console_start(struct console *c)
{
	if (!c)
		return 0;
	if (pipe2(c->wake, O_CLOEXEC) < 0) {
		pr_err("pipe: %s", strerror(errno));
		return -1;
	}
	term_raw();
	if (pthread_create(&c->thread, NULL, input_thread, c) != 0) {
		pr_err("cannot start the console input thread");
		term_restore();
		return -1;
	}
	c->thread_started = 1;
	return 0;
}

void console_stop(struct console *c)
{
	if (c && c->thread_started) {
		__atomic_store_n(&c->stopping, 1, __ATOMIC_RELEASE);
		while (write(c->wake[1], "", 1) < 0 && errno == EINTR)
			;
		pthread_join(c->thread, NULL);
		c->thread_started = 0;
	}
	term_restore();
}

void console_destroy(struct console *c)
{
	if (!c)
		return;
	console_stop(c);
	for (int i = 0; i < 2; i++)
		if (c->wake[i] >= 0)
			close(c->wake[i]);
	if (c->log_fd >= 0)
		close(c->log_fd);
	uart_destroy(&c->uart);
	free(c);
}
