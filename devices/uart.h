/* 16550A UART: register model only. Output bytes and the interrupt line go
 * through callbacks, so the model runs the same under KVM and in unit tests. */
#ifndef AIRLOCK_UART_H
#define AIRLOCK_UART_H

#include <linux/serial_reg.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_FIFO_SIZE 64

/* Register offsets and bits: Linux's uapi <linux/serial_reg.h> (DLAB, LCR
 * bit 7, selects DLL/DLM at 0 and 1); one of our own: */
#define UART_IIR_FIFO  0xc0            /* FIFOs enabled (16550A) */

struct uart {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, lsr, msr, scr, fcr, dll, dlm;
	bool thr_ipending;
	uint8_t rx[UART_FIFO_SIZE];
	unsigned rx_head, rx_count;
	int irq_level;
	void (*tx)(void *opaque, uint8_t byte);
	void (*set_irq)(void *opaque, int level);
	void *opaque;
	uint64_t rx_dropped;    /* bytes lost to a full FIFO in loopback */
};

void uart_init(struct uart *u, void (*tx)(void *, uint8_t), void (*set_irq)(void *, int),
	       void *opaque);
void uart_destroy(struct uart *u);

/* I/O bus handler: the UART's eight registers from offset 0. */
void uart_io(void *uart, uint64_t offset, uint8_t *data, unsigned len, bool is_write);

/* Feeds host input to the receiver. Returns how many bytes the FIFO took. */
size_t uart_receive(struct uart *u, const uint8_t *buf, size_t n);

#endif
