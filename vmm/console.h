/* The serial console: a 16550A on the I/O bus wired to this process's stdin
 * and stdout, with raw terminal mode and the Ctrl-A escape. */
#ifndef AIRLOCK_CONSOLE_H
#define AIRLOCK_CONSOLE_H

#include "iobus.h"

#include <stddef.h>
#include <stdint.h>

struct vm;

#define CONSOLE_ESCAPE 0x01   /* Ctrl-A */

/* Creates the UART at base in space sp, interrupting on gsi. */
int console_add_serial(struct vm *vm, enum io_space sp, uint64_t base, unsigned gsi);

/* Raw mode (when stdin is a terminal) and the input thread. */
int console_start(struct vm *vm);

/* Stops the input thread and restores the terminal. Idempotent. */
void console_stop(struct vm *vm);

void console_destroy(struct vm *vm);

/* Sends typed input to sink instead of the UART (for a virtio console).
 * sink returns how many bytes it took; the rest is offered again later. */
void console_set_input(struct vm *vm, size_t (*sink)(void *, const uint8_t *, size_t),
		       void *opaque);

/* Escape decoder: feeds one input byte; returns how many bytes to pass to
 * the guest (0, 1 or 2) in out, and sets *quit on Ctrl-A x. Pure. */
unsigned console_escape(int *state, uint8_t in, uint8_t out[2], int *quit);

#endif
