#include "uart.h"

#include <string.h>

void uart_init(struct uart *u, void (*tx)(void *, uint8_t), void (*set_irq)(void *, int),
	       void *opaque)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	u->tx = tx;
	u->set_irq = set_irq;
	u->opaque = opaque;
	u->lsr = UART_LSR_THRE | UART_LSR_TEMT;
	u->msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	u->dll = 12;    /* 9600 baud, as after a BIOS */
}

void uart_destroy(struct uart *u)
{
	pthread_mutex_destroy(&u->lock);
}

/* The highest-priority pending interrupt, as IIR reports it. */
static uint8_t uart_iir(const struct uart *u)
{
	if ((u->ier & UART_IER_RLSI) && (u->lsr & UART_LSR_OE))
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && (u->lsr & UART_LSR_DR))
		return UART_IIR_RDI;
	if ((u->ier & UART_IER_THRI) && u->thr_ipending)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_MSI) && (u->msr & 0x0f))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

static void uart_update_irq(struct uart *u)
{
	int level = !(uart_iir(u) & UART_IIR_NO_INT);

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->set_irq)
			u->set_irq(u->opaque, level);
	}
}

/* Loopback ties the modem outputs to the modem inputs: RTS->CTS, DTR->DSR,
 * OUT1->RI, OUT2->DCD. Delta bits record changes since MSR was last read. */
static void uart_update_msr(struct uart *u)
{
	uint8_t st, old = u->msr & 0xf0;

	if (u->mcr & UART_MCR_LOOP)
		st = (u->mcr & UART_MCR_RTS ? UART_MSR_CTS : 0) |
		     (u->mcr & UART_MCR_DTR ? UART_MSR_DSR : 0) |
		     (u->mcr & UART_MCR_OUT1 ? UART_MSR_RI : 0) |
		     (u->mcr & UART_MCR_OUT2 ? UART_MSR_DCD : 0);
	else
		st = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	u->msr = (u->msr & 0x0f) | st;
	if ((old ^ st) & UART_MSR_CTS)
		u->msr |= UART_MSR_DCTS;
	if ((old ^ st) & UART_MSR_DSR)
		u->msr |= UART_MSR_DDSR;
	if ((old ^ st) & UART_MSR_DCD)
		u->msr |= UART_MSR_DDCD;
	if ((old & UART_MSR_RI) && !(st & UART_MSR_RI))
		u->msr |= UART_MSR_TERI;
}

static int rx_push(struct uart *u, uint8_t b)
{
	if (u->rx_count == UART_FIFO_SIZE) {
		u->lsr |= UART_LSR_OE;
		return -1;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = b;
	u->rx_count++;
	u->lsr |= UART_LSR_DR;
	return 0;
}

static uint8_t rx_pop(struct uart *u)
{
	uint8_t b;

	if (!u->rx_count)
		return 0;
	b = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	if (--u->rx_count == 0)
		u->lsr &= (uint8_t)~UART_LSR_DR;
	return b;
}

static void uart_write(struct uart *u, unsigned reg, uint8_t v)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_TX:
		if (dlab) {
			u->dll = v;
			break;
		}
		if (u->mcr & UART_MCR_LOOP) {
			if (rx_push(u, v) < 0)
				u->rx_dropped++;
		} else if (u->tx) {
			u->tx(u->opaque, v);
		}
		/* Transmission is instant: THR is empty again at once. */
		u->thr_ipending = true;
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = v;
			break;
		}
		/* Enabling the THRE interrupt with THR empty raises it. */
		if (!(u->ier & UART_IER_THRI) && (v & UART_IER_THRI))
			u->thr_ipending = true;
		u->ier = v & 0x0f;
		break;
	case UART_FCR:
		if (v & UART_FCR_CLEAR_RCVR) {
			u->rx_head = u->rx_count = 0;
			u->lsr &= (uint8_t)~UART_LSR_DR;
		}
		u->fcr = v & 0xc9;  /* enable, DMA mode, trigger level */
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & 0x1f;
		uart_update_msr(u);
		break;
	case UART_LSR:
	case UART_MSR:
		break;  /* read-only */
	case UART_SCR:
		u->scr = v;
		break;
	}
}

static uint8_t uart_read(struct uart *u, unsigned reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t v = 0;

	switch (reg) {
	case UART_RX:
		v = dlab ? u->dll : rx_pop(u);
		break;
	case UART_IER:
		v = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR:
		v = uart_iir(u);
		/* Reading IIR acknowledges a THRE interrupt it reports. */
		if (v == UART_IIR_THRI)
			u->thr_ipending = false;
		if (u->fcr & UART_FCR_ENABLE_FIFO)
			v |= UART_IIR_FIFO;
		break;
	case UART_LCR:
		v = u->lcr;
		break;
	case UART_MCR:
		v = u->mcr;
		break;
	case UART_LSR:
		v = u->lsr;
		u->lsr &= (uint8_t)~UART_LSR_OE;
		break;
	case UART_MSR:
		v = u->msr;
		u->msr &= 0xf0;
		break;
	case UART_SCR:
		v = u->scr;
		break;
	}
	return v;
}

void uart_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct uart *u = opaque;

	pthread_mutex_lock(&u->lock);
	/* The registers are 8 bits wide; a wider access touches the first. */
	if (offset < 8) {
		if (is_write)
			uart_write(u, (unsigned)offset, data[0]);
		else
			data[0] = uart_read(u, (unsigned)offset);
	}
	if (!is_write)
		memset(data + 1, 0, len - 1);
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

size_t uart_receive(struct uart *u, const uint8_t *buf, size_t n)
{
	size_t i;

	pthread_mutex_lock(&u->lock);
	/* In loopback the receiver hears only the transmitter. */
	if (u->mcr & UART_MCR_LOOP) {
		pthread_mutex_unlock(&u->lock);
		return 0;
	}
	for (i = 0; i < n && u->rx_count < UART_FIFO_SIZE; i++)
		rx_push(u, buf[i]);
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return i;
}
