/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bxcan.h"
#include "clk.h"
#include "irq.h"
#include "regs.h"
#include "../../hal/hal_can.h"

#define WAIT_POLLS 200000u
#define FILTER_ID 0x050u
#define FILTER_MASK 0x7F0u

_Static_assert((BXCAN_TXQ & (BXCAN_TXQ - 1u)) == 0 && (BXCAN_RXQ & (BXCAN_RXQ - 1u)) == 0,
	       "rings must be powers of two");

struct bxcan_stats bxcan_stats;

/* single producer, single consumer: indices only grow */
static struct bp_frame txq[BXCAN_TXQ];
static volatile uint32_t tx_head, tx_tail; /* head: ISR, tail: thread */
static struct bp_frame rxq[BXCAN_RXQ];
static volatile uint32_t rx_head, rx_tail; /* head: thread, tail: ISR */
static uint32_t last_esr;

static bool wait_msr(uint32_t mask, uint32_t want)
{
	for (uint32_t i = 0; i < WAIT_POLLS; i++)
		if ((CAN1->msr & mask) == want)
			return true;
	return false;
}

/* Time quanta per bit from 16 down to 8; the first that divides the
 * clock exactly wins. */
static int bit_timing(uint32_t pclk, uint32_t rate, uint32_t *btr)
{
	for (uint32_t tq = 16; tq >= 8; tq--) {
		uint32_t brp, sample, ts1, ts2;

		if (pclk % (rate * tq))
			continue;
		brp = pclk / (rate * tq);
		if (brp < 1 || brp > 1024)
			continue;
		sample = (tq * 7u + 4u) / 8u; /* quanta before the sample point */
		ts1 = sample - 1u;
		ts2 = tq - sample;
		*btr = CAN_BTR(brp, ts1, ts2, 1u);
		return 0;
	}
	return -1;
}

int bxcan_init(void)
{
	uint32_t btr;

	if (bit_timing(clk.pclk1_hz, BXCAN_BITRATE, &btr))
		return -1;
	RCC->apb1enr |= RCC_APB1ENR_CAN1EN;
	(void)RCC->apb1enr;
	DBGMCU->apb1_fz |= DBGMCU_APB1_CAN1_STOP;

	CAN1->mcr = CAN_MCR_INRQ; /* also leaves sleep mode */
	if (!wait_msr(CAN_MSR_INAK | CAN_MSR_SLAK, CAN_MSR_INAK))
		return -1;
	CAN1->mcr = CAN_MCR_INRQ | CAN_MCR_ABOM | CAN_MCR_TXFP | CAN_MCR_DBF;
	CAN1->btr = btr;

	CAN1->fmr |= CAN_FMR_FINIT;
	CAN1->fa1r &= ~1u;
	CAN1->fs1r |= 1u;   /* bank 0: one 32-bit filter */
	CAN1->fm1r &= ~1u;  /* identifier and mask */
	CAN1->ffa1r &= ~1u; /* to FIFO 0 */
	CAN1->fb[0].fr1 = FILTER_ID << CAN_IR_STID_SHIFT;
	CAN1->fb[0].fr2 = FILTER_MASK << CAN_IR_STID_SHIFT | CAN_IR_IDE | CAN_IR_RTR;
	CAN1->fa1r |= 1u;
	CAN1->fmr &= ~CAN_FMR_FINIT;

	CAN1->ier = CAN_IER_TMEIE | CAN_IER_FMPIE0 | CAN_IER_FOVIE0 | CAN_IER_EWGIE |
		    CAN_IER_EPVIE | CAN_IER_BOFIE | CAN_IER_ERRIE;
	nvic_enable(IRQ_CAN1_TX, PRIO_CAN_TX);
	nvic_enable(IRQ_CAN1_RX0, PRIO_CAN_RX);
	nvic_enable(IRQ_CAN1_SCE, PRIO_CAN_SCE);

	/* normal mode once 11 recessive bits are seen; with no bus yet this
	 * happens later by itself, so a timeout here is not an error */
	CAN1->mcr &= ~CAN_MCR_INRQ;
	(void)wait_msr(CAN_MSR_INAK, 0);
	return 0;
}

static void tx_refill(void)
{
	uint32_t tsr;

	while (tx_head != tx_tail && ((tsr = CAN1->tsr) & CAN_TSR_TME_ALL)) {
		struct stm32_can_mailbox *mb = &CAN1->tx[(tsr >> CAN_TSR_CODE_SHIFT) & 3u];
		const struct bp_frame *f = &txq[tx_head & (BXCAN_TXQ - 1u)];
		uint8_t len = f->len > 8 ? 8 : f->len;

		mb->dtr = len;
		mb->dlr = (uint32_t)f->data[0] | (uint32_t)f->data[1] << 8 |
			  (uint32_t)f->data[2] << 16 | (uint32_t)f->data[3] << 24;
		mb->dhr = (uint32_t)f->data[4] | (uint32_t)f->data[5] << 8 |
			  (uint32_t)f->data[6] << 16 | (uint32_t)f->data[7] << 24;
		mb->ir = (uint32_t)(f->id & 0x7FFu) << CAN_IR_STID_SHIFT | CAN_IR_TXRQ;
		tx_head++;
		bxcan_stats.tx_frames++;
	}
}

void can1_tx_isr(void)
{
	CAN1->tsr = CAN_TSR_RQCP0 | CAN_TSR_RQCP1 | CAN_TSR_RQCP2;
	last_esr &= CAN1->esr; /* forget the error states left since (same priority as SCE) */
	tx_refill();
}

int hal_can_send(const struct bp_frame *f)
{
	uint32_t t = tx_tail;

	if (t - tx_head >= BXCAN_TXQ) {
		bxcan_stats.tx_refused++;
		return -1;
	}
	txq[t & (BXCAN_TXQ - 1u)] = *f;
	cpu_dmb();
	tx_tail = t + 1u;
	/* the mailboxes are only ever loaded in the interrupt: no race */
	nvic_pend(IRQ_CAN1_TX);
	return 0;
}

void can1_rx0_isr(void)
{
	while (CAN1->rf0r & CAN_RF0R_FMP0_MASK) {
		struct stm32_can_mailbox *mb = &CAN1->rx[0];
		uint32_t ir = mb->ir, dtr = mb->dtr, lo = mb->dlr, hi = mb->dhr;
		uint32_t t = rx_tail;
		struct bp_frame *f;

		CAN1->rf0r = CAN_RF0R_RFOM0;
		for (uint32_t i = 0; i < 64u && (CAN1->rf0r & CAN_RF0R_RFOM0); i++)
			;
		bxcan_stats.rx_frames++;
		if (ir & (CAN_IR_IDE | CAN_IR_RTR)) {
			bxcan_stats.rx_foreign++;
			continue;
		}
		if (t - rx_head >= BXCAN_RXQ) {
			bxcan_stats.rx_overflow++;
			continue;
		}
		f = &rxq[t & (BXCAN_RXQ - 1u)];
		f->id = (uint16_t)(ir >> CAN_IR_STID_SHIFT);
		f->len = (uint8_t)(dtr & 0xFu);
		for (unsigned int i = 0; i < 4; i++) {
			f->data[i] = (uint8_t)(lo >> (8 * i));
			f->data[4 + i] = (uint8_t)(hi >> (8 * i));
		}
		cpu_dmb();
		rx_tail = t + 1u;
	}
	if (CAN1->rf0r & CAN_RF0R_FOVR0) {
		CAN1->rf0r = CAN_RF0R_FOVR0;
		bxcan_stats.rx_overflow++;
	}
}

uint16_t hal_can_rx_lost(void)
{
	static uint32_t reported;
	uint32_t now = bxcan_stats.rx_overflow;
	uint32_t d = now - reported;

	reported = now;
	return d > 0xFFFFu ? 0xFFFFu : (uint16_t)d;
}

int hal_can_recv(struct bp_frame *f)
{
	uint32_t h = rx_head;

	if (h == rx_tail)
		return 0;
	cpu_dmb();
	*f = rxq[h & (BXCAN_RXQ - 1u)];
	rx_head = h + 1u;
	return 1;
}

void can1_sce_isr(void)
{
	uint32_t esr = CAN1->esr, rising = esr & ~last_esr;

	/* count entries into each state; ABOM brings the controller back */
	if (rising & CAN_ESR_BOFF)
		bxcan_stats.bus_off++;
	if (rising & CAN_ESR_EPVF)
		bxcan_stats.error_passive++;
	if (rising & CAN_ESR_EWGF)
		bxcan_stats.error_warning++;
	last_esr = esr;
	CAN1->msr = CAN_MSR_ERRI;
}
