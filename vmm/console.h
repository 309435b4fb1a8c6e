/* The serial console: a 16550A on the I/O bus wired to this process's stdin
 * and stdout, with raw terminal mode and the Ctrl-A escape. */
#ifndef AIRLOCK_CONSOLE_H
#define AIRLOCK_CONSOLE_H

#include "handles.h"
#include "iobus.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct console;

#define CONSOLE_ESCAPE 0x01   /* Ctrl-A */

/* Creates the UART at base in space sp of bus, interrupting on gsi through
 * irq; Ctrl-A x fires quit. NULL after one error line. */
struct console *console_add_serial(struct iobus *bus, enum io_space sp, uint64_t base, unsigned gsi,
				   struct irq_lines irq, struct exit_latch quit);

/* Raw mode (when stdin is a terminal) and the input thread. The calls below
 * take NULL (no console) too. */
int console_start(struct console *c);

/* Stops the input thread and restores the terminal. Idempotent. */
void console_stop(struct console *c);

void console_destroy(struct console *c);

/* Sends typed input to sink instead of the UART (for a virtio console).
 * sink returns how many bytes it took; the rest is offered again later. */
void console_set_input(struct console *c, size_t (*sink)(void *, const uint8_t *, size_t),
		       void *opaque);

/* Panics on the console (--console-panic): with on, the kernel's
 * end-of-panic line stops the VM with status 3 (through the quit latch),
 * and console_saw_panic says whether a "Kernel panic" went by (a reboot
 * after one is a panic too). */
void console_watch_panics(struct console *c, bool on);
bool console_saw_panic(const struct console *c);
/* The guest's last console lines, as error lines (a crash, a timeout). */
void console_print_tail(const struct console *c, unsigned lines);

/* --console-log PATH: the guest's output also there (stamp: each line
 * starts "+SECONDS.MS "); 0 or -1 after one error line. --mark: the
 * string whose first appearance console_times reports. Times are ms
 * since the console was made (at airlock's start), -1 for never. */
int console_set_log(struct console *c, const char *path, bool stamp);
void console_set_mark(struct console *c, const char *mark);
void console_times(const struct console *c, long long *first_ms, long long *mark_ms);

/* Escape decoder: feeds one input byte; returns how many bytes to pass to
 * the guest (0, 1 or 2) in out, and sets *quit on Ctrl-A x. Pure. */
unsigned console_escape(int *state, uint8_t in, uint8_t out[2], int *quit);

#endif
