/* The 16550A register model: THR/RBR, IER, IIR, LCR and the divisor latch,
 * LSR, MCR loopback and MSR, and the interrupt line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices/uart.h"

static struct uart u;
static uint8_t out[256];
static unsigned nout;
static int irq, irq_changes;

static void tx(void *opaque, uint8_t b)
{
	(void)opaque;
	out[nout++ % sizeof(out)] = b;
}

static void set_irq(void *opaque, int level)
{
	(void)opaque;
	irq = level;
	irq_changes++;
}

static int setup(void **state)
{
	(void)state;
	nout = 0;
	irq = 0;
	irq_changes = 0;
	uart_init(&u, tx, set_irq, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	uart_destroy(&u);
	return 0;
}

static void wr(unsigned reg, uint8_t v) { uart_io(&u, reg, &v, 1, true); }
static uint8_t rd(unsigned reg) { uint8_t v = 0; uart_io(&u, reg, &v, 1, false); return v; }

static void bytes_written_to_thr_are_transmitted(void **state)
{
	(void)state;
	wr(UART_TX, 'h');
	wr(UART_TX, 'i');
	assert_int_equal(nout, 2);
	assert_memory_equal(out, "hi", 2);
}

static void lsr_always_reports_an_empty_transmitter(void **state)
{
	(void)state;
	assert_int_equal(rd(UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), UART_LSR_THRE | UART_LSR_TEMT);
	wr(UART_TX, 'x');
	assert_int_equal(rd(UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), UART_LSR_THRE | UART_LSR_TEMT);
}

static void received_bytes_are_read_from_rbr_in_order_with_data_ready(void **state)
{
	(void)state;
	assert_false(rd(UART_LSR) & UART_LSR_DR);
	assert_int_equal(uart_receive(&u, (const uint8_t *)"ab", 2), 2);
	assert_true(rd(UART_LSR) & UART_LSR_DR);
	assert_int_equal(rd(UART_RX), 'a');
	assert_int_equal(rd(UART_RX), 'b');
	assert_false(rd(UART_LSR) & UART_LSR_DR);
}

static void a_full_fifo_takes_no_more_input(void **state)
{
	uint8_t buf[UART_FIFO_SIZE + 10];

	(void)state;
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(uart_receive(&u, buf, sizeof(buf)), UART_FIFO_SIZE);
	assert_int_equal(uart_receive(&u, buf, 1), 0);
	rd(UART_RX);
	assert_int_equal(uart_receive(&u, buf, 5), 1);
}

static void the_divisor_latch_shadows_thr_and_ier_while_dlab_is_set(void **state)
{
	(void)state;
	wr(UART_IER, UART_IER_RDI);
	wr(UART_LCR, UART_LCR_DLAB | 0x03);
	wr(UART_DLL, 0x01);
	wr(UART_DLM, 0x02);
	assert_int_equal(nout, 0);                 /* DLL write is not a byte sent */
	assert_int_equal(rd(UART_DLL), 0x01);
	assert_int_equal(rd(UART_DLM), 0x02);
	wr(UART_LCR, 0x03);
	assert_int_equal(rd(UART_LCR), 0x03);
	assert_int_equal(rd(UART_IER), UART_IER_RDI);
}

static void ier_keeps_only_its_four_bits(void **state)
{
	(void)state;
	wr(UART_IER, 0xff);
	assert_int_equal(rd(UART_IER), 0x0f);
}

static void iir_reports_no_interrupt_when_none_is_enabled(void **state)
{
	(void)state;
	uart_receive(&u, (const uint8_t *)"a", 1);
	assert_int_equal(rd(UART_IIR) & 0x0f, UART_IIR_NO_INT);
	assert_int_equal(irq, 0);
}

static void received_data_raises_the_irq_until_read(void **state)
{
	(void)state;
	wr(UART_IER, UART_IER_RDI);
	assert_int_equal(irq, 0);
	uart_receive(&u, (const uint8_t *)"a", 1);
	assert_int_equal(irq, 1);
	assert_int_equal(rd(UART_IIR) & 0x0f, UART_IIR_RDI);
	rd(UART_RX);
	assert_int_equal(irq, 0);
	assert_int_equal(rd(UART_IIR) & 0x0f, UART_IIR_NO_INT);
}

static void enabling_thri_with_an_empty_thr_raises_it_and_iir_read_clears_it(void **state)
{
	(void)state;
	wr(UART_IER, UART_IER_THRI);
	assert_int_equal(irq, 1);
	assert_int_equal(rd(UART_IIR) & 0x0f, UART_IIR_THRI);
	assert_int_equal(irq, 0);
	assert_int_equal(rd(UART_IIR) & 0x0f, UART_IIR_NO_INT);
	/* Each byte sent empties THR again. */
	wr(UART_TX, 'x');
	assert_int_equal(irq, 1);
	assert_int_equal(rd(UART_IIR) & 0x0f, UART_IIR_THRI);
}

static void received_data_outranks_thre_in_iir(void **state)
{
	(void)state;
	wr(UART_IER, UART_IER_THRI | UART_IER_RDI);
	uart_receive(&u, (const uint8_t *)"a", 1);
	assert_int_equal(rd(UART_IIR) & 0x0f, UART_IIR_RDI);
	rd(UART_RX);
	assert_int_equal(rd(UART_IIR) & 0x0f, UART_IIR_THRI);
}

static void fcr_enables_fifos_shown_in_iir_and_clears_the_receiver(void **state)
{
	(void)state;
	assert_int_equal(rd(UART_IIR) & UART_IIR_FIFO, 0);
	wr(UART_FCR, UART_FCR_ENABLE_FIFO);
	assert_int_equal(rd(UART_IIR) & UART_IIR_FIFO, UART_IIR_FIFO);
	uart_receive(&u, (const uint8_t *)"abc", 3);
	wr(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	assert_false(rd(UART_LSR) & UART_LSR_DR);
}

static void loopback_returns_sent_bytes_and_ties_modem_lines(void **state)
{
	(void)state;
	wr(UART_MCR, UART_MCR_LOOP);
	assert_int_equal(rd(UART_MSR) & 0xf0, 0);
	wr(UART_TX, 'q');
	assert_int_equal(nout, 0);                 /* nothing leaves the chip */
	assert_int_equal(rd(UART_RX), 'q');
	wr(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_DTR | UART_MCR_OUT1 | UART_MCR_OUT2);
	assert_int_equal(rd(UART_MSR) & 0xf0, UART_MSR_CTS | UART_MSR_DSR | UART_MSR_RI | UART_MSR_DCD);
	/* Host input does not reach a looped-back receiver. */
	assert_int_equal(uart_receive(&u, (const uint8_t *)"a", 1), 0);
}

static void msr_deltas_are_set_on_change_and_cleared_by_reading(void **state)
{
	(void)state;
	wr(UART_MCR, UART_MCR_LOOP);
	assert_int_equal(rd(UART_MSR) & 0x0f, UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
	assert_int_equal(rd(UART_MSR) & 0x0f, 0);
}

static void modem_status_interrupt_fires_when_enabled(void **state)
{
	(void)state;
	wr(UART_IER, UART_IER_MSI);
	wr(UART_MCR, UART_MCR_LOOP);
	assert_int_equal(irq, 1);
	assert_int_equal(rd(UART_IIR) & 0x0f, UART_IIR_MSI);
	rd(UART_MSR);
	assert_int_equal(irq, 0);
}

static void loopback_overrun_sets_oe_and_line_status_interrupt(void **state)
{
	(void)state;
	wr(UART_IER, UART_IER_RLSI);
	wr(UART_MCR, UART_MCR_LOOP);
	for (int i = 0; i <= UART_FIFO_SIZE; i++)
		wr(UART_TX, 'o');
	assert_int_equal(rd(UART_IIR) & 0x0f, UART_IIR_RLSI);
	assert_true(rd(UART_LSR) & UART_LSR_OE);
	assert_false(rd(UART_LSR) & UART_LSR_OE);  /* cleared by the read */
	assert_int_equal(u.rx_dropped, 1);
}

static void scratch_register_holds_a_byte(void **state)
{
	(void)state;
	wr(UART_SCR, 0xa5);
	assert_int_equal(rd(UART_SCR), 0xa5);
}

static void lsr_and_msr_ignore_writes(void **state)
{
	(void)state;
	wr(UART_LSR, 0);
	wr(UART_MSR, 0);
	assert_true(rd(UART_LSR) & UART_LSR_THRE);
	assert_int_equal(rd(UART_MSR) & 0xf0, UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
}

static void a_wide_read_fills_the_upper_bytes_with_zero(void **state)
{
	uint8_t d[4] = { 0xee, 0xee, 0xee, 0xee };

	(void)state;
	wr(UART_SCR, 0x11);
	uart_io(&u, UART_SCR, d, 1, false);
	uart_io(&u, 4, d, 4, false);
	assert_int_equal(d[1] | d[2] | d[3], 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(bytes_written_to_thr_are_transmitted),
		T(lsr_always_reports_an_empty_transmitter),
		T(received_bytes_are_read_from_rbr_in_order_with_data_ready),
		T(a_full_fifo_takes_no_more_input),
		T(the_divisor_latch_shadows_thr_and_ier_while_dlab_is_set),
		T(ier_keeps_only_its_four_bits),
		T(iir_reports_no_interrupt_when_none_is_enabled),
		T(received_data_raises_the_irq_until_read),
		T(enabling_thri_with_an_empty_thr_raises_it_and_iir_read_clears_it),
		T(received_data_outranks_thre_in_iir),
		T(fcr_enables_fifos_shown_in_iir_and_clears_the_receiver),
		T(loopback_returns_sent_bytes_and_ties_modem_lines),
		T(msr_deltas_are_set_on_change_and_cleared_by_reading),
		T(modem_status_interrupt_fires_when_enabled),
		T(loopback_overrun_sets_oe_and_line_status_interrupt),
		T(scratch_register_holds_a_byte),
		T(lsr_and_msr_ignore_writes),
		T(a_wide_read_fills_the_upper_bytes_with_zero),
	};
	return cmocka_run_group_tests_name("uart", tests, NULL, NULL);
}
