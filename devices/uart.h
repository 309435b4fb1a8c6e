/* 16550A UART: register model only. Output bytes and the interrupt line go
 * through callbacks, so the model runs the same under KVM and in unit tests. */
#ifndef AIRLOCK_UART_H
#define AIRLOCK_UART_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_FIFO_SIZE 64

/* Register offsets (DLAB = LCR bit 7 selects DLL/DLM at 0 and 1). */
enum {
	UART_RBR = 0, UART_THR = 0, UART_DLL = 0,
	UART_IER = 1, UART_DLM = 1,
	UART_IIR = 2, UART_FCR = 2,
	UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

#define UART_IER_RDI   0x01
#define UART_IER_THRI  0x02
#define UART_IER_RLSI  0x04
#define UART_IER_MSI   0x08
#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI   0x00
#define UART_IIR_THRI  0x02
#define UART_IIR_RDI   0x04
#define UART_IIR_RLSI  0x06
#define UART_IIR_FIFO  0xc0
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_LCR_DLAB  0x80
#define UART_MCR_DTR   0x01
#define UART_MCR_RTS   0x02
#define UART_MCR_OUT1  0x04
#define UART_MCR_OUT2  0x08
#define UART_MCR_LOOP  0x10
#define UART_LSR_DR    0x01
#define UART_LSR_OE    0x02
#define UART_LSR_THRE  0x20
#define UART_LSR_TEMT  0x40
#define UART_MSR_DCTS  0x01
#define UART_MSR_DDSR  0x02
#define UART_MSR_TERI  0x04
#define UART_MSR_DDCD  0x08
#define UART_MSR_CTS   0x10
#define UART_MSR_DSR   0x20
#define UART_MSR_RI    0x40
#define UART_MSR_DCD   0x80

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
